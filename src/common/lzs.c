/* LZS (Stac) compression of single packets, as RFC 1974 describes the
 * ANSI X3.241-1994 format (the ASA's "anyconnect ssl|dtls compression
 * lzs"; openconnect calls it "lzs").  Written from the format description:
 *
 *   literal     0 + 8 bits
 *   string      1 + offset + length
 *     offset    1 + 7 bits (1..127) | 0 + 11 bits (1..2047)
 *     length    00=2 01=3 10=4 1100=5 1101=6 1110=7, then 1111 + nibbles:
 *               8 + 15 per 1111 nibble + the last nibble (< 15)
 *   end marker  1 1 0000000, then zero bits to the byte boundary
 *
 * Bits are written most significant first.  The decoder trusts nothing:
 * every offset must point inside what was already produced, every length
 * must fit the output, and the input must end with the end marker. */
#include <string.h>

#include "sslvpnd/compress.h"

enum {
	WINDOW = 2047,    /* largest offset */
	HASH_BITS = 12,
	CHAIN_MAX = 32,   /* candidates tried per position: speed over ratio */
	MATCH_MIN = 2,
};

/* ---- bit writer */

struct bitw {
	uint8_t *out;
	size_t cap, len;
	uint32_t acc;   /* pending bits, right-aligned */
	unsigned n;     /* how many */
	int full;
};

static void put(struct bitw *w, uint32_t v, unsigned bits)
{
	if (w->full)
		return;
	w->acc = w->acc << bits | (v & ((1u << bits) - 1));
	w->n += bits;
	while (w->n >= 8) {
		w->n -= 8;
		if (w->len >= w->cap) {
			w->full = 1;
			return;
		}
		w->out[w->len++] = (uint8_t)(w->acc >> w->n);
	}
}

static void put_length(struct bitw *w, size_t len)
{
	if (len < 5) {
		put(w, (uint32_t)(len - 2), 2);
		return;
	}
	if (len < 8) {
		put(w, (uint32_t)(0xc | (len - 5)), 4);
		return;
	}
	put(w, 0xf, 4);
	for (len -= 8; len >= 15; len -= 15)
		put(w, 0xf, 4);
	put(w, (uint32_t)len, 4);
}

static void put_string(struct bitw *w, size_t off, size_t len)
{
	if (off < 128)
		put(w, 0x180 | (uint32_t)off, 9);      /* 1 1 + 7 bits */
	else
		put(w, 0x1000 | (uint32_t)off, 13);    /* 1 0 + 11 bits */
	put_length(w, len);
}

/* ---- compressor: greedy, longest match along a short hash chain */

static unsigned hash2(const uint8_t *p)
{
	return ((unsigned)p[0] << 4 ^ p[1]) & ((1u << HASH_BITS) - 1);
}

static size_t match_len(const uint8_t *in, size_t len, size_t i, size_t j)
{
	size_t n = 0;

	while (i + n < len && in[j + n] == in[i + n])
		n++;
	return n;
}

int lzs_compress(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	int16_t head[1u << HASH_BITS], prev[LZS_MAX_IN];
	struct bitw w = { .out = out, .cap = cap };
	size_t i = 0;

	if (len > LZS_MAX_IN)
		return -1;
	memset(head, 0xff, sizeof(head));
	while (i < len && !w.full) {
		size_t best = 0, best_off = 0;

		if (i + MATCH_MIN <= len) {
			unsigned h = hash2(in + i);
			int j = head[h];

			for (int k = 0; j >= 0 && i - (size_t)j <= WINDOW && k < CHAIN_MAX;
			     k++, j = prev[j]) {
				size_t n = match_len(in, len, i, (size_t)j);

				if (n > best) {
					best = n;
					best_off = i - (size_t)j;
				}
			}
		}
		size_t step = best >= MATCH_MIN ? best : 1;

		if (step > 1)
			put_string(&w, best_off, best);
		else
			put(&w, in[i], 9);                  /* 0 + 8 bits */
		for (size_t e = i + step; i < e; i++)
			if (i + MATCH_MIN <= len) {
				unsigned h = hash2(in + i);

				prev[i] = head[h];
				head[h] = (int16_t)i;
			}
	}
	put(&w, 0x180, 9);                              /* end marker */
	if (w.n && !w.full)
		put(&w, 0, 8 - w.n);
	return w.full ? -1 : (int)w.len;
}

/* ---- decompressor */

struct bitr {
	const uint8_t *in;
	size_t len, pos;        /* pos in bits */
};

/* The next bits as a number, or -1 past the end of the input. */
static long get(struct bitr *r, unsigned bits)
{
	uint32_t v = 0;

	if (r->pos + bits > r->len * 8)
		return -1;
	for (unsigned k = 0; k < bits; k++, r->pos++)
		v = v << 1 | (r->in[r->pos >> 3] >> (7 - (r->pos & 7)) & 1);
	return (long)v;
}

/* The length of a string, or -1 (truncated, or longer than max). */
static long get_length(struct bitr *r, size_t max)
{
	long v = get(r, 2), n;
	size_t len;

	if (v < 0 || v < 3)
		return v < 0 ? -1 : v + 2;
	if ((v = get(r, 2)) < 0)
		return -1;
	if (v < 3)
		return v + 5;
	for (len = 8; (n = get(r, 4)) == 15; len += 15)
		if (len > max)
			return -1;
	return n < 0 ? -1 : (long)len + n;
}

int lzs_decompress(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	struct bitr r = { .in = in, .len = len };
	size_t o = 0;

	for (;;) {
		long flag = get(&r, 1), v;

		if (flag < 0)
			return -1;                      /* no end marker */
		if (flag == 0) {
			if ((v = get(&r, 8)) < 0 || o >= cap)
				return -1;
			out[o++] = (uint8_t)v;
			continue;
		}
		if ((v = get(&r, 1)) < 0)
			return -1;
		long off = get(&r, v ? 7 : 11);

		if (off == 0 && v)
			return (int)o;                  /* end marker */
		if (off <= 0 || (size_t)off > o)
			return -1;
		long n = get_length(&r, cap);

		if (n < 0 || (size_t)n > cap - o)
			return -1;
		for (long k = 0; k < n; k++, o++)
			out[o] = out[o - (size_t)off];  /* may overlap: byte by byte */
	}
}
