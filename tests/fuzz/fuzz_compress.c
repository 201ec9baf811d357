/* libFuzzer target: decompression of a client's compressed packets (LZS,
 * LZ4, deflate: src/common/compress.c, src/common/lzs.c).
 *
 * Byte 0 picks the output bound (a tunnel MTU from 0 to 1530); the rest is
 * one packet.  Every decoder must stay inside the bound (a canary after it
 * stays intact) and either refuse with a reason or return at most the
 * bound.  The same bytes also go through each compressor: what comes out
 * decompresses to the input, and is smaller when comp_pack says so.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sslvpnd/compress.h"
#include "fuzz.h"

enum { CANARY = 64, OUT_MAX = LZS_MAX_IN * 9 / 8 + 64 };

static uint8_t buf[LZS_MAX_IN + CANARY], zbuf[OUT_MAX], back[LZS_MAX_IN];

static void canary_check(size_t cap)
{
	for (size_t i = cap; i < cap + CANARY; i++)
		CHECK(buf[i] == 0xa5);
}

static void unpack_all(const uint8_t *p, size_t n, size_t cap)
{
	static const enum comp_alg algs[] = { COMP_DEFLATE, COMP_LZS, COMP_LZ4 };

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct comp_ctx ctx;
		const char *why = NULL;
		int r;

		CHECK(comp_start(&ctx, algs[i]) == 0);
		memset(buf, 0xa5, cap + CANARY);
		r = comp_unpack(&ctx, p, n, buf, cap, &why);
		CHECK(r >= -1 && (r < 0 || (size_t)r <= cap));
		CHECK(r >= 0 || why != NULL);
		canary_check(cap);
		comp_end(&ctx);
	}
}

static void roundtrip(const uint8_t *p, size_t n)
{
	static const enum comp_alg algs[] = { COMP_DEFLATE, COMP_LZS, COMP_LZ4 };
	int z = lzs_compress(p, n, zbuf, sizeof(zbuf));

	CHECK(z > 0);
	CHECK(lzs_decompress(zbuf, (size_t)z, back, sizeof(back)) == (int)n);
	CHECK(n == 0 || memcmp(back, p, n) == 0);
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct comp_ctx tx, rx;
		const char *why = NULL;

		CHECK(comp_start(&tx, algs[i]) == 0 && comp_start(&rx, algs[i]) == 0);
		z = comp_pack(&tx, p, n, zbuf, sizeof(zbuf));
		CHECK(z >= 0 && (size_t)z < (n ? n : 1));
		if (z > 0) {
			CHECK(comp_unpack(&rx, zbuf, (size_t)z, back, sizeof(back), &why) ==
			      (int)n);
			CHECK(memcmp(back, p, n) == 0);
		}
		comp_end(&tx);
		comp_end(&rx);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap;

	if (size < 1)
		return 0;
	cap = (size_t)data[0] * 6;      /* 0 .. 1530 */
	data++;
	size--;
	if (size > LZS_MAX_IN)
		return 0;
	memset(buf, 0xa5, cap + CANARY);
	int r = lzs_decompress(data, size, buf, cap);

	CHECK(r >= -1 && (r < 0 || (size_t)r <= cap));
	canary_check(cap);
	unpack_all(data, size, cap);
	roundtrip(data, size);
	return 0;
}
