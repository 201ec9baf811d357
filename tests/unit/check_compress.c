/* Unit tests for tunnel compression: LZS (src/common/lzs.c) against
 * vectors assembled bit by bit from RFC 1974's encoding table, round
 * trips and malformed input of every algorithm, bounded output, and the
 * negotiation (src/common/compress.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/compress.h"
#include "sslvpnd/util.h"

enum { MTU = 1406 };

/* LZS output of incompressible data: 9 bits a byte, plus the end marker */
static uint8_t in[LZS_MAX_IN], out[LZS_MAX_IN * 9 / 8 + 64], back[LZS_MAX_IN];

struct vector {
	const char *plain;
	size_t plen;
	uint8_t lzs[8];
	size_t zlen;
};

/* literal 'a', string offset 1 length 3 (1 1 0000001 01), end marker */
static const struct vector vectors[] = {
	{ "aaaa", 4, { 0x30, 0xe0, 0x5c, 0x00 }, 4 },
	{ "abc", 3, { 0x30, 0x98, 0x8c, 0x78, 0x00 }, 5 },
	/* length 29 = 1111 1111 0110 (8 + 15 + 6) */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 30, { 0x30, 0xe0, 0x7f, 0xdb, 0x00 }, 5 },
};

START_TEST(test_lzs_vectors)
{
	const struct vector *v = &vectors[_i];
	int n = lzs_compress((const uint8_t *)v->plain, v->plen, out, sizeof(out));

	ck_assert_int_eq(n, (int)v->zlen);
	ck_assert_mem_eq(out, v->lzs, v->zlen);
	ck_assert_int_eq(lzs_decompress(v->lzs, v->zlen, back, sizeof(back)), (int)v->plen);
	ck_assert_mem_eq(back, v->plain, v->plen);
}
END_TEST

/* Decoder-only inputs: an 11-bit offset the encoder would not choose. */
START_TEST(test_lzs_long_offset_form)
{
	static const uint8_t z[] = { 0x30, 0x98, 0xa0, 0x04, 0x60, 0x00 };

	ck_assert_int_eq(lzs_decompress(z, sizeof(z), back, sizeof(back)), 4);
	ck_assert_mem_eq(back, "abab", 4);
}
END_TEST

struct bad {
	const char *what;
	uint8_t z[8];
	size_t len;
};

static const struct bad bads[] = {
	{ "empty", { 0 }, 0 },
	{ "no end marker", { 0x30, 0x98, 0x80 }, 3 },
	{ "offset past the output", { 0x30, 0xe0, 0x8c, 0x00 }, 4 },
	{ "11-bit offset 0", { 0x30, 0xc0, 0x00, 0xc0, 0x00 }, 5 },
	{ "truncated literal", { 0x30 }, 1 },
	{ "truncated length", { 0x30, 0xe0, 0x7f }, 3 },
};

START_TEST(test_lzs_malformed)
{
	const struct bad *b = &bads[_i];

	ck_assert_msg(lzs_decompress(b->z, b->len, back, sizeof(back)) == -1, "%s", b->what);
}
END_TEST

/* A string longer than the output buffer: refused, nothing past cap. */
START_TEST(test_lzs_bomb)
{
	uint8_t z[80], small[MTU + 16];
	size_t n = 0;

	z[n++] = 0x30;
	z[n++] = 0xe0;
	memset(z + n, 0xff, 67);        /* length nibbles: 8 + 15 * k ... */
	n += 67;
	z[n++] = 0x30;
	z[n++] = 0x00;
	memset(small, 0xee, sizeof(small));
	ck_assert_int_eq(lzs_decompress(z, n, small, MTU), -1);
	for (size_t i = MTU; i < sizeof(small); i++)
		ck_assert_uint_eq(small[i], 0xee);
	ck_assert_int_eq(lzs_decompress(z, n, back, sizeof(back)), -1);
}
END_TEST

/* Inputs: 0 text-like, 1 random, 2 one byte repeated, 3 IP-ish header +
 * zeros; each at several sizes. */
