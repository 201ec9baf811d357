/* Unit tests: the JSON writer (src/common/json.c) - escaping of every
 * control byte, quotes and backslash, invalid UTF-8 replaced by U+FFFD,
 * nesting and misuse. */
#include "config.h"

#include <check.h>
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

static Suite *suite(void)
{
	Suite *s = suite_create("json");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_loop_test(core, control_bytes, 0, 32);
	tcase_add_test(core, quotes_backslash_del);
	tcase_add_loop_test(core, utf8, 0, sizeof(utf8_cases) / sizeof(utf8_cases[0]));
	tcase_add_test(core, nesting);
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
