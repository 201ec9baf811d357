/* Unit tests for time ranges and vpn-access-hours: the periodic / absolute
 * parsers and printers (src/policy/timerange.c), time_ranges config
 * objects, policy_time_range_active and the refusal in policy_admit. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/timerange.h"
#include "sslvpnd/util.h"

#define T_NAME "tr.conf"

/* 2026-11-23 is a Monday. */
static struct tm at(int mday, int hour, int min)
{
	struct tm t;

	memset(&t, 0, sizeof(t));
	t.tm_year = 2026 - 1900;
	t.tm_mon = 10;
	t.tm_mday = mday;
	t.tm_hour = hour;
	t.tm_min = min;
	t.tm_wday = (1 + (mday - 23) % 7 + 7) % 7;
	return t;
}

struct pcase {
	const char *in, *out;
};

static const struct pcase goods[] = {
	{ "weekdays 08:00 to 18:00", NULL },
	{ "daily 0:00 to 23:59", "daily 00:00 to 23:59" },
	{ "weekend 10:00 to 12:00", NULL },
	{ "Monday wednesday 9:05 to 9:05", "monday wednesday 09:05 to 09:05" },
	{ "saturday sunday 00:00 to 01:00", "weekend 00:00 to 01:00" },
};

START_TEST(test_periodic_good)
{
	struct tr_periodic p, p2;
	const char *why = NULL;
	char buf[128];

	ck_assert_msg(timerange_parse_periodic(goods[_i].in, &p, &why) == 0, "%s: %s",
		      goods[_i].in, why);
	ck_assert_int_gt(timerange_format_periodic(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, goods[_i].out ? goods[_i].out : goods[_i].in);
	ck_assert_int_eq(timerange_parse_periodic(buf, &p2, &why), 0);
	ck_assert_int_eq(memcmp(&p, &p2, sizeof(p)), 0);
}
END_TEST

static const char *const pbads[] = {
	"", "08:00 to 18:00", "weekdays", "weekdays 8 to 18", "weekdays 08:00 18:00",
	"weekdays 08:00 to 24:00", "weekdays 08:60 to 09:00", "weekdays 18:00 to 08:00",
	"monday 08:00 to friday 18:00", "someday 08:00 to 09:00",
};

START_TEST(test_periodic_bad)
{
	struct tr_periodic p;
	const char *why = NULL;

	ck_assert_msg(timerange_parse_periodic(pbads[_i], &p, &why) == -1, "\"%s\" parsed",
		      pbads[_i]);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_absolute)
{
	int64_t k;
	const char *why;
	char buf[64];
	struct tm t = at(23, 9, 30);

	ck_assert_int_eq(timerange_parse_absolute("09:30 23 November 2026", &k, &why), 0);
	ck_assert_int_eq(k, 202611230930LL);
	ck_assert_int_eq(k, timerange_key(&t));
	ck_assert_int_eq(timerange_format_absolute(k, buf, sizeof(buf)) > 0, 1);
	ck_assert_str_eq(buf, "09:30 23 November 2026");
	ck_assert_int_eq(timerange_parse_absolute("9:30 23 november 2026", &k, &why), 0);
	ck_assert_int_eq(timerange_parse_absolute("09:30 23 Nov 2026", &k, &why), -1);
	ck_assert_int_eq(timerange_parse_absolute("09:30 32 November 2026", &k, &why), -1);
	ck_assert_int_eq(timerange_parse_absolute("09:30 23 November 2026 x", &k, &why), -1);
	ck_assert_int_eq(timerange_parse_absolute("23 November 2026", &k, &why), -1);
}
END_TEST

/* ---- config + policy */
static const char conf[] =
	"time_ranges = (\n"
	"  { name = \"BUSINESS\"; periodic = [ \"weekdays 08:00 to 18:00\", \"saturday 09:00 to 12:00\" ]; },\n"
	"  { name = \"PILOT\"; absolute-start = \"00:00 23 November 2026\";\n"
	"    absolute-end = \"23:59 24 November 2026\"; },\n"
	"  { name = \"PILOT-DAYS\"; periodic = \"daily 07:00 to 07:59\";\n"
	"    absolute-start = \"00:00 23 November 2026\"; } );\n"
	"group_policies = ( { name = \"biz\"; vpn-access-hours = \"BUSINESS\"; },\n"
	"  { name = \"DfltGrpPolicy\"; vpn-access-hours = \"PILOT\"; },\n"
	"  { name = \"always\"; vpn-access-hours = \"none\"; } );\n";

static struct sslvpnd_config *load(void)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = NULL;

	ck_assert_int_eq(config_load_string(conf, T_NAME, "/var/lib/sslvpnd-test", &cfg, &errs), 0);
	return cfg;
}

struct acase {
	const char *tr;
	int mday, hour, min, want;
};

static const struct acase actives[] = {
	{ "BUSINESS", 23, 8, 0, 1 },   { "BUSINESS", 23, 18, 0, 1 },
	{ "BUSINESS", 23, 18, 1, 0 },  { "BUSINESS", 23, 7, 59, 0 },
	{ "BUSINESS", 28, 10, 0, 1 },  /* Saturday morning */
	{ "BUSINESS", 28, 13, 0, 0 },  { "BUSINESS", 29, 10, 0, 0 }, /* Sunday */
	{ "PILOT", 22, 23, 59, 0 },    { "PILOT", 23, 0, 0, 1 },
	{ "PILOT", 24, 23, 59, 1 },    { "PILOT", 25, 0, 0, 0 },
	{ "PILOT-DAYS", 22, 7, 30, 0 }, { "PILOT-DAYS", 30, 7, 30, 1 },
	{ "PILOT-DAYS", 30, 8, 0, 0 },
};

