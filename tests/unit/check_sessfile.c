/* Unit tests for the session registry codec (src/policy/sessfile.c):
 * core: round trip of records with awkward text (blanks, '%', '-', empty
 * fields, UTF-8), an empty registry.  limits: truncated files, a flipped
 * byte, another version, a foreign file, garbled records under a valid
 * checksum, count mismatches: each refused as a whole with its cause. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/leasefile.h"
#include "sslvpnd/recfile.h"
#include "sslvpnd/sessfile.h"
#include "sslvpnd/util.h"

static void rec_fill(struct sessfile_rec *r, uint32_t id, const char *user)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	for (size_t i = 0; i < sizeof(r->cookie_hash); i++)
		r->cookie_hash[i] = (uint8_t)(id * 31 + i);
	r->state = SESSFILE_INACTIVE;
	r->login_time = 1796000000;
	r->idle_since = 1796000100;
	r->session_timeout = 3600;
	r->timeout_fixed = 1;
	r->bytes_in = 18446744073709551615ull;
	r->bytes_out = 42;
	util_strlcpy(r->pool, "vpn-phone-pool", sizeof(r->pool));
	util_strlcpy(r->addr, "198.19.0.10", sizeof(r->addr));
	util_strlcpy(r->user, user, sizeof(r->user));
	util_strlcpy(r->tunnel_group, "vpn-phone-group", sizeof(r->tunnel_group));
	util_strlcpy(r->policy, "vpn-phone-policy", sizeof(r->policy));
	util_strlcpy(r->peer, "198.18.0.2", sizeof(r->peer));
}

static char *encode(const struct sessfile_rec *v, size_t n, size_t *len)
{
	char *text = NULL;

	ck_assert_int_eq(sessfile_encode(v, n, &text, len), 0);
	ck_assert_ptr_nonnull(text);
	return text;
}

START_TEST(test_round_trip)
{
	struct sessfile_rec v[3], *got = NULL;
	const char *why = NULL;
	size_t len;
	char *text;

	rec_fill(&v[0], 1, "SEP001122334455");
	rec_fill(&v[1], 7, "j. doe-100% \xc3\xa9");     /* blank, '-', '%', UTF-8 */
	v[1].state = SESSFILE_ACTIVE;
	v[1].idle_since = 0;
	v[1].dap = 1;
	v[1].dap_filter_flags = 1;
	util_strlcpy(v[1].dap_records, "Phones, Quarantine", sizeof(v[1].dap_records));
	util_strlcpy(v[1].dap_filter, "A B", sizeof(v[1].dap_filter));
	util_strlcpy(v[1].pool6, "v6", sizeof(v[1].pool6));
	util_strlcpy(v[1].addr6, "2001:db8::10", sizeof(v[1].addr6));
	util_strlcpy(v[1].user_agent, "Cisco SVC IPPhone Client v1.0 (1.0)",
		     sizeof(v[1].user_agent));
	rec_fill(&v[2], 4294967295u, "-");                /* only a dash */
	v[2].state = SESSFILE_WAITING;
	memset(v[2].pool, 0, sizeof(v[2].pool));          /* no CONNECT yet */
	memset(v[2].addr, 0, sizeof(v[2].addr));
	v[2].login_time = -5;
	text = encode(v, 3, &len);
	ck_assert_msg(!strstr(text, "j. doe"), "blank not encoded:\n%s", text);
	ck_assert_int_eq(sessfile_decode(text, len, &got, &why), 3);
	ck_assert_ptr_null(why);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(memcmp(&got[i], &v[i], sizeof(v[i])) == 0, "record %d differs", i);
	free(got);
	free(text);
}
END_TEST

START_TEST(test_empty)
{
	struct sessfile_rec *got = (void *)1;
	const char *why = NULL;
	size_t len;
	char *text = encode(NULL, 0, &len);

	ck_assert_int_eq(sessfile_decode(text, len, &got, &why), 0);
	ck_assert_ptr_null(got);
	free(text);
}
END_TEST

/* ---- limits: every damage refuses the whole file, naming the cause */

static const char *decode_text(char *text, size_t len)
{
	struct sessfile_rec *got = NULL;
	const char *why = NULL;
	long n = sessfile_decode(text, len, &got, &why);

	ck_assert_int_eq(n, -1);
	ck_assert_ptr_null(got);
	ck_assert_ptr_nonnull(why);
	return why;
}

/* A valid two-record file cut at every length: never accepted. */
START_TEST(test_truncated_everywhere)
{
	struct sessfile_rec v[2];
	size_t len;
	char *text, *copy;

	rec_fill(&v[0], 1, "a");
	rec_fill(&v[1], 2, "b");
	text = encode(v, 2, &len);
	copy = malloc(len);
	for (size_t cut = 0; cut < len; cut++) {
		memcpy(copy, text, cut);
		decode_text(copy, cut);
	}
	free(copy);
	free(text);
}
END_TEST

/* text with its end line recomputed: a well-formed file around it. */
static char *with_end(const char *body, size_t records, size_t *len)
{
	char *out = malloc(strlen(body) + 64);

	strcpy(out, body);
	sprintf(out + strlen(out), "end %zu %08x\n", records,
		recfile_crc32(body, strlen(body)));
	*len = strlen(out);
	return out;
}

