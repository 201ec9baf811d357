/* Unit tests for the CONNECT-time DTLS negotiation (src/tls/dtlsneg.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/dtlsneg.h"
#include "sslvpnd/util.h"

#define MS "0123456789abcdef0123456789ABCDEF0123456789abcdef" \
	   "0123456789abcdef0123456789abcdef0123456789abcdef"

#define MSBAD "zz23456789abcdef0123456789ABCDEF0123456789abcdef" \
	      "0123456789abcdef0123456789abcdef0123456789abcdef"

/* openconnect 9.01 defaults (dtls-openssl.md 2). */
#define OC09 "PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:OC2-DTLS1_2-CHACHA20-POLY1305:" \
	     "OC-DTLS1_2-AES128-GCM:DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:" \
	     "AES256-SHA:AES128-SHA"
#define OC12 "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:" \
	     "AES256-GCM-SHA384:AES128-GCM-SHA256:DHE-RSA-AES256-SHA:" \
	     "DHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA"
/* The schema defaults (src/config/schema.def). */
#define L09 "AES256-SHA:AES128-SHA"
#define L12 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	    "AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA"

#define PHONE_LEGACY12 "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:" \
	"AES256-SHA:AES128-SHA"

struct ncase {
	const char *what;
	const char *ms, *suites, *suites12;
	int enabled, psk;
	const char *tls;
	const char *list09, *list12;
	enum dtls_mode mode;
	const char *suite;   /* expected; NULL when mode NONE */
	int twin;
	const char *why;     /* substring of ch.why when NONE */
};

