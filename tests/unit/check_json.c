/* Unit tests: the JSON writer (src/common/json.c) - escaping of every
 * control byte, quotes and backslash, invalid UTF-8 replaced by U+FFFD,
 * nesting and misuse; every single byte value, and random byte strings
 * checked by an independent strict JSON string reader. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/json.h"

/* The JSON text of one string value. */
static char *str_doc(const char *s, size_t n)
{
	struct json j;
	const char *r;
	char *out;

	json_init(&j, 4096);
	json_strn(&j, s, n);
	r = json_result(&j, NULL);
	ck_assert_ptr_nonnull(r);
	out = strdup(r);
	json_free(&j);
	return out;
}

/* Every byte 0x00..0x1f: the short escape where JSON has one, else \u00XX. */
START_TEST(control_bytes)
{
	static const char *const short_esc[32] = {
		['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n", ['\f'] = "\\f", ['\r'] = "\\r",
	};
	char in[3] = { 'a', (char)_i, 'b' }, want[16];
	char *got;

	if (short_esc[_i])
		snprintf(want, sizeof(want), "\"a%sb\"", short_esc[_i]);
	else
		snprintf(want, sizeof(want), "\"a\\u%04xb\"", (unsigned)_i);
	got = str_doc(in, 3);
	ck_assert_msg(strcmp(got, want) == 0, "byte 0x%02x: expected %s, got %s", _i, want, got);
	free(got);
}
END_TEST

START_TEST(quotes_backslash_del)
{
	char *got = str_doc("q\"b\\s/\x7f", 7);

	ck_assert_str_eq(got, "\"q\\\"b\\\\s/\\u007f\"");
	free(got);
}
END_TEST

struct utf8_case {
	const char *in;
	size_t n;
	const char *want; /* inside the quotes */
};

#define FFFD "\xef\xbf\xbd"
static const struct utf8_case utf8_cases[] = {
	{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },                       /* valid 2-byte */
	{ "\xe2\x82\xac", 3, "\xe2\x82\xac" },                     /* valid 3-byte */
	{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },             /* valid 4-byte */
	{ "\xef\xbf\xbf", 3, "\xef\xbf\xbf" },                     /* U+FFFF */
	{ "\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf" },             /* U+10FFFF */
	{ "a\x80z", 3, "a" FFFD "z" },                             /* lone continuation */
	{ "\xc0\xaf", 2, FFFD FFFD },                              /* overlong '/' */
	{ "\xc1\xbf", 2, FFFD FFFD },                              /* overlong */
	{ "\xe0\x80\xaf", 3, FFFD FFFD FFFD },                     /* overlong 3-byte */
	{ "\xed\xa0\x80", 3, FFFD FFFD FFFD },                     /* surrogate D800 */
	{ "\xf0\x80\x80\xaf", 4, FFFD FFFD FFFD FFFD },            /* overlong 4-byte */
	{ "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD },            /* past U+10FFFF */
	{ "\xf5\x80\x80\x80", 4, FFFD FFFD FFFD FFFD },            /* F5 lead */
	{ "\xff\xfe", 2, FFFD FFFD },                              /* never in UTF-8 */
	{ "x\xc3", 2, "x" FFFD },                                  /* truncated at end */
	{ "\xe2\x82z", 3, FFFD FFFD "z" },                         /* truncated inside */
	{ "\xe2\x82\x0a", 3, FFFD FFFD "\\n" },                    /* control ends it */
	{ "\xc3\xa9\xa9", 3, "\xc3\xa9" FFFD },                    /* extra continuation */
};

START_TEST(utf8)
{
	const struct utf8_case *c = &utf8_cases[_i];
	char want[64];
	char *got;

	snprintf(want, sizeof(want), "\"%s\"", c->want);
	got = str_doc(c->in, c->n);
	ck_assert_msg(strcmp(got, want) == 0, "case %d: expected %s, got %s", _i, want, got);
	free(got);
}
END_TEST

START_TEST(nesting)
{
	struct json j;
	const char *r;
	size_t len;

	json_init(&j, 4096);
	json_obj_begin(&j);
	json_kv_str(&j, "name", "vpn\"user");
	json_kv_int(&j, "neg", -42);
	json_kv_uint(&j, "big", 18446744073709551615ull);
	json_kv_bool(&j, "t", 1);
	json_kv_bool(&j, "f", 0);
	json_kv_str(&j, "none", NULL);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_int(&j, 1);
	json_arr_begin(&j);
	json_arr_end(&j);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_str(&j, "");
	json_arr_end(&j);
	json_key(&j, "k\x01");
	json_obj_begin(&j);
	json_kv_int(&j, "x", 0);
	json_obj_end(&j);
	json_obj_end(&j);
	r = json_result(&j, &len);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "{\"name\":\"vpn\\\"user\",\"neg\":-42,\"big\":18446744073709551615,"
			    "\"t\":true,\"f\":false,\"none\":null,\"list\":[1,[],{},\"\"],"
			    "\"k\\u0001\":{\"x\":0}}");
	ck_assert_uint_eq(len, strlen(r));
	json_free(&j);
	json_free(NULL);
}
END_TEST

/* Misuse is sticky and yields no document. */
enum { MIS_OPEN, MIS_VALUE_IN_OBJ, MIS_KEY_IN_ARR, MIS_CLOSE_WRONG, MIS_TWO_TOP,
       MIS_DANGLING_KEY, MIS_UNDERFLOW, MIS__COUNT };

START_TEST(misuse)
{
	struct json j;

	json_init(&j, 4096);
	switch (_i) {
	case MIS_OPEN: json_obj_begin(&j); break;
	case MIS_VALUE_IN_OBJ: json_obj_begin(&j); json_int(&j, 1); json_obj_end(&j); break;
	case MIS_KEY_IN_ARR: json_arr_begin(&j); json_key(&j, "a"); json_int(&j, 1);
		json_arr_end(&j); break;
	case MIS_CLOSE_WRONG: json_obj_begin(&j); json_arr_end(&j); break;
	case MIS_TWO_TOP: json_int(&j, 1); json_int(&j, 2); break;
	case MIS_DANGLING_KEY: json_obj_begin(&j); json_key(&j, "a"); json_obj_end(&j); break;
	case MIS_UNDERFLOW: json_arr_begin(&j); json_arr_end(&j); json_arr_end(&j); break;
	}
	ck_assert_msg(json_result(&j, NULL) == NULL, "misuse case %d gave a document", _i);
	json_free(&j);
}
END_TEST

START_TEST(depth_limit)
{
	struct json j;

	json_init(&j, 4096);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_begin(&j);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_end(&j);
	ck_assert_ptr_nonnull(json_result(&j, NULL));
	json_free(&j);
	json_init(&j, 4096);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		json_arr_begin(&j);
	ck_assert(j.err);
	json_free(&j);
}
END_TEST

START_TEST(size_limit)
{
	struct json j;
	char big[200];

	memset(big, 'a', sizeof(big));
	json_init(&j, 100);
	json_strn(&j, big, sizeof(big));
	ck_assert(j.err);
	ck_assert_ptr_null(json_result(&j, NULL));
	json_free(&j);
	/* Growth past the first buffer. */
	json_init(&j, 1 << 20);
	json_arr_begin(&j);
	for (int i = 0; i < 1000; i++)
		json_strn(&j, big, sizeof(big));
	json_arr_end(&j);
	ck_assert_ptr_nonnull(json_result(&j, NULL));
	ck_assert_uint_eq(j.len, 2 + 1000 * 202 + 999);
	json_free(&j);
}
END_TEST

/* Every single byte on its own: the complete escaping table.  0x00-0x1f
 * and 0x7f are escaped, '"' and '\\' too, other ASCII passes, and 0x80-0xff
 * alone is never UTF-8, so it becomes U+FFFD (the documented choice:
 * replace, never pass through, so the document stays valid UTF-8). */
START_TEST(every_byte)
{
	char in[1] = { (char)_i }, want[16];
	char *got;

	if (_i == '"' || _i == '\\')
		snprintf(want, sizeof(want), "\"\\%c\"", _i);
	else if (_i == '\b' || _i == '\f' || _i == '\n' || _i == '\r' || _i == '\t')
		snprintf(want, sizeof(want), "\"\\%c\"",
			 "bfnrt"[strchr("\b\f\n\r\t", _i) - "\b\f\n\r\t"]);
	else if (_i < 0x20 || _i == 0x7f)
		snprintf(want, sizeof(want), "\"\\u%04x\"", (unsigned)_i);
	else if (_i < 0x80)
		snprintf(want, sizeof(want), "\"%c\"", _i);
	else
		snprintf(want, sizeof(want), "\"" FFFD "\"");
	got = str_doc(in, 1);
	ck_assert_msg(strcmp(got, want) == 0, "byte 0x%02x: expected %s, got %s", _i, want, got);
	free(got);
}
END_TEST

/* An independent strict reader of one JSON string (RFC 8259): returns the
 * decoded bytes (\uXXXX only below U+0080 is expected from the writer) or
 * -1 when the text is not a valid JSON string in valid UTF-8. */
static int utf8_valid_at(const unsigned char *s, size_t n)
{
	unsigned cp, need, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		need = 1, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		need = 2, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		need = 3, cp = s[0] & 0x07, min = 0x10000;
	else
		return -1;
	if (n < need + 1)
		return -1;
	for (unsigned i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return (int)need + 1;
}

static long json_string_decode(const char *doc, unsigned char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)doc;
	size_t n = strlen(doc), o = 0, i = 1;

	if (n < 2 || p[0] != '"' || p[n - 1] != '"')
		return -1;
	while (i < n - 1) {
		int l;

		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"')
			return -1; /* raw control, DEL (we require it escaped) or quote */
		if (p[i] == '\\') {
			const char *e = strchr("\"\\/bfnrt", p[i + 1]);

			if (p[i + 1] && e) {
				out[o++] = (unsigned char)"\"\\/\b\f\n\r\t"[e - "\"\\/bfnrt"];
				i += 2;
			} else if (p[i + 1] == 'u' && i + 6 <= n - 1) {
				unsigned v;

				if (sscanf((const char *)p + i + 2, "%4x", &v) != 1 || v > 0x7f)
					return -1;
				out[o++] = (unsigned char)v;
				i += 6;
			} else {
				return -1;
			}
			continue;
		}
		l = utf8_valid_at(p + i, n - 1 - i);
		if (l < 0 || o + (size_t)l > cap)
			return -1;
		memcpy(out + o, p + i, (size_t)l);
		o += (size_t)l;
		i += (size_t)l;
	}
	return (long)o;
}

/* Deterministic xorshift: the same "random" inputs on every run. */
static uint32_t rnd_state = 0x9e3779b9u;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Arbitrary bytes (biased to controls and bytes >= 0x80): the output is
 * always a valid JSON string in valid UTF-8, and every ASCII byte of the
 * input survives in order (only non-UTF-8 bytes are replaced). */
START_TEST(random_bytes)
{
	unsigned char in[64], dec[64 * 3 + 8];

	for (int round = 0; round < 5000; round++) {
		size_t n = rnd() % sizeof(in);

		for (size_t k = 0; k < n; k++) {
			uint32_t r = rnd();

			in[k] = (unsigned char)((r & 3) == 0 ? (r >> 8) % 0x20
					       : (r & 3) == 1 ? 0x80 | ((r >> 8) & 0x7f)
								: (r >> 8));
		}
		char *doc = str_doc((const char *)in, n);
		long m = json_string_decode(doc, dec, sizeof(dec));

		ck_assert_msg(m >= 0, "round %d: not a valid JSON string: %s", round, doc);
		size_t a = 0;

		for (size_t k = 0; k < n; k++) {
			if (in[k] >= 0x80)
				continue;
			while (a < (size_t)m && dec[a] != in[k])
				a++;
			ck_assert_msg(a < (size_t)m, "round %d: ASCII byte 0x%02x lost", round,
				      in[k]);
			a++;
		}
		free(doc);
	}
}
END_TEST

/* Inputs built from valid pieces (ASCII, controls, 2-, 3- and 4-byte
 * sequences) come back byte for byte: valid multi-byte text is kept. */
START_TEST(valid_roundtrip)
{
	static const char *const pieces[] = {
		"a", "\"", "\\", "/", "\x01", "\x1f", "\x7f", "\n", "\xc2\x80", "\xc3\xa9",
		"\xdf\xbf", "\xe0\xa0\x80", "\xe2\x82\xac", "\xed\x9f\xbf", "\xee\x80\x80",
		"\xef\xbf\xbd", "\xf0\x90\x80\x80", "\xf3\xbf\xbf\xbf", "\xf4\x8f\xbf\xbf",
	};
	char in[256];
	unsigned char dec[512];

	for (int round = 0; round < 2000; round++) {
		size_t n = 0;

		for (int k = (int)(rnd() % 20); k > 0; k--) {
			const char *pc = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];

			memcpy(in + n, pc, strlen(pc));
			n += strlen(pc);
		}
		char *doc = str_doc(in, n);
		long m = json_string_decode(doc, dec, sizeof(dec));

		ck_assert_msg(m == (long)n && memcmp(dec, in, n) == 0,
			      "round %d: %s does not decode to the input", round, doc);
		free(doc);
	}
}
END_TEST

/* Keys go through the same escaping as values. */
START_TEST(keys_escaped)
{
	struct json j;
	const char *r;

	json_init(&j, 4096);
	json_obj_begin(&j);
	json_kv_int(&j, "a\"b\\c\n\x7f\xff\xc3\xa9", 1);
	json_obj_end(&j);
	r = json_result(&j, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "{\"a\\\"b\\\\c\\n\\u007f" FFFD "\xc3\xa9\":1}");
	json_free(&j);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("json");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_loop_test(core, control_bytes, 0, 32);
	tcase_add_test(core, quotes_backslash_del);
	tcase_add_loop_test(core, utf8, 0, sizeof(utf8_cases) / sizeof(utf8_cases[0]));
	tcase_add_test(core, nesting);
	tcase_add_loop_test(core, every_byte, 0, 256);
	tcase_add_test(core, random_bytes);
	tcase_add_test(core, valid_roundtrip);
	tcase_add_test(core, keys_escaped);
	tcase_add_loop_test(lim, misuse, 0, MIS__COUNT);
	tcase_add_test(lim, depth_limit);
	tcase_add_test(lim, size_limit);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);

	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