static void fill(int kind, size_t len)
{
	static const char text[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n";

	for (size_t i = 0; i < len; i++)
		switch (kind) {
		case 0: in[i] = (uint8_t)text[i % (sizeof(text) - 1)]; break;
		case 1: in[i] = (uint8_t)(random() >> 7); break;
		case 2: in[i] = 0x5a; break;
		default: in[i] = i < 20 ? (uint8_t)(0x45 + i) : 0; break;
		}
}

static const size_t sizes[] = { 1, 2, 3, 20, 100, 576, 1400, 1500, 4096, LZS_MAX_IN };

START_TEST(test_lzs_roundtrip)
{
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		int n;

		fill(_i, sizes[s]);
		n = lzs_compress(in, sizes[s], out, sizeof(out));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(lzs_decompress(out, (size_t)n, back, sizeof(back)),
				 (int)sizes[s]);
		ck_assert_mem_eq(back, in, sizes[s]);
		/* exactly the size it needs, and one byte less fails */
		ck_assert_int_eq(lzs_decompress(out, (size_t)n, back, sizes[s]), (int)sizes[s]);
		ck_assert_int_eq(lzs_decompress(out, (size_t)n, back, sizes[s] - 1), -1);
	}
}
END_TEST

START_TEST(test_lzs_output_full)
{
	fill(1, 1000);
	ck_assert_int_eq(lzs_compress(in, 1000, out, 100), -1);
}
END_TEST

/* ---- compress.c: every algorithm through its contexts */

static const enum comp_alg algs[] = { COMP_DEFLATE, COMP_LZS, COMP_LZ4 };

/* A sender's and a receiver's context, as the two ends of a channel. */
static struct comp_ctx tx, rx;

static void pair_start(enum comp_alg a)
{
	ck_assert_int_eq(comp_start(&tx, a), 0);
	ck_assert_int_eq(comp_start(&rx, a), 0);
}

static void pair_end(void)
{
	comp_end(&tx);
	comp_end(&rx);
}

START_TEST(test_pack_unpack)
{
	const char *why = NULL;
	int packed = 0;

	pair_start(algs[_i]);
	for (int round = 0; round < 40; round++) {
		size_t len = 40 + (size_t)(round * 37 % MTU);
		int n;

		fill(round % 4, len);
		n = comp_pack(&tx, in, len, out, sizeof(out));
		ck_assert_int_ge(n, 0);
		if (n == 0)
			continue;       /* sent as it is: the stream stays in step */
		packed++;
		ck_assert_int_lt(n, (int)len);
		ck_assert_int_eq(comp_unpack(&rx, out, (size_t)n, back, MTU, &why), (int)len);
		ck_assert_mem_eq(back, in, len);
	}
	ck_assert_int_gt(packed, 20);
	pair_end();
}
END_TEST

/* Random data never goes compressed: it would not be smaller. */
START_TEST(test_pack_not_smaller)
{
	pair_start(algs[_i]);
	fill(1, 1400);
	ck_assert_int_eq(comp_pack(&tx, in, 1400, out, sizeof(out)), 0);
	pair_end();
}
END_TEST