static const struct ncase cases[] = {
	{ "openconnect default -> PSK", MS, OC09, OC12, 1, 1,
	  "TLS_AES_256_GCM_SHA384", L09, L12, DTLS_MODE_PSK, "PSK-NEGOTIATE", 0, NULL },
	{ "PSK refused by the headend -> DTLS 1.2, headend order", MS, OC09, OC12, 1, 0,
	  "TLS_AES_256_GCM_SHA384", L09, L12, DTLS_MODE_12,
	  "ECDHE-RSA-AES256-GCM-SHA384", 0, NULL },
	{ "--dtls12-ciphers=AES128-GCM-SHA256", MS, NULL, "AES128-GCM-SHA256", 1, 1,
	  "ECDHE-RSA-AES256-GCM-SHA384", L09, L12, DTLS_MODE_12, "AES128-GCM-SHA256", 0, NULL },
	{ "8861: DTLS 1.2 twin of the TLS suite", MS, "AES256-SHA:AES128-SHA",
	  "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384", 1, 1,
	  "ECDHE-RSA-AES128-GCM-SHA256", L09, L12, DTLS_MODE_12,
	  "ECDHE-RSA-AES128-GCM-SHA256", 1, NULL },
	{ "7962G: TLS AES256-SHA, offer AES256:AES128 -> AES256-SHA", MS,
	  "AES256-SHA:AES128-SHA", NULL, 1, 1, "AES256-SHA", L09, L12,
	  DTLS_MODE_09, "AES256-SHA", 1, NULL },
	{ "TLS AES128-SHA, offer AES256:AES128 -> twin AES128-SHA", MS,
	  "AES256-SHA:AES128-SHA", NULL, 1, 1, "AES128-SHA", L09, L12,
	  DTLS_MODE_09, "AES128-SHA", 1, NULL },
	{ "no twin offered -> headend order", MS, "AES128-SHA", NULL, 1, 1,
	  "AES256-SHA", L09, L12, DTLS_MODE_09, "AES128-SHA", 0, NULL },
	{ "headend list order wins without a twin", MS, "AES128-SHA:AES256-SHA", NULL,
	  1, 1, "ECDHE-RSA-AES256-GCM-SHA384", L09, L12, DTLS_MODE_09, "AES256-SHA", 0,
	  NULL },
	{ "--dtls-ciphers=AES128-SHA", MS, "AES128-SHA", NULL, 1, 1,
	  "ECDHE-RSA-AES256-GCM-SHA384", L09, L12, DTLS_MODE_09, "AES128-SHA", 0, NULL },
	{ "custom dtlsv1 list without AES256", MS, "AES256-SHA:AES128-SHA", NULL, 1, 1,
	  "AES256-SHA", "AES128-SHA", L12, DTLS_MODE_09, "AES128-SHA", 0, NULL },
	{ "DHE only offered for 0.9 -> none", MS, "DHE-RSA-AES256-SHA", NULL, 1, 1,
	  "AES256-SHA", "DHE-RSA-AES256-SHA:AES256-SHA", L12, DTLS_MODE_NONE, NULL, 0,
	  "no common" },
	{ "policy dtls none", MS, OC09, OC12, 0, 1, "AES256-SHA", L09, L12,
	  DTLS_MODE_NONE, NULL, 0, "disabled" },
	{ "no master secret -> silent none", NULL, OC09, OC12, 1, 1, "AES256-SHA", L09,
	  L12, DTLS_MODE_NONE, NULL, 0, "" },
	{ "short master secret", "0123", OC09, OC12, 1, 1, "AES256-SHA", L09, L12,
	  DTLS_MODE_NONE, NULL, 0, "malformed" },
	{ "non-hex master secret", MSBAD, OC09, OC12, 1, 1, "AES256-SHA", L09,
	  L12, DTLS_MODE_NONE, NULL, 0, "malformed" },
	{ "long master secret", MS "00", OC09, OC12, 1, 1, "AES256-SHA", L09, L12,
	  DTLS_MODE_NONE, NULL, 0, "malformed" },
	{ "empty offers", MS, "", "", 1, 1, "AES256-SHA", L09, L12, DTLS_MODE_NONE,
	  NULL, 0, "no common" },
	{ "spaces around names", MS, " AES128-SHA : AES256-SHA ", NULL, 1, 1,
	  "AES256-SHA", L09, L12, DTLS_MODE_09, "AES256-SHA", 1, NULL },
	{ "phone: DTLS 1.2 in the legacy header, TLS twin", MS, PHONE_LEGACY12, NULL, 1, 1,
	  "ECDHE-RSA-AES128-GCM-SHA256", L09, L12, DTLS_MODE_12,
	  "ECDHE-RSA-AES128-GCM-SHA256", 1, NULL },
	{ "phone: DTLS 1.2 in the legacy header, headend order", MS, PHONE_LEGACY12, NULL,
	  1, 1, "AES256-SHA", L09, L12, DTLS_MODE_12, "ECDHE-RSA-AES256-GCM-SHA384", 0,
	  NULL },
	{ "legacy header AES-SHA names stay DTLS 0.9", MS, "AES256-SHA:AES128-SHA", NULL,
	  1, 1, "AES256-SHA", L09, L12, DTLS_MODE_09, "AES256-SHA", 1, NULL },
	{ "openconnect alias OC-DTLS1_2-AES128-GCM", MS, "OC-DTLS1_2-AES128-GCM:AES128-SHA",
	  NULL, 1, 0, "AES128-SHA", L09, L12, DTLS_MODE_12, "AES128-GCM-SHA256", 0, NULL },
	{ "openconnect default without PSK, no X-DTLS12 -> OC alias", MS, OC09, NULL, 1, 0,
	  "TLS_AES_256_GCM_SHA384", L09, L12, DTLS_MODE_12, "AES256-GCM-SHA384", 0, NULL },
	{ "names are case-sensitive", MS, "aes256-sha", NULL, 1, 1, "AES256-SHA", L09,
	  L12, DTLS_MODE_NONE, NULL, 0, "no common" },
};