START_TEST(test_active)
{
	const struct acase *c = &actives[_i];
	struct sslvpnd_config *cfg = load();
	struct tm t = at(c->mday, c->hour, c->min);

	ck_assert_msg(policy_time_range_active(config_time_range(cfg, c->tr), &t) == c->want,
		      "%s on day %d %02d:%02d (wday %d)", c->tr, c->mday, c->hour, c->min,
		      t.tm_wday);
	config_free(cfg);
}
END_TEST

START_TEST(test_admit)
{
	struct sslvpnd_config *cfg = load();
	const struct cfg_tunnel_group *tg = config_tunnel_group(cfg, "DefaultWEBVPNGroup");
	struct tm night = at(23, 22, 0), day = at(23, 10, 0), later = at(26, 10, 0);
	struct gp_effective e;
	struct policy_admit a;

	policy_resolve(cfg, "biz", &e);
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", 0, &night, &a), ADMIT_ACCESS_HOURS);
	ck_assert_int_eq(a.attr, GPA_VPN_ACCESS_HOURS);
	ck_assert_str_eq(a.origin, "biz");
	ck_assert_msg(strstr(a.reason, "vpn-access-hours value BUSINESS (from biz): outside the time range at 22:00"),
		      "%s", a.reason);
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", 0, &day, &a), ADMIT_OK);
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", 0, NULL, &a), ADMIT_OK);
	/* inherited from DfltGrpPolicy, and stopped by an explicit none */
	policy_resolve(cfg, "empty-does-not-exist", &e);
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", 0, &later, &a), ADMIT_ACCESS_HOURS);
	ck_assert_str_eq(a.origin, "DfltGrpPolicy");
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", 0, &day, &a), ADMIT_OK);
	policy_resolve(cfg, "always", &e);
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", 0, &later, &a), ADMIT_OK);
	config_free(cfg);
}
END_TEST

START_TEST(test_dump)
{
	struct sslvpnd_config *a = load(), *b;
	struct cfg_errors errs;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_int_eq(config_dump(fp, a), 0);
	fclose(fp);
	ck_assert_msg(strstr(buf, "absolute-end = \"23:59 24 November 2026\";"), "%s", buf);
	ck_assert_int_eq(config_load_string(buf, "dump", "/var/lib/sslvpnd-test", &b, &errs), 0);
	ck_assert_uint_eq(b->n_time_ranges, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct cfg_time_range *x = &a->time_ranges[i], *y = &b->time_ranges[i];

		ck_assert_str_eq(x->name, y->name);
		ck_assert_int_eq(x->start, y->start);
		ck_assert_int_eq(x->end, y->end);
		ck_assert_uint_eq(x->n_periodic, y->n_periodic);
		ck_assert_int_eq(memcmp(x->periodic, y->periodic, sizeof(x->periodic)), 0);
	}
	free(buf);
	config_free(a);
	config_free(b);
}
END_TEST

struct cbad {
	const char *text;
	int line;
	const char *msg;
};

static const struct cbad cbads[] = {
	{ "time_ranges = ( { name = \"T\";\n  periodic = \"weekdays 18:00 to 08:00\"; } );\n",
	  2, "time range \"T\": periodic: \"weekdays 18:00 to 08:00\" the window ends before it starts" },
	{ "time_ranges = ( { name = \"T\";\n  absolute-start = \"yesterday\"; } );\n",
	  2, "absolute-start: \"yesterday\" expected HH:MM DD Month YYYY" },
	{ "time_ranges = ( { name = \"T\"; absolute-start = \"00:00 2 January 2027\";\n"
	  "  absolute-end = \"00:00 1 January 2027\"; } );\n",
	  2, "absolute-end is before absolute-start" },
	{ "group_policies = ( { name = \"p\";\n  vpn-access-hours = \"NOPE\"; } );\n",
	  2, "vpn-access-hours \"NOPE\" is not defined (time_ranges)" },
};

START_TEST(test_config_bad)
{
	const struct cbad *b = &cbads[_i];
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = (void *)1;
	int found = 0;

	ck_assert_int_eq(config_load_string(b->text, T_NAME, "/var/lib/sslvpnd-test", &cfg, &errs), -1);
	for (size_t i = 0; i < errs.n; i++)
		if (errs.e[i].line == b->line && strstr(errs.e[i].msg, b->msg))
			found = 1;
	ck_assert_msg(found, "want %d: %s; got %zu errors, first %d: %s", b->line, b->msg,
		      errs.n, errs.n ? errs.e[0].line : 0, errs.n ? errs.e[0].msg : "");
}
END_TEST

static Suite *timerange_suite(void)
{
	Suite *s = suite_create("timerange");
	TCase *p = tcase_create("parse"), *c = tcase_create("policy");

	tcase_add_loop_test(p, test_periodic_good, 0, (int)ARRAY_SIZE(goods));
	tcase_add_loop_test(p, test_periodic_bad, 0, (int)ARRAY_SIZE(pbads));
	tcase_add_test(p, test_absolute);
	suite_add_tcase(s, p);
	tcase_add_loop_test(c, test_active, 0, (int)ARRAY_SIZE(actives));
	tcase_add_test(c, test_admit);
	tcase_add_test(c, test_dump);
	tcase_add_loop_test(c, test_config_bad, 0, (int)ARRAY_SIZE(cbads));
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(timerange_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
