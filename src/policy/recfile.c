/* The frame of main's state files (recfile.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/recfile.h"

/* CRC-32 (IEEE 802.3, reflected): catches torn writes and flipped bytes;
 * the files are root's, so no adversary forges them. */
uint32_t recfile_crc32(const char *p, size_t n)
{
	static uint32_t table[256];
	uint32_t c = 0xffffffffu;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;

			for (int k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			table[i] = v;
		}
	for (size_t i = 0; i < n; i++)
		c = table[(c ^ (uint8_t)p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

void recfile_put(struct recfile_out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;

		while (cap < o->len + n)
			cap *= 2;
		char *p = cap <= o->max ? realloc(o->p, cap) : NULL;

		if (!p) {
			o->err = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

int recfile_finish(struct recfile_out *o, size_t records, char **out, size_t *len)
{
	char tail[64];
	int k;

	if (!o->err) {
		k = snprintf(tail, sizeof(tail), "end %zu %08x\n", records,
			     recfile_crc32(o->p, o->len));
		recfile_put(o, tail, (size_t)k);
		recfile_put(o, "", 1);  /* a C string too; not counted */
	}
	if (o->err) {
		free(o->p);
		o->p = NULL;
		return -1;
	}
	*out = o->p;
	*len = o->len - 1;
	return 0;
}

const char *recfile_trailer(char *buf, size_t len, const char *first_end, char **body_end,
			    size_t *records)
{
	char *endl;
	unsigned crc;
	int used = 0;

	if (buf[len - 1] != '\n' || memchr(buf, 0, len))
		return "truncated (no final newline)";
	buf[len - 1] = 0;
	endl = strrchr(buf, '\n');
	if (!endl || endl + 1 < first_end)
		return "truncated (no end line)";
	endl++;
	if (sscanf(endl, "end %zu %8x%n", records, &crc, &used) != 2 || endl[used])
		return "truncated (no end line)";
	if (recfile_crc32(buf, (size_t)(endl - buf)) != crc)
		return "checksum mismatch";
	*body_end = endl;
	return NULL;
}