START_TEST(test_cases)
{
	const struct ncase *t = &cases[_i];
	struct dtls_offer o = { t->ms, t->suites, t->suites12 };
	struct dtls_policy p = { .enabled = t->enabled, .psk = t->psk,
				 .tls_suite = t->tls, .list09 = t->list09,
				 .list12 = t->list12 };
	struct dtls_choice ch;
	enum dtls_mode m = dtls_negotiate(&o, &p, &ch);

	ck_assert_msg(m == t->mode && ch.mode == t->mode, "%s: mode %s, want %s",
		      t->what, dtls_mode_name(m), dtls_mode_name(t->mode));
	if (t->suite) {
		ck_assert_msg(!strcmp(ch.suite, t->suite), "%s: suite %s, want %s",
			      t->what, ch.suite, t->suite);
		ck_assert_msg(ch.twin == t->twin, "%s: twin %d", t->what, ch.twin);
	}
	if (t->suite && t->mode == DTLS_MODE_12) {
		int legacy = t->suites12 == NULL;

		ck_assert_msg(ch.legacy_header == legacy, "%s: legacy_header %d", t->what,
			      ch.legacy_header);
	}
	if (t->why && !*t->why)
		ck_assert_msg(ch.why[0] == '\0', "%s: why '%s'", t->what, ch.why);
	else if (t->why)
		ck_assert_msg(strstr(ch.why, t->why), "%s: why '%s'", t->what, ch.why);
}
END_TEST

START_TEST(test_master_decoded)
{
	struct dtls_offer o = { MS, "AES256-SHA", NULL };
	struct dtls_policy p = { .enabled = 1, .tls_suite = "", .list09 = L09,
				 .list12 = L12 };
	struct dtls_choice ch;

	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_09);
	ck_assert_uint_eq(ch.master[0], 0x01);
	ck_assert_uint_eq(ch.master[7], 0xef);
	ck_assert_uint_eq(ch.master[15], 0xef); /* upper-case hex accepted */
	ck_assert_uint_eq(ch.master[47], 0xef);
	ck_assert_uint_eq(ch.suite_id, 0x0035);
	ck_assert_str_eq(ch.reply, "AES256-SHA");
	o.suites = "OC-DTLS1_2-AES256-GCM";
	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_12);
	ck_assert_str_eq(ch.suite, "AES256-GCM-SHA384");
	ck_assert_str_eq(ch.reply, "OC-DTLS1_2-AES256-GCM");
	ck_assert_int_eq(ch.legacy_header, 1);
}
END_TEST

/* ssl server-version ... dtlsv1.2: DTLS 0.9 is never chosen, DTLS 1.2 still
 * is (a phone offering only 0.9 stays on TLS, with the reason). */
START_TEST(test_no09)
{
	struct dtls_offer o = { MS, "AES256-SHA", NULL };
	struct dtls_policy p = { .enabled = 1, .tls_suite = "AES256-SHA", .list09 = L09,
				 .list12 = L12, .no09 = 1 };
	struct dtls_choice ch;

	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_NONE);
	ck_assert_ptr_nonnull(strstr(ch.why, "dtlsv1.2"));
	o.suites = "OC-DTLS1_2-AES256-GCM:AES256-SHA";
	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_12);
}
END_TEST

/* The DTLS 1.2 filter (dtls12_suite_id in the worker) vetoes names. */
static uint16_t only_gcm128(const void *arg, const char *name)
{
	(void)arg;
	return !strcmp(name, "AES128-GCM-SHA256") ? 0x009c : 0;
}

START_TEST(test_suite12_filter)
{
	struct dtls_offer o = { MS, "AES256-SHA", OC12 };
	struct dtls_policy p = { .enabled = 1, .tls_suite = "ECDHE-RSA-AES256-GCM-SHA384",
				 .list09 = L09, .list12 = L12,
				 .suite12_ok = only_gcm128 };
	struct dtls_choice ch;

	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_12);
	ck_assert_str_eq(ch.suite, "AES128-GCM-SHA256");
	ck_assert_int_eq(ch.twin, 0);
	/* nothing passes the filter -> falls back to 0.9 */
	o.suites12 = "ECDHE-RSA-AES256-GCM-SHA384";
	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_09);
	ck_assert_str_eq(ch.suite, "AES256-SHA");
}
END_TEST

