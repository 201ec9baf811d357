/* The session registry file (sessfile.h): encode and decode, no I/O.
 * One table of fields drives both directions. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/recfile.h"
#include "sslvpnd/sessfile.h"

static const char MAGIC_PREFIX[] = "sslvpnd-sessions ";

enum field_kind { F_U8, F_U32, F_U64, F_I64, F_HASH, F_STR };

struct field {
	enum field_kind kind;
	size_t off, size;
};

#define FLD(k, m) { k, offsetof(struct sessfile_rec, m), sizeof(((struct sessfile_rec *)0)->m) }

/* The order of a record's fields (sessfile.h). */
static const struct field fields[] = {
	FLD(F_U32, id), FLD(F_HASH, cookie_hash), FLD(F_U8, state),
	FLD(F_I64, login_time), FLD(F_I64, idle_since), FLD(F_U32, session_timeout),
	FLD(F_U8, timeout_fixed), FLD(F_U64, bytes_in), FLD(F_U64, bytes_out),
	FLD(F_STR, pool), FLD(F_STR, addr), FLD(F_STR, pool6), FLD(F_STR, addr6),
	FLD(F_U8, dap), FLD(F_U8, dap_filter_flags), FLD(F_STR, user),
	FLD(F_STR, tunnel_group), FLD(F_STR, policy), FLD(F_STR, peer),
	FLD(F_STR, dap_records), FLD(F_STR, dap_filter), FLD(F_STR, user_agent),
};

enum { N_FIELDS = sizeof(fields) / sizeof(fields[0]), LINE_MAX_LEN = 16384 };

static const char hexdig[] = "0123456789abcdef";

/* ---- encode */


/* "-" for "", else %XX for every byte that is not a printable non-blank,
 * and for '%' and '-'. */
static size_t str_encode(char *out, const char *s)
{
	char *o = out;

	if (!*s)
		*o++ = '-';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '%' && *p != '-') {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '%';
		*o++ = "0123456789ABCDEF"[*p >> 4];
		*o++ = "0123456789ABCDEF"[*p & 15];
	}
	*o = 0;
	return (size_t)(o - out);
}

static size_t enc_field(const struct field *f, const struct sessfile_rec *r, char *out)
{
	const char *p = (const char *)r + f->off;
	uint64_t u = 0;
	int64_t i;

	switch (f->kind) {
	case F_U8: u = *(const uint8_t *)p; break;
	case F_U32: u = *(const uint32_t *)p; break;
	case F_U64: u = *(const uint64_t *)p; break;
	case F_I64:
		memcpy(&i, p, sizeof(i));
		return (size_t)sprintf(out, "%" PRId64, i);
	case F_HASH:
		for (size_t k = 0; k < f->size; k++) {
			out[2 * k] = hexdig[(uint8_t)p[k] >> 4];
			out[2 * k + 1] = hexdig[(uint8_t)p[k] & 15];
		}
		out[2 * f->size] = 0;
		return 2 * f->size;
	case F_STR: {
		char tmp[DAP_NAMES_MAX];

		/* Never past the field, even for an unterminated one. */
		memcpy(tmp, p, f->size);
		tmp[f->size - 1] = 0;
		return str_encode(out, tmp);
	}
	}
	return (size_t)sprintf(out, "%" PRIu64, u);
}

static void enc_record(struct recfile_out *o, const struct sessfile_rec *r)
{
	char buf[3 * DAP_NAMES_MAX + 2];

	for (size_t k = 0; k < N_FIELDS; k++) {
		size_t n = enc_field(&fields[k], r, buf);

		buf[n++] = k + 1 < N_FIELDS ? ' ' : '\n';
		recfile_put(o, buf, n);
	}
}

int sessfile_encode(const struct sessfile_rec *v, size_t n, char **out, size_t *len)
{
	struct recfile_out o = { .max = SESSFILE_MAX };
	char line[64];
	int k;

	k = snprintf(line, sizeof(line), "%s%d\n", MAGIC_PREFIX, SESSFILE_VERSION);
	recfile_put(&o, line, (size_t)k);
	for (size_t i = 0; i < n; i++)
		enc_record(&o, &v[i]);
	return recfile_finish(&o, n, out, len);
}