/* Output larger than the receiver's MTU is refused for each algorithm. */
START_TEST(test_unpack_bomb)
{
	const char *why = NULL;
	int n;

	pair_start(algs[_i]);
	fill(2, LZS_MAX_IN);
	n = comp_pack(&tx, in, LZS_MAX_IN, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(comp_unpack(&rx, out, (size_t)n, back, MTU, &why), -1);
	ck_assert_ptr_nonnull(why);
	pair_end();
}
END_TEST

START_TEST(test_unpack_garbage)
{
	const char *why = NULL;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	pair_start(algs[_i]);
	ck_assert_int_eq(comp_unpack(&rx, junk, sizeof(junk), back, MTU, &why), -1);
	ck_assert_ptr_nonnull(why);
	pair_end();
}
END_TEST

/* deflate: the Adler-32 trailer must be the running sum of the stream. */
START_TEST(test_deflate_adler)
{
	const char *why = NULL;
	int n;

	pair_start(COMP_DEFLATE);
	fill(0, 500);
	n = comp_pack(&tx, in, 500, out, sizeof(out));
	ck_assert_int_gt(n, 4);
	/* openconnect's format: big-endian Adler-32 of all data so far */
	ck_assert_uint_eq((uint32_t)out[n - 4] << 24 | (uint32_t)out[n - 3] << 16 |
			  (uint32_t)out[n - 2] << 8 | out[n - 1], tx.adler_out);
	out[n - 1] ^= 1;
	ck_assert_int_eq(comp_unpack(&rx, out, (size_t)n, back, MTU, &why), -1);
	ck_assert_str_eq(why, "deflate Adler-32 mismatch");
	pair_end();
}
END_TEST

/* A compressed packet that could not be queued is undone (comp_unsend):
 * the next one still carries the right sum. */
START_TEST(test_deflate_unsend)
{
	const char *why = NULL;
	int n;

	pair_start(COMP_DEFLATE);
	fill(0, 600);
	ck_assert_int_gt(comp_pack(&tx, in, 600, out, sizeof(out)), 0);
	comp_unsend(&tx);
	fill(3, 300);
	n = comp_pack(&tx, in, 300, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(comp_unpack(&rx, out, (size_t)n, back, MTU, &why), 300);
	ck_assert_mem_eq(back, in, 300);
	pair_end();
}
END_TEST

struct choice {
	enum comp_alg want;
	const char *accept;
	int dtls;
	enum comp_alg got;
};

static const struct choice choices[] = {
	{ COMP_LZ4, "oc-lz4,lzs", 0, COMP_LZ4 },
	{ COMP_LZ4, "oc-lz4,lzs", 1, COMP_LZ4 },
	{ COMP_LZS, " oc-lz4, lzs", 1, COMP_LZS },
	{ COMP_DEFLATE, "oc-lz4,lzs,deflate", 0, COMP_DEFLATE },
	{ COMP_DEFLATE, "oc-lz4,lzs,deflate", 1, COMP_NONE },   /* never on DTLS */
	{ COMP_DEFLATE, "oc-lz4,lzs", 0, COMP_NONE },            /* not offered */
	{ COMP_LZ4, "lz4", 0, COMP_NONE },                       /* wire name is oc-lz4 */
	{ COMP_LZS, "xlzs,lzsx", 0, COMP_NONE },
	{ COMP_LZS, NULL, 0, COMP_NONE },                        /* header absent */
	{ COMP_NONE, "oc-lz4,lzs,deflate", 0, COMP_NONE },
};

START_TEST(test_choose)
{
	const struct choice *c = &choices[_i];

	ck_assert_int_eq(comp_choose(c->want, c->accept, c->dtls), c->got);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_int_eq(comp_by_name("none"), COMP_NONE);
	ck_assert_int_eq(comp_by_name("deflate"), COMP_DEFLATE);
	ck_assert_int_eq(comp_by_name("lzs"), COMP_LZS);
	ck_assert_int_eq(comp_by_name("lz4"), COMP_LZ4);
	ck_assert_int_eq(comp_by_name("oc-lz4"), COMP_NONE);
	ck_assert_int_eq(comp_by_name(NULL), COMP_NONE);
	ck_assert_str_eq(comp_wire_name(COMP_LZ4), "oc-lz4");
	ck_assert_ptr_null(comp_wire_name(COMP_NONE));
}
END_TEST

static Suite *compress_suite(void)
{
	Suite *s = suite_create("compress");
	TCase *lzs = tcase_create("lzs");
	TCase *algo = tcase_create("algorithms");
	TCase *neg = tcase_create("negotiation");

	tcase_add_loop_test(lzs, test_lzs_vectors, 0, ARRAY_SIZE(vectors));
	tcase_add_test(lzs, test_lzs_long_offset_form);
	tcase_add_loop_test(lzs, test_lzs_malformed, 0, ARRAY_SIZE(bads));
	tcase_add_test(lzs, test_lzs_bomb);
	tcase_add_loop_test(lzs, test_lzs_roundtrip, 0, 4);
	tcase_add_test(lzs, test_lzs_output_full);
	suite_add_tcase(s, lzs);

	tcase_add_loop_test(algo, test_pack_unpack, 0, ARRAY_SIZE(algs));
	tcase_add_loop_test(algo, test_pack_not_smaller, 0, ARRAY_SIZE(algs));
	tcase_add_loop_test(algo, test_unpack_bomb, 0, ARRAY_SIZE(algs));
	tcase_add_loop_test(algo, test_unpack_garbage, 0, ARRAY_SIZE(algs));
	tcase_add_test(algo, test_deflate_adler);
	tcase_add_test(algo, test_deflate_unsend);
	suite_add_tcase(s, algo);

	tcase_add_loop_test(neg, test_choose, 0, ARRAY_SIZE(choices));
	tcase_add_test(neg, test_names);
	suite_add_tcase(s, neg);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(compress_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
