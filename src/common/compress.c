/* Tunnel compression: negotiation and the per-channel state; LZS is ours
 * (lzs.c), deflate and LZ4 are zlib's and liblz4's.  See
 * include/sslvpnd/compress.h for the wire formats. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lz4.h>
#include <zlib.h>

#include "sslvpnd/compress.h"
#include "sslvpnd/util.h"

/* openconnect's inflateInit2(-12): our deflate window may not be larger. */
enum { DEFLATE_WBITS = -12, DEFLATE_MEMLEVEL = 8, ADLER_LEN = 4 };

struct comp_row {
	enum comp_alg alg;
	const char *conf;   /* sslvpnd.conf spelling */
	const char *wire;   /* X-*-Accept-Encoding / Content-Encoding spelling */
	int stream;         /* keeps state across packets: CSTP only */
};

static const struct comp_row algs[] = {
	{ COMP_NONE, "none", NULL, 0 },
	{ COMP_DEFLATE, "deflate", "deflate", 1 },
	{ COMP_LZS, "lzs", "lzs", 0 },
	{ COMP_LZ4, "lz4", "oc-lz4", 0 },
};

static const struct comp_row *row(enum comp_alg a)
{
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++)
		if (algs[i].alg == a)
			return &algs[i];
	return &algs[0];
}

enum comp_alg comp_by_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(algs); i++)
		if (strcmp(algs[i].conf, name) == 0)
			return algs[i].alg;
	return COMP_NONE;
}

const char *comp_wire_name(enum comp_alg a)
{
	return row(a)->wire;
}

/* Whole tokens only: "oc-lz4" must not match "lz4", nor "lzs" "xlzs". */
static int list_has(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; *p;) {
		size_t k;

		p += strspn(p, ", \t");
		k = strcspn(p, ", \t");
		if (k == n && strncasecmp(p, tok, n) == 0)
			return 1;
		p += k;
	}
	return 0;
}

enum comp_alg comp_choose(enum comp_alg want, const char *accept, int dtls)
{
	const struct comp_row *r = row(want);

	if (!r->wire || !accept || (dtls && r->stream))
		return COMP_NONE;
	return list_has(accept, r->wire) ? want : COMP_NONE;
}

/* ---- deflate: one stream per direction */

static int deflate_start(struct comp_ctx *ctx)
{
	z_stream *d = calloc(1, sizeof(*d)), *i = calloc(1, sizeof(*i));

	ctx->zdef = d;
	ctx->zinf = i;
	ctx->adler_out = ctx->adler_in = (uint32_t)adler32(0, Z_NULL, 0);
	if (!d || !i)
		return -1;
	if (deflateInit2(d, Z_DEFAULT_COMPRESSION, Z_DEFLATED, DEFLATE_WBITS,
			 DEFLATE_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(d);
		ctx->zdef = NULL;
		return -1;
	}
	if (inflateInit2(i, DEFLATE_WBITS) != Z_OK) {
		free(i);
		ctx->zinf = NULL;
		return -1;
	}
	return 0;
}

int comp_start(struct comp_ctx *ctx, enum comp_alg a)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->alg = a;
	if (a == COMP_DEFLATE && deflate_start(ctx) < 0) {
		comp_end(ctx);
		return -1;
	}
	return 0;
}