#define HASH "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define GOOD "1 " HASH " 2 1796000000 1796000100 0 0 0 0 p 198.19.0.10 - - 0 0 u tg gp 1.2.3.4 - - -\n"

static const struct bad_case {
	const char *what, *body;
	size_t records;
	const char *why;        /* substring of the cause */
} bads[] = {
	{ "version 2", "sslvpnd-sessions 2\n" GOOD, 1, "incompatible version 2" },
	{ "version 0", "sslvpnd-sessions 0\n", 0, "incompatible version 0" },
	{ "foreign", "sslvpnd-pool-leases 1\n", 0, "not a session registry" },
	{ "no version", "sslvpnd-sessions x\n", 0, "not a session registry" },
	{ "short hash", "sslvpnd-sessions 1\n1 0011 2 1 1 0 0 0 0 p a - - 0 0 u tg gp 1 - - -\n",
	  1, "garbled record" },
	{ "state 3", "sslvpnd-sessions 1\n1 " HASH
		     " 3 1 1 0 0 0 0 p a - - 0 0 u tg gp 1 - - -\n", 1, "garbled record" },
	{ "field missing", "sslvpnd-sessions 1\n1 " HASH
			   " 2 1 1 0 0 0 0 p a - - 0 0 u tg gp 1 - -\n", 1, "garbled record" },
	{ "field extra", "sslvpnd-sessions 1\n1 " HASH
			 " 2 1 1 0 0 0 0 p a - - 0 0 u tg gp 1 - - - x\n", 1, "garbled record" },
	{ "bad escape", "sslvpnd-sessions 1\n1 " HASH
			" 2 1 1 0 0 0 0 p a - - 0 0 u%zz tg gp 1 - - -\n", 1, "garbled record" },
	{ "escaped NUL", "sslvpnd-sessions 1\n1 " HASH
			 " 2 1 1 0 0 0 0 p a - - 0 0 u%00 tg gp 1 - - -\n", 1, "garbled record" },
	{ "u8 overflow", "sslvpnd-sessions 1\n1 " HASH
			 " 2 1 1 0 0 0 0 p a - - 256 0 u tg gp 1 - - -\n", 1, "garbled record" },
	{ "negative id", "sslvpnd-sessions 1\n-1 " HASH
			 " 2 1 1 0 0 0 0 p a - - 0 0 u tg gp 1 - - -\n", 1, "garbled record" },
	{ "empty user", "sslvpnd-sessions 1\n1 " HASH
			" 2 1 1 0 0 0 0 p a - - 0 0 - tg gp 1 - - -\n", 1, "garbled record" },
	{ "name too long", "sslvpnd-sessions 1\n1 " HASH
			   " 2 1 1 0 0 0 0 p a - - 0 0 u "
			   "tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
			   " gp 1 - - -\n", 1, "garbled record" },
	{ "fewer records", "sslvpnd-sessions 1\n" GOOD GOOD, 1, "record count mismatch" },
	{ "more records", "sslvpnd-sessions 1\n" GOOD, 2, "record count mismatch" },
};

START_TEST(test_bad)
{
	size_t len;
	char *text = with_end(bads[_i].body, bads[_i].records, &len);
	const char *why = decode_text(text, len);

	ck_assert_msg(strstr(why, bads[_i].why), "%s: expected \"%s\", got \"%s\"", bads[_i].what,
		      bads[_i].why, why);
	free(text);
}
END_TEST

START_TEST(test_good_template)
{
	struct sessfile_rec *got = NULL;
	const char *why = NULL;
	size_t len;
	char *text = with_end("sslvpnd-sessions 1\n" GOOD GOOD, 2, &len);

	ck_assert_int_eq(sessfile_decode(text, len, &got, &why), 2);
	ck_assert_str_eq(got[1].user, "u");
	ck_assert_str_eq(got[1].pool6, "");
	ck_assert_uint_eq(got[1].cookie_hash[31], 0xff);
	free(got);
	free(text);
}
END_TEST

START_TEST(test_flipped_byte)
{
	struct sessfile_rec v[1];
	size_t len;
	char *text;

	rec_fill(&v[0], 3, "phone");
	text = encode(v, 1, &len);
	text[30] ^= 1;
	ck_assert_str_eq(decode_text(text, len), "checksum mismatch");
	free(text);
	text = encode(v, 1, &len);
	text[len - 1] = 'x';                               /* torn end */
	ck_assert_str_eq(decode_text(text, len), "truncated (no final newline)");
	free(text);
}
END_TEST

static Suite *sessfile_suite(void)
{
	Suite *s = suite_create("sessfile");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_round_trip);
	tcase_add_test(core, test_empty);
	tcase_add_test(core, test_good_template);
	tcase_add_test(limits, test_truncated_everywhere);
	tcase_add_loop_test(limits, test_bad, 0, sizeof(bads) / sizeof(bads[0]));
	tcase_add_test(limits, test_flipped_byte);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sessfile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