/* ---- decode */

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int str_decode(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	if (!strcmp(s, "-")) {
		*out = 0;
		return 0;
	}
	for (; *s; s++) {
		int c = (unsigned char)*s;

		if (c == '-')
			return -1;
		if (c == '%') {
			int h = hexval(s[1]), l = h < 0 ? -1 : hexval(s[2]);

			if (l < 0 || (h == 0 && l == 0))
				return -1;
			c = h << 4 | l;
			s += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

static int num_decode(const char *s, int is_signed, uint64_t max, void *out, size_t size)
{
	char *end;
	uint64_t u;
	int64_t i;

	errno = 0;
	if (is_signed) {
		i = strtoll(s, &end, 10);
		if (errno || *end || !*s)
			return -1;
		memcpy(out, &i, sizeof(i));
		return 0;
	}
	if (*s == '-' || *s == '+')
		return -1;
	u = strtoull(s, &end, 10);
	if (errno || *end || !*s || u > max)
		return -1;
	if (size == 1)
		*(uint8_t *)out = (uint8_t)u;
	else if (size == 4)
		*(uint32_t *)out = (uint32_t)u;
	else
		*(uint64_t *)out = u;
	return 0;
}

static int dec_field(const struct field *f, const char *s, struct sessfile_rec *r)
{
	char *p = (char *)r + f->off;

	switch (f->kind) {
	case F_U8: return num_decode(s, 0, UINT8_MAX, p, 1);
	case F_U32: return num_decode(s, 0, UINT32_MAX, p, 4);
	case F_U64: return num_decode(s, 0, UINT64_MAX, p, 8);
	case F_I64: return num_decode(s, 1, 0, p, 8);
	case F_HASH:
		if (strlen(s) != 2 * f->size)
			return -1;
		for (size_t k = 0; k < f->size; k++) {
			int h = hexval(s[2 * k]), l = hexval(s[2 * k + 1]);

			if (h < 0 || l < 0)
				return -1;
			p[k] = (char)(h << 4 | l);
		}
		return 0;
	case F_STR: return str_decode(s, p, f->size);
	}
	return -1;
}

static int parse_record(char *line, struct sessfile_rec *r)
{
	char *save = NULL, *t = strtok_r(line, " ", &save);
	size_t k = 0;

	memset(r, 0, sizeof(*r));
	for (; t; t = strtok_r(NULL, " ", &save), k++)
		if (k >= N_FIELDS || dec_field(&fields[k], t, r) < 0)
			return -1;
	if (k != N_FIELDS || r->state > SESSFILE_INACTIVE || !r->id || !r->user[0])
		return -1;
	return 0;
}

/* First line, final newline, end line, CRC.  Sets [*body, *body_end) to
 * the records and *records to their announced count. */
static const char *verify(char *buf, size_t len, char **body, char **body_end,
			  size_t *records)
{
	size_t ml = sizeof(MAGIC_PREFIX) - 1;
	char *nl, *end;
	long ver;
	static char why[96];

	if (len < ml || memcmp(buf, MAGIC_PREFIX, ml) || !(nl = memchr(buf, '\n', len)))
		return "not a session registry (bad first line)";
	errno = 0;
	ver = strtol(buf + ml, &end, 10);
	if (errno || end != nl || end == buf + ml)
		return "not a session registry (bad first line)";
	if (ver != SESSFILE_VERSION) {
		snprintf(why, sizeof(why), "incompatible version %ld (this sslvpnd reads version %d)",
			 ver, SESSFILE_VERSION);
		return why;
	}
	const char *bad = recfile_trailer(buf, len, nl + 1, body_end, records);

	if (!bad)
		*body = nl + 1;
	return bad;
}

static const char *parse_all(char *body, char *body_end, struct sessfile_rec *v,
			     size_t records)
{
	size_t lines = 0;

	while (body < body_end) {
		char *nl = memchr(body, '\n', (size_t)(body_end - body));

		if (!nl || lines == records)
			return "record count mismatch";
		*nl = 0;
		if (nl - body >= LINE_MAX_LEN || parse_record(body, &v[lines]) < 0)
			return "garbled record";
		lines++;
		body = nl + 1;
	}
	return lines == records ? NULL : "record count mismatch";
}

long sessfile_decode(char *buf, size_t len, struct sessfile_rec **out, const char **why)
{
	char *body, *body_end;
	size_t records = 0;
	struct sessfile_rec *v;

	*out = NULL;
	*why = verify(buf, len, &body, &body_end, &records);
	if (*why)
		return -1;
	if (records > len / 64) {
		*why = "record count mismatch";
		return -1;
	}
	if (!records)
		return 0;
	v = calloc(records, sizeof(*v));
	if (!v) {
		*why = "out of memory";
		return -1;
	}
	*why = parse_all(body, body_end, v, records);
	if (*why) {
		free(v);
		return -1;
	}
	*out = v;
	return (long)records;
}
