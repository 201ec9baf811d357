/* The JSON writer of sslvpnctl's machine output (see json.h).  Its strings
 * carry user names and certificate subjects that came from clients, so
 * escaping is complete: control bytes, quotes, backslash, and any byte that
 * is not part of well-formed UTF-8 (RFC 3629 table 3-7). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/json.h"

void json_init(struct json *j, size_t max)
{
	memset(j, 0, sizeof(*j));
	j->max = max < 64 ? 64 : max;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

static int grow(struct json *j, size_t need)
{
	size_t cap = j->cap ? j->cap : 256;
	char *p;

	if (j->len + need + 1 > j->max) {
		j->err = 1;
		return -1;
	}
	while (cap < j->len + need + 1)
		cap *= 2;
	if (cap > j->max)
		cap = j->max;
	p = realloc(j->buf, cap);
	if (!p) {
		j->err = 1;
		return -1;
	}
	j->buf = p;
	j->cap = cap;
	return 0;
}

static void put(struct json *j, const char *s, size_t n)
{
	if (j->err || (j->len + n + 1 > j->cap && grow(j, n) < 0))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = 0;
}

static void putc1(struct json *j, char c)
{
	put(j, &c, 1);
}

/* Before any value: the comma between siblings, and the rule that an
 * object member needs its key first. */
static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0 && (j->count[j->depth] & 2)) {
		j->err = 1; /* a bare value inside an object */
		return;
	}
	if (j->depth == 0 && j->count[0]) {
		j->err = 1; /* a second top-level value */
		return;
	}
	if (j->count[j->depth] & 1)
		putc1(j, ',');
	j->count[j->depth] |= 1;
}

static void nest_open(struct json *j, char c, int is_obj)
{
	before_value(j);
	if (j->depth >= JSON_MAX_DEPTH) {
		j->err = 1;
		return;
	}
	putc1(j, c);
	j->depth++;
	j->count[j->depth] = is_obj ? 2 : 0;
}

static void nest_close(struct json *j, char c, int is_obj)
{
	if (j->depth == 0 || j->after_key || !!(j->count[j->depth] & 2) != is_obj) {
		j->err = 1;
		return;
	}
	j->depth--;
	putc1(j, c);
}

void json_obj_begin(struct json *j) { nest_open(j, '{', 1); }
void json_obj_end(struct json *j) { nest_close(j, '}', 1); }
void json_arr_begin(struct json *j) { nest_open(j, '[', 0); }
void json_arr_end(struct json *j) { nest_close(j, ']', 0); }

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if the
 * byte at s does not start one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0; /* continuation byte, C0/C1 (overlong), F5..FF */
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* UTF-16 surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void put_escaped(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];

	putc1(j, '"');
	for (size_t i = 0; i < n && !j->err;) {
		unsigned char c = s[i];
		size_t l;

		switch (c) {
		case '"': put(j, "\\\"", 2); i++; continue;
		case '\\': put(j, "\\\\", 2); i++; continue;
		case '\b': put(j, "\\b", 2); i++; continue;
		case '\f': put(j, "\\f", 2); i++; continue;
		case '\n': put(j, "\\n", 2); i++; continue;
		case '\r': put(j, "\\r", 2); i++; continue;
		case '\t': put(j, "\\t", 2); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(j, esc, 6);
			i++;
			continue;
		}
		l = utf8_len(s + i, n - i);
		if (l == 0) {
			put(j, "\xef\xbf\xbd", 3); /* U+FFFD for this one byte */
			i++;
			continue;
		}
		put(j, (const char *)s + i, l);
		i += l;
	}
	putc1(j, '"');
}

void json_key(struct json *j, const char *key)
{
	if (j->depth == 0 || !(j->count[j->depth] & 2) || j->after_key || !key) {
		j->err = 1;
		return;
	}
	if (j->count[j->depth] & 1)
		putc1(j, ',');
	j->count[j->depth] |= 1;
	put_escaped(j, key, strlen(key));
	putc1(j, ':');
	j->after_key = 1;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	before_value(j);
	put_escaped(j, s, n);
}

void json_null(struct json *j)
{
	before_value(j);
	put(j, "null", 4);
}

void json_str(struct json *j, const char *s)
{
	if (!s)
		json_null(j);
	else
		json_strn(j, s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lld", v);

	before_value(j);
	put(j, b, (size_t)n);
}

void json_uint(struct json *j, unsigned long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", v);

	before_value(j);
	put(j, b, (size_t)n);
}

void json_bool(struct json *j, int v)
{
	before_value(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, int v)
{
	json_key(j, key);
	json_bool(j, v);
}

const char *json_result(const struct json *j, size_t *len)
{
	if (j->err || j->depth || j->after_key || !j->buf)
		return NULL;
	if (len)
		*len = j->len;
	return j->buf;
}