void comp_end(struct comp_ctx *ctx)
{
	if (ctx->zdef) {
		deflateEnd(ctx->zdef);
		free(ctx->zdef);
	}
	if (ctx->zinf) {
		inflateEnd(ctx->zinf);
		free(ctx->zinf);
	}
	memset(ctx, 0, sizeof(*ctx));
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A full flush per packet: the next packet's output never refers to this
 * one, so a packet we then send uncompressed (deflate did not make it
 * smaller) leaves the client's inflate stream in step.  The client's
 * Adler-32 counts only what it inflated, so ours counts only what we sent
 * compressed. */
static int deflate_pack(struct comp_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out,
			size_t cap)
{
	z_stream *z = ctx->zdef;
	size_t n;

	if (cap <= ADLER_LEN || len >= cap)
		return 0;
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	z->next_out = out;
	z->avail_out = (uInt)(len - 1 < cap - ADLER_LEN ? len - 1 : cap - ADLER_LEN);
	int r = deflate(z, Z_FULL_FLUSH);

	if ((r != Z_OK && r != Z_BUF_ERROR))
		return -1;
	if (z->avail_in || z->avail_out == 0) {
		/* Did not fit in fewer bytes: finish the flush into scratch so
		 * the stream is at a block boundary again, and send it plain. */
		uint8_t scratch[256];

		for (int k = 0; k < 1024 && (z->avail_in || z->avail_out == 0); k++) {
			z->next_out = scratch;
			z->avail_out = sizeof(scratch);
			r = deflate(z, Z_FULL_FLUSH);
			if (r != Z_OK && r != Z_BUF_ERROR)
				return -1;
		}
		return z->avail_in ? -1 : 0;
	}
	n = (size_t)(z->next_out - out);
	if (n + ADLER_LEN >= len)
		return 0;
	ctx->adler_prev = ctx->adler_out;
	ctx->adler_out = (uint32_t)adler32(ctx->adler_out, in, (uInt)len);
	be32(out + n, ctx->adler_out);
	return (int)(n + ADLER_LEN);
}

/* Whether inflate has more output for a buffer that is already full (the
 * stream is unusable afterwards: only asked before closing the tunnel). */
static int more_output(z_stream *z)
{
	uint8_t probe;

	z->next_out = &probe;
	z->avail_out = 1;
	(void)inflate(z, Z_SYNC_FLUSH);
	return z->avail_out == 0;
}

void comp_unsend(struct comp_ctx *ctx)
{
	if (ctx->alg == COMP_DEFLATE)
		ctx->adler_out = ctx->adler_prev;
}

static int deflate_unpack(struct comp_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out,
			  size_t cap, const char **why)
{
	z_stream *z = ctx->zinf;
	uint32_t sum;
	size_t n;

	if (len <= ADLER_LEN) {
		*why = "deflate packet too short";
		return -1;
	}
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)(len - ADLER_LEN);
	z->next_out = out;
	z->avail_out = (uInt)cap;
	int r = inflate(z, Z_SYNC_FLUSH);

	if (r != Z_OK && !(r == Z_BUF_ERROR && z->avail_in == 0 && z->avail_out)) {
		*why = r == Z_STREAM_END ? "deflate stream ended" : "bad deflate data";
		return -1;
	}
	/* Input left over, or output still pending with the buffer full:
	 * the packet expands past the MTU (a decompression bomb). */
	n = (size_t)(z->next_out - out);
	if (z->avail_in || (!z->avail_out && more_output(z))) {
		*why = "deflate packet larger than the MTU";
		return -1;
	}
	ctx->adler_in = (uint32_t)adler32(ctx->adler_in, out, (uInt)n);
	sum = (uint32_t)in[len - 4] << 24 | (uint32_t)in[len - 3] << 16 |
	      (uint32_t)in[len - 2] << 8 | in[len - 1];
	if (sum != ctx->adler_in) {
		*why = "deflate Adler-32 mismatch";
		return -1;
	}
	return (int)n;
}

int comp_pack(struct comp_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	int n;

	if (len < 2 || len > LZS_MAX_IN)
		return 0;
	switch (ctx->alg) {
	case COMP_DEFLATE:
		return deflate_pack(ctx, in, len, out, cap);
	case COMP_LZS:
		n = lzs_compress(in, len, out, cap < len ? cap : len);
		break;
	case COMP_LZ4:
		n = LZ4_compress_default((const char *)in, (char *)out, (int)len,
					 (int)(cap < len ? cap : len));
		break;
	default:
		return 0;
	}
	return n > 0 && (size_t)n < len ? n : 0;
}

int comp_unpack(struct comp_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		const char **why)
{
	int n;

	*why = "compressed packet of an algorithm not negotiated";
	switch (ctx->alg) {
	case COMP_DEFLATE:
		return deflate_unpack(ctx, in, len, out, cap, why);
	case COMP_LZS:
		n = lzs_decompress(in, len, out, cap);
		*why = "bad LZS data or larger than the MTU";
		return n;
	case COMP_LZ4:
		n = LZ4_decompress_safe((const char *)in, (char *)out, (int)len, (int)cap);
		*why = "bad LZ4 data or larger than the MTU";
		return n < 0 ? -1 : n;
	default:
		return -1;
	}
}
