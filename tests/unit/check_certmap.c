/* Unit tests for certificate-to-tunnel-group maps: the rule parser and
 * printer, matching against RFC 2253 names (src/policy/certmap.c), the
 * certificate_maps config objects, and policy_select_by_cert. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/certmap.h"
#include "sslvpnd/config.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"
#include "cfgtest.h"

#define T_NAME "certmap.conf"

/* The lab MIC of a CP-8861 (tests/pki) as OpenSSL prints it. */
#define SUBJ "CN=CP-8861-SEP682C7B40B5CE,O=LAB Cisco Systems Inc."
#define ISSU "CN=LAB Cisco Manufacturing CA SHA2,O=LAB Cisco Systems"

struct match_case {
	const char *rule;
	const char *subject;
	int want;
};

static const struct match_case matches[] = {
	{ "subject-name attr cn co CP-8861", SUBJ, 1 },
	{ "subject-name attr cn co cp-8861", SUBJ, 1 },          /* case */
	{ "subject-name attr cn co CP-7962G", SUBJ, 0 },
	{ "subject-name attr cn nc CP-7962G", SUBJ, 1 },
	{ "subject-name attr cn eq CP-8861-SEP682C7B40B5CE", SUBJ, 1 },
	{ "subject-name attr cn eq CP-8861", SUBJ, 0 },
	{ "subject-name attr cn ne CP-8861", SUBJ, 1 },
	{ "subject-name attr o eq LAB Cisco Systems Inc.", SUBJ, 1 },
	{ "subject-name attr ou eq Phones", SUBJ, 0 },           /* absent */
	{ "subject-name attr ou ne Phones", SUBJ, 1 },
	{ "issuer-name attr cn eq LAB Cisco Manufacturing CA SHA2", SUBJ, 1 },
	{ "issuer-name attr cn eq LAB Cisco Manufacturing CA", SUBJ, 0 },
	{ "issuer-name co Manufacturing", SUBJ, 1 },             /* whole name */
	{ "subject-name eq " SUBJ, SUBJ, 1 },
	{ "subject-name co o=lab cisco", SUBJ, 1 },
	/* escaped separators stay inside the value; OU appears twice */
	{ "subject-name attr o eq Example, Inc.", "CN=x,O=Example\\, Inc.", 1 },
	{ "subject-name attr cn eq x", "CN=x,O=Example\\, Inc.", 1 },
	{ "subject-name attr ou eq Voice", "CN=x,OU=Data,OU=Voice", 1 },
	{ "subject-name attr ou ne Voice", "CN=x,OU=Data,OU=Voice", 0 },
	{ "subject-name attr ea eq a@b.example", "CN=x,emailAddress=a@b.example", 1 },
	{ "subject-name attr cn co x", "", 0 },
};

START_TEST(test_match)
{
	const struct match_case *c = &matches[_i];
	struct certmap_rule r;
	const char *why = NULL;

	ck_assert_msg(certmap_parse_rule(c->rule, &r, &why) == 0, "%s: %s", c->rule, why);
	ck_assert_msg(certmap_match_rule(&r, c->subject, ISSU) == c->want,
		      "\"%s\" on \"%s\": want %d", c->rule, c->subject, c->want);
}
END_TEST

struct bad_case {
	const char *rule, *why;
};

static const struct bad_case bads[] = {
	{ "", "subject-name or issuer-name" },
	{ "subject attr cn eq x", "subject-name or issuer-name" },
	{ "subject-name attr", "attr needs" },
	{ "subject-name attr xx eq x", "attr needs" },
	{ "subject-name attr cn is x", "operator" },
	{ "subject-name attr cn eq", "value" },
	{ "issuer-name", "operator" },
	{ "subject-name co "
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "value" },
};

START_TEST(test_bad)
{
	struct certmap_rule r;
	const char *why = NULL;

	ck_assert_int_eq(certmap_parse_rule(bads[_i].rule, &r, &why), -1);
	ck_assert_msg(why && strstr(why, bads[_i].why), "\"%s\": %s", bads[_i].rule, why);
}
END_TEST

START_TEST(test_format)
{
	static const char *const rules[] = {
		"subject-name attr cn co CP-8861",
		"issuer-name eq CN=a,O=b",
		"subject-name attr ea nc @example.com",
	};
	struct certmap_rule r, r2;
	char buf[CERTMAP_TEXT_MAX];
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		ck_assert_int_eq(certmap_parse_rule(rules[i], &r, &why), 0);
		ck_assert_int_gt(certmap_format_rule(&r, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, rules[i]);
		ck_assert_int_eq(certmap_parse_rule(buf, &r2, &why), 0);
		ck_assert_int_eq(memcmp(&r, &r2, sizeof(r)), 0);
	}
	ck_assert_int_eq(certmap_parse_rule("subject-name   attr cn   co  CP 88", &r, &why), 0);
	ck_assert_str_eq(r.value, "CP 88");
}
END_TEST

/* ---- config and selection */
#define load_ok(text) cfgtest_load_ok((text), T_NAME)

