/* Unit tests for the configuration snapshots of reload
 * (src/config/snapshot.c): reference counting, the listener check that
 * refuses interface changes a reload cannot apply, and error collection. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "sslvpnd/snapshot.h"

static const char base[] =
	"interfaces = ( { name = \"outside\"; address = \"0.0.0.0\"; port = 443;"
	" dtls-port = 443; },\n"
	"  { name = \"inside\"; address = \"198.18.5.1\"; port = 8443; dtls-port = 8443; } );\n";

/* ---- core: reference counting */

START_TEST(ref_unref_frees_at_zero)
{
	struct cfg_snapshot *s = snapshot_new(cfgtest_load_ok(base, "a.conf"), 7);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->gen, 7);
	ck_assert_uint_eq(s->refs, 1);
	ck_assert_ptr_eq(snapshot_ref(s), s);  /* a session */
	ck_assert_ptr_eq(snapshot_ref(s), s);  /* another one */
	ck_assert_uint_eq(s->refs, 3);
	snapshot_unref(s);                     /* main moves to a newer one */
	ck_assert_uint_eq(s->refs, 2);
	ck_assert_str_eq(s->cfg->interfaces[0].name, "outside"); /* still usable */
	snapshot_unref(s);
	ck_assert_uint_eq(s->refs, 1);
	snapshot_unref(s);                     /* last session: freed (ASan/valgrind) */
}
END_TEST

START_TEST(null_is_harmless)
{
	ck_assert_ptr_null(snapshot_new(NULL, 1));
	ck_assert_ptr_null(snapshot_ref(NULL));
	snapshot_unref(NULL);
}
END_TEST

/* ---- core: listener check, table-driven */

static const struct {
	const char *next;       /* interfaces of the new file */
	int errors;             /* expected */
	const char *needle;     /* in the first message, when errors */
	int line;               /* of the first error */
} listeners[] = {
	{ base, 0, NULL, 0 },
	/* A trustpoint change (certificate rollover) is not a listener change. */
	{ "trustpoints = ( { name = \"id\"; enrollment = \"self\"; } );\n"
	  "interfaces = ( { name = \"outside\"; address = \"0.0.0.0\"; port = 443;"
	  " dtls-port = 443; trustpoint = [ \"id\" ]; },\n"
	  "  { name = \"inside\"; address = \"198.18.5.1\"; port = 8443; dtls-port = 8443; } );\n",
	  0, NULL, 0 },
	{ "interfaces = ( { name = \"outside\"; address = \"0.0.0.0\"; port = 444;"
	  " dtls-port = 443; },\n"
	  "  { name = \"inside\"; address = \"198.18.5.1\"; port = 8443; dtls-port = 8443; } );\n",
	  1, "port 444", 1 },
	{ "interfaces = ( { name = \"outside\"; address = \"0.0.0.0\"; port = 443;"
	  " dtls-port = 443; },\n"
	  "  { name = \"inside\"; address = \"198.18.5.2\"; port = 8443; dtls-port = 8443; } );\n",
	  1, "198.18.5.2", 2 },
	{ "interfaces = ( { name = \"outside\"; address = \"0.0.0.0\"; port = 443;"
	  " dtls-port = 443; } );\n",
	  1, "inside was removed", 0 },
	{ "interfaces = ( { name = \"outside\"; address = \"0.0.0.0\"; port = 443;"
	  " dtls-port = 443; },\n"
	  "  { name = \"inside\"; address = \"198.18.5.1\"; port = 8443; dtls-port = 8443; },\n"
	  "  { name = \"dmz\"; address = \"198.18.6.1\"; port = 443; dtls-port = 443; } );\n",
	  1, "dmz: new interfaces", 3 },
	/* Swapped order: both differ. */
	{ "interfaces = ( { name = \"inside\"; address = \"198.18.5.1\"; port = 8443;"
	  " dtls-port = 8443; },\n"
	  "  { name = \"outside\"; address = \"0.0.0.0\"; port = 443; dtls-port = 443; } );\n",
	  2, "interface inside", 1 },
};

START_TEST(listener_changes)
{
	struct sslvpnd_config *cur = cfgtest_load_ok(base, "cur.conf");
	struct sslvpnd_config *next = cfgtest_load_ok(listeners[_i].next, "next.conf");
	struct cfg_errors errs = { 0 };
	int n = snapshot_check_listeners(cur, next, &errs);

	ck_assert_msg(n == listeners[_i].errors, "case %d: expected %d errors, got %d:\n%s", _i,
		      listeners[_i].errors, n, cfgtest_errs_text(&errs));
	ck_assert_uint_eq(errs.n, (size_t)n);
	if (n) {
		ck_assert_str_eq(errs.e[0].file, "next.conf");
		ck_assert_msg(errs.e[0].line == listeners[_i].line,
			      "case %d: expected line %d, got %d", _i, listeners[_i].line,
			      errs.e[0].line);
		ck_assert_msg(strstr(errs.e[0].msg, listeners[_i].needle),
			      "case %d: expected \"%s\" in \"%s\"", _i, listeners[_i].needle,
			      errs.e[0].msg);
	}
	config_free(cur);
	config_free(next);
}
END_TEST

/* ---- limits */

START_TEST(errors_beyond_the_cap_are_counted)
{
	struct cfg_errors errs = { 0 };

	for (int i = 0; i < CFG_MAX_ERRORS + 5; i++)
		snapshot_error(&errs, "f.conf", i + 1, "error %d", i);
	ck_assert_uint_eq(errs.n, CFG_MAX_ERRORS);
	ck_assert_uint_eq(errs.dropped, 5);
	ck_assert_str_eq(errs.e[CFG_MAX_ERRORS - 1].msg, "error 63");
	ck_assert_int_eq(errs.e[0].line, 1);
}
END_TEST

START_TEST(long_messages_are_cut)
{
	struct cfg_errors errs = { 0 };
	char big[1000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snapshot_error(&errs, big, 0, "%s", big);
	ck_assert_uint_eq(strlen(errs.e[0].msg), sizeof(errs.e[0].msg) - 1);
	ck_assert_uint_eq(strlen(errs.e[0].file), sizeof(errs.e[0].file) - 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, ref_unref_frees_at_zero);
	tcase_add_test(core, null_is_harmless);
	tcase_add_loop_test(core, listener_changes, 0, sizeof(listeners) / sizeof(listeners[0]));
	tcase_add_test(limits, errors_beyond_the_cap_are_counted);
	tcase_add_test(limits, long_messages_are_cut);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
