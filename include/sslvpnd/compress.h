/* Tunnel compression (CSTP and DTLS, packet type CSTP_COMPRESSED 0x08).
 *
 * The client lists what it can do in X-CSTP-Accept-Encoding and
 * X-DTLS-Accept-Encoding ("oc-lz4,lzs,deflate", openconnect's spelling); the
 * group policy names one algorithm per channel and the server answers it in
 * X-CSTP-Content-Encoding / X-DTLS-Content-Encoding only when the client
 * offered it.  LZS and LZ4 compress each packet alone; deflate (CSTP only)
 * is one raw deflate stream per direction (window 2^12) with a sync flush
 * after each packet and, after it, the big-endian Adler-32 of every
 * uncompressed byte the stream carried so far (openconnect's format).
 *
 * Decompression never writes more than the caller's buffer (the tunnel
 * MTU): anything that would is malformed, like any other bad input. */
#ifndef SSLVPND_COMPRESS_H
#define SSLVPND_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum comp_alg { COMP_NONE, COMP_DEFLATE, COMP_LZS, COMP_LZ4 };

enum { COMP_NAME_MAX = 8 }; /* "deflate" + NUL */

/* comp_by_name: the configuration's spelling ("none", "deflate", "lzs",
 * "lz4"); COMP_NONE for anything else. */
enum comp_alg comp_by_name(const char *name);
/* comp_wire_name: the header spelling ("deflate", "lzs", "oc-lz4"), or
 * NULL for COMP_NONE. */
const char *comp_wire_name(enum comp_alg a);
/* comp_choose: want when the client's Accept-Encoding list (comma or
 * blank separated, NULL = header absent) names it, else COMP_NONE.  dtls:
 * deflate is never chosen for DTLS (a stream cannot survive lost
 * datagrams). */
enum comp_alg comp_choose(enum comp_alg want, const char *accept, int dtls);

/* One channel's state.  Zeroed = COMP_NONE, nothing allocated. */
struct comp_ctx {
	enum comp_alg alg;
	void *zdef, *zinf;          /* z_stream of each direction (deflate) */
	uint32_t adler_out, adler_in;
	uint32_t adler_prev;        /* adler_out before the last comp_pack */
};

/* comp_start: set up ctx for a; 0, or -1 out of memory (ctx is then
 * COMP_NONE).  comp_end: free it (idempotent). */
int comp_start(struct comp_ctx *ctx, enum comp_alg a);
void comp_end(struct comp_ctx *ctx);

/* comp_pack: compress in[0..len) into out[0..cap).  Returns the
 * compressed length when it is smaller than len, 0 when the packet goes
 * uncompressed (not smaller, or too big), -1 on an internal error. */
int comp_pack(struct comp_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out,
	      size_t cap);
/* comp_unsend: the last packet comp_pack compressed was not sent after
 * all (deflate's Adler-32 must count only what the client receives). */
void comp_unsend(struct comp_ctx *ctx);
/* comp_unpack: decompress one packet's payload into out[0..cap).  Returns
 * the length, or -1 when the input is malformed or would exceed cap;
 * *why then says what was wrong (static text). */
int comp_unpack(struct comp_ctx *ctx, const uint8_t *in, size_t len, uint8_t *out,
		size_t cap, const char **why);

/* LZS (RFC 1974 / ANSI X3.241-1994), one packet, ending with the end
 * marker; src/common/lzs.c.  lzs_compress returns the length or -1 when
 * the output does not fit cap; lzs_decompress the length or -1 when the
 * input is malformed (bad offset, truncated, no end marker) or the output
 * would exceed cap. */
enum { LZS_MAX_IN = 16384 };
int lzs_compress(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
int lzs_decompress(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif
