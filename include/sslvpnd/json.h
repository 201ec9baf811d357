/* A small streaming JSON writer: objects, arrays, strings, integers and
 * booleans appended to one growing buffer.  Commas and nesting are tracked
 * by the writer, so callers only say what comes next.
 *
 * Strings are always valid JSON and valid UTF-8 whatever the input: every
 * byte 0x00-0x1f and 0x7f is escaped (\n, \t, ... or \u00XX), '"' and '\\'
 * are escaped, and every byte that does not start or continue a well-formed
 * UTF-8 sequence (overlong forms, surrogates, code points past U+10FFFF,
 * truncated sequences) becomes U+FFFD.  Output is compact, one line. */
#ifndef SSLVPND_JSON_H
#define SSLVPND_JSON_H

#include <stddef.h>
#include <stdint.h>

enum { JSON_MAX_DEPTH = 32 };

struct json {
	char *buf;        /* NUL-terminated output, owned by the writer */
	size_t len, cap;
	size_t max;       /* growth limit in bytes */
	int err;          /* sticky: allocation failure, limit, misuse */
	int depth;
	uint8_t count[JSON_MAX_DEPTH + 1]; /* values so far per level (0/1) */
	int after_key;
};

/* json_init: an empty writer whose output may grow to max bytes (at least
 * 64).  No allocation until the first value.  json_free releases the
 * buffer; json_free(NULL) is a no-op. */
void json_init(struct json *j, size_t max);
void json_free(struct json *j);

/* Structure.  json_key is only valid directly inside an object, and must be
 * followed by exactly one value.  Nesting beyond JSON_MAX_DEPTH, a close
 * that does not match, or a value without a key inside an object sets err. */
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);

/* Values.  json_str(NULL) writes null. */
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);

/* key + value in one call, inside an object. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_uint(struct json *j, const char *key, unsigned long long v);
void json_kv_bool(struct json *j, const char *key, int v);

/* json_result: the finished document (NUL-terminated) and its length, or
 * NULL when err is set or an object/array is still open.  The pointer stays
 * owned by the writer. */
const char *json_result(const struct json *j, size_t *len);

#endif
