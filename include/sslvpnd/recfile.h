/* The frame shared by main's state files (leasefile.h, sessfile.h): a
 * first line naming the file, one text line per record, and a last line
 * "end N CRC" (record count, CRC-32 of everything before it), so a torn
 * write or a flipped byte is caught before any record is believed.  No
 * I/O. */
#ifndef SSLVPND_RECFILE_H
#define SSLVPND_RECFILE_H

#include <stddef.h>
#include <stdint.h>

/* recfile_crc32: CRC-32 (IEEE 802.3) of p[0..n-1]. */
uint32_t recfile_crc32(const char *p, size_t n);

/* A growing output buffer of at most max bytes; err once a put failed
 * (out of memory, or beyond max), and every later put is ignored. */
struct recfile_out {
	char *p;
	size_t len, cap, max;
	int err;
};

void recfile_put(struct recfile_out *o, const char *s, size_t n);

/* recfile_finish: appends the end line for records and hands the buffer
 * over (*out malloc'd, caller frees; *len its length, and a NUL after it
 * so it is a C string too): 0, or -1 (freed) when a put failed. */
int recfile_finish(struct recfile_out *o, size_t records, char **out, size_t *len);

/* recfile_trailer: checks that buf[0..len-1] (len > 0) ends with a newline,
 * holds no NUL, and that its last line is an end line whose CRC matches;
 * first_end is where the first line ends (the end line must come after).
 * Cuts the final newline (buf is modified), sets *body_end to the start of
 * the end line and *records to its count.  NULL, or the cause. */
const char *recfile_trailer(char *buf, size_t len, const char *first_end, char **body_end,
			    size_t *records);

#endif
