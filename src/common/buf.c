/* Bounds-checked buffers: see include/sslvpnd/buf.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sslvpnd/buf.h"

void rbuf_init(struct rbuf *b, const void *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->off = 0;
	b->err = 0;
}

size_t rbuf_left(const struct rbuf *b)
{
	return b->err ? 0 : b->len - b->off;
}

int rbuf_ok(const struct rbuf *b)
{
	return b->err ? -1 : 0;
}

int rbuf_done(const struct rbuf *b)
{
	return (b->err || b->off != b->len) ? -1 : 0;
}

const uint8_t *rbuf_peek(struct rbuf *b, size_t n)
{
	if (b->err || b->len - b->off < n) {
		b->err = 1;
		return NULL;
	}
	const uint8_t *p = b->p + b->off;

	b->off += n;
	return p;
}

int rbuf_get_bytes(struct rbuf *b, void *dst, size_t n)
{
	const uint8_t *p = rbuf_peek(b, n);

	if (!p)
		return -1;
	memcpy(dst, p, n);
	return 0;
}

int rbuf_get_u8(struct rbuf *b, uint8_t *v)
{
	return rbuf_get_bytes(b, v, 1);
}

int rbuf_get_u16(struct rbuf *b, uint16_t *v)
{
	const uint8_t *p = rbuf_peek(b, 2);

	if (!p)
		return -1;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int rbuf_get_u32(struct rbuf *b, uint32_t *v)
{
	const uint8_t *p = rbuf_peek(b, 4);

	if (!p)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int rbuf_get_u64(struct rbuf *b, uint64_t *v)
{
	uint32_t hi, lo;

	if (rbuf_get_u32(b, &hi) || rbuf_get_u32(b, &lo))
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int rbuf_get_str(struct rbuf *b, char *dst, size_t cap)
{
	uint16_t n;
	const uint8_t *p;

	if (rbuf_get_u16(b, &n))
		return -1;
	if ((size_t)n + 1 > cap || !(p = rbuf_peek(b, n)) || memchr(p, 0, n)) {
		b->err = 1;
		return -1;
	}
	memcpy(dst, p, n);
	dst[n] = 0;
	return 0;
}

void wbuf_init(struct wbuf *b, void *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->err = 0;
}

int wbuf_ok(const struct wbuf *b)
{
	return b->err ? -1 : 0;
}

int wbuf_put_bytes(struct wbuf *b, const void *src, size_t n)
{
	if (b->err || b->cap - b->len < n) {
		b->err = 1;
		return -1;
	}
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
	return 0;
}

int wbuf_put_u8(struct wbuf *b, uint8_t v)
{
	return wbuf_put_bytes(b, &v, 1);
}

int wbuf_put_u16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put_bytes(b, x, 2);
}

int wbuf_put_u32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put_bytes(b, x, 4);
}

int wbuf_put_u64(struct wbuf *b, uint64_t v)
{
	if (wbuf_put_u32(b, (uint32_t)(v >> 32)))
		return -1;
	return wbuf_put_u32(b, (uint32_t)v);
}

int wbuf_put_str(struct wbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > UINT16_MAX) {
		b->err = 1;
		return -1;
	}
	if (wbuf_put_u16(b, (uint16_t)n))
		return -1;
	return wbuf_put_bytes(b, s, n);
}

int wbuf_printf(struct wbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf((char *)b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->err = 1;
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}
