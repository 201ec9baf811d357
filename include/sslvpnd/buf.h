/* Bounds-checked buffers (after OpenSSH sshbuf).
 *
 * struct rbuf reads from borrowed memory; every getter checks the remaining
 * length first and, on failure, sets the sticky error flag and returns -1 so a
 * decoder can call a run of getters and test rbuf_ok() once.  Nothing here
 * allocates.  struct wbuf appends into caller memory of fixed capacity; an
 * overflow sets its sticky error and drops the write.
 */
#ifndef SSLVPND_BUF_H
#define SSLVPND_BUF_H

#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;
};

void rbuf_init(struct rbuf *b, const void *p, size_t len);
size_t rbuf_left(const struct rbuf *b);
/* rbuf_ok: 0 when no getter failed, -1 otherwise. */
int rbuf_ok(const struct rbuf *b);
/* rbuf_done: like rbuf_ok and additionally -1 when bytes are left over
 * (decoders reject trailing bytes). */
int rbuf_done(const struct rbuf *b);
int rbuf_get_u8(struct rbuf *b, uint8_t *v);
int rbuf_get_u16(struct rbuf *b, uint16_t *v); /* big endian */
int rbuf_get_u32(struct rbuf *b, uint32_t *v); /* big endian */
int rbuf_get_u64(struct rbuf *b, uint64_t *v); /* big endian */
int rbuf_get_bytes(struct rbuf *b, void *dst, size_t n);
/* rbuf_get_str: u16 length + bytes; fails when the string does not fit in
 * dst (cap includes the NUL) or contains a NUL byte.  dst is NUL-terminated. */
int rbuf_get_str(struct rbuf *b, char *dst, size_t cap);
/* rbuf_peek: pointer to the next n bytes (advancing past them) or NULL. */
const uint8_t *rbuf_peek(struct rbuf *b, size_t n);

void wbuf_init(struct wbuf *b, void *p, size_t cap);
int wbuf_ok(const struct wbuf *b);
int wbuf_put_u8(struct wbuf *b, uint8_t v);
int wbuf_put_u16(struct wbuf *b, uint16_t v);
int wbuf_put_u32(struct wbuf *b, uint32_t v);
int wbuf_put_u64(struct wbuf *b, uint64_t v);
int wbuf_put_bytes(struct wbuf *b, const void *src, size_t n);
/* wbuf_put_str: u16 length + bytes of a NUL-terminated string (NULL = ""). */
int wbuf_put_str(struct wbuf *b, const char *s);
/* wbuf_printf: append formatted text (no NUL); sets err on truncation. */
int wbuf_printf(struct wbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