static const struct {
	const char *list, *name;
	int has;
} lists[] = {
	{ "A:B:C", "B", 1 }, { "A:B:C", "C", 1 }, { "A:B:C", "D", 0 },
	{ "", "A", 0 },      { NULL, "A", 0 },    { "A::B", "B", 1 },
	{ "AB", "A", 0 },    { "A", "", 0 },      { ":::", "A", 0 },
};

/* asa-compat dtls-cipher (seed 000): TLS AES256-SHA, dtlsv1 AES128-SHA, a
 * 7962G asking for AES256-SHA: no DTLS by default, AES128-SHA offered as the
 * ASA does with asa_offer09 (marked, not a twin); a client that shares a
 * suite is never affected, nor one that asked no DTLS 0.9. */
START_TEST(test_asa_offer09)
{
	struct dtls_offer o = { .master_secret = MS, .suites = "AES256-SHA" };
	struct dtls_policy p = { .enabled = 1, .tls_suite = "AES256-SHA",
				 .list09 = "AES128-SHA", .list12 = L12 };
	struct dtls_choice ch;

	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_NONE);
	p.asa_offer09 = 1;
	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_09);
	ck_assert_str_eq(ch.suite, "AES128-SHA");
	ck_assert_str_eq(ch.reply, "AES128-SHA");
	ck_assert_int_eq(ch.suite_id, 0x002f);
	ck_assert_int_eq(ch.asa_compat, 1);
	ck_assert_int_eq(ch.twin, 0);
	o.suites = "AES256-SHA:AES128-SHA";
	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_09);
	ck_assert_int_eq(ch.asa_compat, 0);
	o.suites = NULL;
	o.suites12 = "AES256-GCM-SHA384";
	p.list12 = "AES128-GCM-SHA256";
	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_NONE);
}
END_TEST

START_TEST(test_list_has)
{
	ck_assert_int_eq(dtls_list_has(lists[_i].list, lists[_i].name), lists[_i].has);
}
END_TEST

START_TEST(test_long_names)
{
	char big[4096];

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(dtls_list_has(big, "AES256-SHA"), 0);
	struct dtls_offer o = { MS, big, big };
	struct dtls_policy p = { .enabled = 1, .psk = 1, .tls_suite = big,
				 .list09 = big, .list12 = big };
	struct dtls_choice ch;

	ck_assert_int_eq(dtls_negotiate(&o, &p, &ch), DTLS_MODE_NONE);
}
END_TEST

START_TEST(test_mode_names)
{
	ck_assert_str_eq(dtls_mode_name(DTLS_MODE_09), "DTLSv0.9");
	ck_assert_str_eq(dtls_mode_name(DTLS_MODE_12), "DTLSv1.2");
	ck_assert_str_eq(dtls_mode_name(DTLS_MODE_PSK), "PSK-NEGOTIATE");
	ck_assert_str_eq(dtls_mode_name(DTLS_MODE_NONE), "none");
}
END_TEST

static Suite *dtlsneg_suite(void)
{
	Suite *s = suite_create("dtlsneg");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(core, test_cases, 0, ARRAY_SIZE(cases));
	tcase_add_test(core, test_master_decoded);
	tcase_add_test(core, test_no09);
	tcase_add_test(core, test_suite12_filter);
	tcase_add_test(core, test_mode_names);
	tcase_add_test(core, test_asa_offer09);
	suite_add_tcase(s, core);
	tcase_add_loop_test(limits, test_list_has, 0, ARRAY_SIZE(lists));
	tcase_add_test(limits, test_long_names);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dtlsneg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