static const char maps_conf[] =
	"tunnel_groups = ( { name = \"PHONES\"; }, { name = \"OLD\"; },\n"
	"  { name = \"BYURL\"; group-url = \"https://vpn.example/phone\"; } );\n"
	"certificate_maps = (\n"
	"  { name = \"OLDPHONES\"; tunnel-group = \"OLD\";\n"
	"    rules = [ \"issuer-name attr cn eq LAB Cisco Manufacturing CA\" ]; },\n"
	"  { name = \"NEWPHONES\"; tunnel-group = \"PHONES\";\n"
	"    rules = [ \"subject-name attr cn co CP-\",\n"
	"              \"issuer-name attr cn co SHA2\" ]; },\n"
	"  { name = \"ANY\"; tunnel-group = \"OLD\"; rules = \"subject-name co CN=\"; } );\n";

START_TEST(test_select)
{
	struct sslvpnd_config *cfg = load_ok(maps_conf);
	const struct cfg_tunnel_group *tg;
	const char *map = NULL;

	ck_assert_uint_eq(cfg->n_certmaps, 3);
	ck_assert_uint_eq(cfg->certmaps[1].n, 2);
	ck_assert_int_eq(cfg->certmaps[1].line, 6);
	/* all rules of a map must hold; the first map in file order wins */
	tg = policy_select_by_cert(cfg, SUBJ, ISSU, &map);
	ck_assert_ptr_nonnull(tg);
	ck_assert_str_eq(tg->name, "PHONES");
	ck_assert_str_eq(map, "NEWPHONES");
	tg = policy_select_by_cert(cfg, "CN=CP-7962G-SEP8CB64F576113,O=LAB Cisco Systems Inc.",
				   "CN=LAB Cisco Manufacturing CA,O=LAB Cisco Systems", &map);
	ck_assert_str_eq(tg->name, "OLD");
	ck_assert_str_eq(map, "OLDPHONES");
	tg = policy_select_by_cert(cfg, "CN=SEP6C3E18F21868", "CN=LAB CAPF,O=LAB CUCM", &map);
	ck_assert_str_eq(map, "ANY");
	ck_assert_ptr_null(policy_select_by_cert(cfg, "O=nobody", "CN=x", NULL));
	config_free(cfg);
}
END_TEST

START_TEST(test_dump)
{
	struct sslvpnd_config *a = load_ok(maps_conf), *b;
	char *buf = cfgtest_dump(a);

	ck_assert_msg(strstr(buf, "\"subject-name attr cn co CP-\""), "%s", buf);
	b = load_ok(buf);
	ck_assert_uint_eq(b->n_certmaps, a->n_certmaps);
	for (size_t i = 0; i < a->n_certmaps; i++) {
		ck_assert_str_eq(a->certmaps[i].name, b->certmaps[i].name);
		ck_assert_str_eq(a->certmaps[i].tunnel_group, b->certmaps[i].tunnel_group);
		ck_assert_uint_eq(a->certmaps[i].n, b->certmaps[i].n);
		ck_assert_int_eq(memcmp(a->certmaps[i].r, b->certmaps[i].r,
					sizeof(a->certmaps[i].r)), 0);
	}
	free(buf);
	config_free(a);
	config_free(b);
}
END_TEST

static const struct cfgtest_bad cbads[] = {
	{ "certificate_maps = ( { name = \"M\"; tunnel-group = \"NOPE\";\n"
	  "  rules = \"subject-name attr cn co x\"; } );\n",
	  1, "certificate map \"M\": tunnel-group \"NOPE\" is not defined (tunnel_groups)" },
	{ "certificate_maps = ( { name = \"M\"; tunnel-group = \"DefaultWEBVPNGroup\";\n"
	  "  rules = [ \"subject-name attr cn co x\",\n"
	  "            \"subject-name attr zz co x\" ]; } );\n",
	  3, "certificate map \"M\": rules: \"subject-name attr zz co x\" attr needs" },
	{ "certificate_maps = ( { name = \"M\"; tunnel-group = \"DefaultWEBVPNGroup\"; } );\n",
	  1, "missing required key \"rules\"" },
	{ "certificate_maps = ( { name = \"M\"; rules = \"issuer-name co x\"; } );\n",
	  1, "missing required key \"tunnel-group\"" },
	{ "certificate_maps = ( { name = \"M\"; tunnel-group = \"DefaultWEBVPNGroup\";\n"
	  "  rules = [ ]; } );\n",
	  2, "must be 1..8" },
};

START_TEST(test_config_bad)
{
	cfgtest_load_fails(cbads[_i].text, T_NAME, cbads[_i].line, cbads[_i].msg);
}
END_TEST

static Suite *certmap_suite(void)
{
	Suite *s = suite_create("certmap");
	TCase *r = tcase_create("rules"), *c = tcase_create("config");

	tcase_add_loop_test(r, test_match, 0, (int)ARRAY_SIZE(matches));
	tcase_add_loop_test(r, test_bad, 0, (int)ARRAY_SIZE(bads));
	tcase_add_test(r, test_format);
	suite_add_tcase(s, r);
	tcase_add_test(c, test_select);
	tcase_add_test(c, test_dump);
	tcase_add_loop_test(c, test_config_bad, 0, (int)ARRAY_SIZE(cbads));
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(certmap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
