/* Unit tests: bounds-checked buffers and the log catalogue renderer. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/log.h"

START_TEST(roundtrip)
{
	uint8_t mem[64];
	struct wbuf w;
	struct rbuf r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char s[16];

	wbuf_init(&w, mem, sizeof(mem));
	wbuf_put_u8(&w, 0xab);
	wbuf_put_u16(&w, 0x1234);
	wbuf_put_u32(&w, 0xdeadbeef);
	wbuf_put_u64(&w, 0x0102030405060708ull);
	wbuf_put_str(&w, "hello");
	ck_assert_int_eq(wbuf_ok(&w), 0);
	ck_assert_uint_eq(w.len, 1 + 2 + 4 + 8 + 2 + 5);
	rbuf_init(&r, mem, w.len);
	rbuf_get_u8(&r, &u8);
	rbuf_get_u16(&r, &u16);
	rbuf_get_u32(&r, &u32);
	rbuf_get_u64(&r, &u64);
	rbuf_get_str(&r, s, sizeof(s));
	ck_assert_int_eq(rbuf_done(&r), 0);
	ck_assert_uint_eq(u8, 0xab);
	ck_assert_uint_eq(u16, 0x1234);
	ck_assert_uint_eq(u32, 0xdeadbeef);
	ck_assert(u64 == 0x0102030405060708ull);
	ck_assert_str_eq(s, "hello");
}
END_TEST

/* Table: a truncated input must fail and stay failed (sticky error). */
static const size_t cut_at[] = { 0, 1, 2, 3, 6, 14, 16, 20 };

START_TEST(truncated)
{
	uint8_t mem[64];
	struct wbuf w;
	struct rbuf r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char s[16];

	wbuf_init(&w, mem, sizeof(mem));
	wbuf_put_u8(&w, 1);
	wbuf_put_u16(&w, 2);
	wbuf_put_u32(&w, 3);
	wbuf_put_u64(&w, 4);
	wbuf_put_str(&w, "hello");
	rbuf_init(&r, mem, cut_at[_i]);
	rbuf_get_u8(&r, &u8);
	rbuf_get_u16(&r, &u16);
	rbuf_get_u32(&r, &u32);
	rbuf_get_u64(&r, &u64);
	rbuf_get_str(&r, s, sizeof(s));
	ck_assert_msg(rbuf_ok(&r) == -1, "cut at %zu: expected failure, got success",
		      cut_at[_i]);
	ck_assert_uint_eq(rbuf_left(&r), 0);
}
END_TEST

START_TEST(limits)
{
	uint8_t mem[8];
	struct wbuf w;
	struct rbuf r;
	char s[4];
	const uint8_t too_long[] = { 0, 5, 'a', 'b', 'c', 'd', 'e' };
	const uint8_t with_nul[] = { 0, 2, 'a', 0 };
	const uint8_t trailing[] = { 0, 1, 'a', 'x' };

	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(wbuf_put_bytes(&w, "123456789", 9), -1);
	ck_assert_int_eq(wbuf_put_u8(&w, 1), -1); /* sticky */
	rbuf_init(&r, too_long, sizeof(too_long));
	ck_assert_int_eq(rbuf_get_str(&r, s, sizeof(s)), -1);
	rbuf_init(&r, with_nul, sizeof(with_nul));
	ck_assert_int_eq(rbuf_get_str(&r, s, sizeof(s)), -1);
	rbuf_init(&r, trailing, sizeof(trailing));
	ck_assert_int_eq(rbuf_get_str(&r, s, sizeof(s)), 0);
	ck_assert_int_eq(rbuf_done(&r), -1);
	wbuf_init(&w, mem, sizeof(mem));
	ck_assert_int_eq(wbuf_printf(&w, "%s", "1234567"), 0);
	ck_assert_int_eq(wbuf_printf(&w, "%s", "x"), -1);
}
END_TEST

/* Every catalogued event renders in both formats with its prefix, every
 * positional argument substituted and no conversion left over. */
START_TEST(catalogue_renders)
{
	static const char *args[9] = { "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9" };
	const struct log_catalogue_entry *e = &log_catalogue[_i];
	char out[2][2048], want[64];

	ck_assert_msg(e->nargs >= 0 && e->nargs <= 9, "%s: nargs", e->name);
	for (int fmt = LOG_FMT_ASA; fmt <= LOG_FMT_NATIVE; fmt++) {
		char *buf = out[fmt];

		log_event_format(buf, sizeof(out[0]), fmt, (enum log_event)_i, args);
		if (fmt == LOG_FMT_ASA && e->asa_id)
			snprintf(want, sizeof(want), "%%ASA-%d-%d: ", e->severity, e->asa_id);
		else
			snprintf(want, sizeof(want), "%%SSLVPND-%d-%d: ", e->severity, e->id);
		ck_assert_msg(strncmp(buf, want, strlen(want)) == 0,
			      "%s: expected prefix %s, got %s", e->name, want, buf);
		ck_assert_msg(!strstr(buf + strlen(want), "%"),
			      "%s: unexpanded conversion in %s", e->name, buf);
		ck_assert_msg(!strstr(buf, "A9") || e->nargs >= 9,
			      "%s: uses an argument beyond nargs: %s", e->name, buf);
	}
	/* every argument shows in at least one of the two formats */
	for (int a = 0; a < e->nargs; a++)
		ck_assert_msg(strstr(out[0], args[a]) || strstr(out[1], args[a]),
			      "%s: argument %d used by neither format", e->name, a + 1);
}
END_TEST

START_TEST(catalogue_ids_unique)
{
	for (int i = 0; i < LM__COUNT; i++)
		for (int j = i + 1; j < LM__COUNT; j++)
			ck_assert_msg(log_catalogue[i].id != log_catalogue[j].id,
				      "%s and %s share id %d", log_catalogue[i].name,
				      log_catalogue[j].name, log_catalogue[i].id);
}
END_TEST

START_TEST(asa_seed_line)
{
	const char *args[] = { "GroupPolicy_VPNPhone", "CP-7962G-SEP8CB64F576113",
			       "172.16.250.9", "10.10.10.10" };
	char buf[512];

	log_event_format(buf, sizeof(buf), LOG_FMT_ASA, LM_ADDR_ASSIGNED, args);
	ck_assert_str_eq(buf, "%ASA-4-722051: Group <GroupPolicy_VPNPhone> User "
			      "<CP-7962G-SEP8CB64F576113> IP <172.16.250.9> Address "
			      "<10.10.10.10> assigned to session");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("buf");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_test(core, roundtrip);
	tcase_add_loop_test(core, catalogue_renders, 0, LM__COUNT);
	tcase_add_test(core, catalogue_ids_unique);
	tcase_add_test(core, asa_seed_line);
	tcase_add_loop_test(lim, truncated, 0, sizeof(cut_at) / sizeof(cut_at[0]));
	tcase_add_test(lim, limits);
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
