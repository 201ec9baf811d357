/* Unit tests for access lists: the entry parser and printer
 * (src/policy/acl.c) and access_lists in the config (every malformed entry
 * is an error at its line; policies must name an existing list of the right
 * type; the -T dump loads back to the same entries). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/config.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"
#include "cfgtest.h"

#define T_NAME "acl.conf"
#define T_STATE "/var/lib/sslvpnd-test"

/* ---- parser: good entries and their canonical text */
struct good {
	enum acl_type t;
	const char *in, *out;
};

static const struct good goods[] = {
	{ ACL_STANDARD, "permit 198.18.1.0 255.255.255.0", NULL },
	{ ACL_STANDARD, "deny   198.18.0.0  255.254.0.0", "deny 198.18.0.0 255.254.0.0" },
	{ ACL_STANDARD, "permit host 198.18.1.1", NULL },
	{ ACL_STANDARD, "permit 198.18.1.1 255.255.255.255", "permit host 198.18.1.1" },
	{ ACL_STANDARD, "permit any4", NULL },
	{ ACL_STANDARD, "permit 0.0.0.0 0.0.0.0", "permit any4" },
	{ ACL_STANDARD, "permit any", NULL },
	{ ACL_STANDARD, "permit any6", NULL },
	{ ACL_STANDARD, "permit 2001:db8::/32", NULL },
	{ ACL_STANDARD, "permit 2001:DB8:0:1::/64", "permit 2001:db8:0:1::/64" },
	{ ACL_STANDARD, "permit host 2001:db8::1", NULL },
	{ ACL_STANDARD, "remark phones only", NULL },
	{ ACL_STANDARD, "remark  two  spaces kept ", "remark two  spaces kept" },
	{ ACL_EXTENDED, "remark one two three four five six seven eight nine ten eleven twelve thirteen fourteen", NULL },
	{ ACL_EXTENDED, "remark", NULL },
	{ ACL_EXTENDED, "remark yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", NULL }, /* 100 characters: the ASA's limit */
	{ ACL_EXTENDED, "permit ip any host 198.18.1.1", NULL },
	{ ACL_EXTENDED, "deny tcp any any eq 23", "deny tcp any any eq telnet" },
	{ ACL_EXTENDED, "deny tcp any any eq telnet", NULL },
	{ ACL_EXTENDED, "permit udp 198.18.0.0 255.255.0.0 any range 16384 32767", NULL },
	{ ACL_EXTENDED, "permit tcp any eq www any", NULL },
	{ ACL_EXTENDED, "permit tcp any any gt 1023", NULL },
	{ ACL_EXTENDED, "permit tcp any any lt 1024", NULL },
	{ ACL_EXTENDED, "deny udp any any neq domain", NULL },
	{ ACL_EXTENDED, "permit icmp any4 any4", NULL },
	{ ACL_EXTENDED, "permit 47 any any", "permit gre any any" },
	{ ACL_EXTENDED, "permit 200 any any", NULL },
	{ ACL_EXTENDED, "permit ip 2001:db8:1::/48 any6", NULL },
	{ ACL_EXTENDED, "permit ip any 2001:db8::/32", NULL },
	{ ACL_EXTENDED, "deny ip any any", NULL },
};

START_TEST(test_good)
{
	const struct good *g = &goods[_i];
	struct acl_entry e, e2;
	const char *why = NULL;
	char buf[ACL_TEXT_MAX];

	ck_assert_msg(acl_parse_entry(g->t, g->in, &e, &why) == 0, "\"%s\": %s",
		      g->in, why);
	ck_assert_int_ge(acl_format_entry(g->t, &e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, g->out ? g->out : g->in);
	/* the canonical text reads back to the same entry */
	ck_assert_int_eq(acl_parse_entry(g->t, buf, &e2, &why), 0);
	ck_assert_int_eq(memcmp(&e, &e2, sizeof(e)), 0);
}
END_TEST

/* ---- parser: every malformed entry, with its reason */
struct bad {
	enum acl_type t;
	const char *in, *why;
};

static const struct bad bads[] = {
	{ ACL_STANDARD, "", "must start with permit" },
	{ ACL_STANDARD, "allow any", "must start with permit" },
	{ ACL_STANDARD, "permit", "missing address" },
	{ ACL_STANDARD, "permit 198.18.1.0", "needs a netmask" },
	{ ACL_STANDARD, "permit 198.18.1.0 255.0.255.0", "not contiguous" },
	{ ACL_STANDARD, "permit 198.18.1.1 255.255.255.0", "do not pair" },
	{ ACL_STANDARD, "permit 198.18.1.300 255.255.255.0", "expected any" },
	{ ACL_STANDARD, "permit host", "needs an address" },
	{ ACL_STANDARD, "permit host nowhere", "IPv4 or IPv6" },
	{ ACL_STANDARD, "permit 2001:db8::", "IPv6 prefix" },
	{ ACL_STANDARD, "permit 2001:db8::/129", "0..128" },
	{ ACL_STANDARD, "permit 2001:db8::1/32", "outside the prefix" },
	{ ACL_STANDARD, "permit 2001:zz8::/32", "bad IPv6" },
	{ ACL_STANDARD, "permit any any", "unexpected words" },
	{ ACL_STANDARD, "permit ip any any", "expected any" },
	{ ACL_EXTENDED, "permit any any", "protocol" },
	{ ACL_EXTENDED, "permit 256 any any", "protocol" },
	{ ACL_EXTENDED, "permit ip any", "missing address" },
	{ ACL_EXTENDED, "permit ip any any eq 23", "tcp or udp" },
	{ ACL_EXTENDED, "permit tcp any any eq", "missing port" },
	{ ACL_EXTENDED, "permit tcp any any eq 65536", "missing port" },
	{ ACL_EXTENDED, "permit tcp any any eq gopher", "missing port" },
	{ ACL_EXTENDED, "permit tcp any any range 20", "two ports" },
	{ ACL_EXTENDED, "permit tcp any any range 30 20", "two ports" },
	{ ACL_EXTENDED, "permit ip any4 2001:db8::/32", "different address families" },
	{ ACL_EXTENDED, "permit ip host 198.18.1.1 any6", "different address families" },
	{ ACL_EXTENDED, "permit ip any any log", "unexpected words" },
	{ ACL_EXTENDED, "permit ip a b c d e f g h i j k l m", "too many words" },
	{ ACL_EXTENDED, "remark xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  "longer than 100" },
};

START_TEST(test_bad)
{
	const struct bad *b = &bads[_i];
	struct acl_entry e;
	const char *why = NULL;

	ck_assert_msg(acl_parse_entry(b->t, b->in, &e, &why) == -1,
		      "\"%s\" parsed", b->in);
	ck_assert_msg(why && strstr(why, b->why), "\"%s\": got \"%s\", want \"%s\"",
		      b->in, why ? why : "(null)", b->why);
}
END_TEST

START_TEST(test_prefix4)
{
	struct acl_entry e;
	const char *why;
	uint32_t a, m;

	ck_assert_int_eq(acl_parse_entry(ACL_STANDARD, "permit 198.18.4.0 255.255.252.0",
					 &e, &why), 0);
	ck_assert_int_eq(acl_prefix4(&e.dst, &a, &m), 0);
	ck_assert_uint_eq(ntohl(a), 0xc6120400u);
	ck_assert_uint_eq(ntohl(m), 0xfffffc00u);
	ck_assert_int_eq(acl_parse_entry(ACL_STANDARD, "permit any", &e, &why), 0);
	ck_assert_int_eq(acl_prefix4(&e.dst, &a, &m), -1);
	ck_assert_int_eq(acl_parse_entry(ACL_STANDARD, "permit 2001:db8::/32", &e, &why), 0);
	ck_assert_int_eq(acl_prefix4(&e.dst, &a, &m), -1);
	ck_assert_int_eq(acl_type_parse("standard"), ACL_STANDARD);
	ck_assert_int_eq(acl_type_parse("extended"), ACL_EXTENDED);
	ck_assert_int_eq(acl_type_parse("webtype"), -1);
}
END_TEST

/* ---- config: access_lists objects */
#define errs_text cfgtest_errs_text
#define load_ok(text) cfgtest_load_ok((text), T_NAME)

#define ACLS                                                                   \
	"access_lists = (\n"                                       /* 1 */    \
	"  { name = \"SPLIT\"; type = \"standard\";\n"             /* 2 */    \
	"    entries = [ \"permit 198.18.1.0 255.255.255.0\",\n"   /* 3 */    \
	"                \"permit 198.18.2.0 255.255.254.0\",\n"   /* 4 */    \
	"                \"permit 2001:db8::/32\" ]; },\n"         /* 5 */    \
	"  { name = \"F\"; type = \"extended\";\n"                 /* 6 */    \
	"    entries = [ \"permit ip any host 198.18.1.1\",\n"     /* 7 */    \
	"                \"deny tcp any any eq 23\" ]; }\n"        /* 8 */    \
	");\n"                                                     /* 9 */

START_TEST(test_config_load)
{
	struct sslvpnd_config *cfg = load_ok(ACLS
		"group_policies = ( { name = \"p\"; split-tunnel-policy = \"tunnelspecified\";\n"
		"  split-tunnel-network-list = \"SPLIT\"; vpn-filter = \"F\"; } );\n");
	const struct cfg_acl *s = config_acl(cfg, "SPLIT"), *f = config_acl(cfg, "F");

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(config_acl(cfg, "split"));
	ck_assert_int_eq(s->type, ACL_STANDARD);
	ck_assert_uint_eq(s->n, 3);
	ck_assert_int_eq(s->line, 2);
	ck_assert_int_eq(s->e[1].line, 4);
	ck_assert_int_eq(s->e[2].dst.af, ACL_AF_6);
	ck_assert_int_eq(f->type, ACL_EXTENDED);
	ck_assert_uint_eq(f->n, 2);
	ck_assert_int_eq(f->e[1].proto, 6);
	ck_assert_int_eq(f->e[1].dport.op, ACL_OP_EQ);
	ck_assert_int_eq(f->e[1].dport.lo, 23);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_single_string)
{
	struct sslvpnd_config *cfg = load_ok(
		"access_lists = ( { name = \"A\"; type = \"standard\"; entries = \"permit any4\"; } );\n");

	ck_assert_uint_eq(config_acl(cfg, "A")->n, 1);
	config_free(cfg);
}
END_TEST

struct cbad {
	const char *text;
	int line;
	const char *msg;
};

#define GP(x) "group_policies = ( { name = \"p\";\n" x " } );\n" /* attr on line 11 */

static const struct cbad cbads[] = {
	{ "access_lists = ( { name = \"A\"; type = \"standard\";\n"
	  "  entries = [ \"permit any4\",\n"
	  "    \"permit 198.18.1.1 255.255.255.0\" ]; } );\n",
	  3, "access list \"A\": entries: \"permit 198.18.1.1 255.255.255.0\" address and mask do not pair" },
	{ "access_lists = ( { name = \"A\"; type = \"extended\";\n"
	  "  entries = [ \"permit tcp any any eq 99999\",\n"
	  "    \"deny ip any4 2001:db8::/32\" ]; } );\n",
	  2, "bad or missing port" },
	{ "access_lists = ( { name = \"A\"; type = \"extended\";\n"
	  "  entries = [ \"permit tcp any any eq 99999\",\n"
	  "    \"deny ip any4 2001:db8::/32\" ]; } );\n",
	  3, "different address families" },
	{ "access_lists = ( { name = \"A\"; type = \"webtype\";\n"
	  "  entries = [ \"permit any\" ]; } );\n",
	  1, "type" },
	{ "access_lists = ( { name = \"A\"; entries = [ \"permit any\" ]; } );\n",
	  1, "missing required key \"type\"" },
	{ "access_lists = ( { name = \"A\"; type = \"standard\"; } );\n",
	  1, "missing required key \"entries\"" },
	{ "access_lists = ( { name = \"A\"; type = \"standard\";\n"
	  "  entries = [ ]; } );\n",
	  2, "must be 1..64" },
	{ "access_lists = ( { name = \"A\"; type = \"standard\";\n"
	  "  entries = ( \"permit any\", 3 ); } );\n",
	  2, "entry 2: expected a string" },
	{ "access_lists = ( { name = \"A\"; type = \"standard\"; entries = \"permit any\"; },\n"
	  "  { name = \"A\"; type = \"standard\"; entries = \"permit any\"; } );\n",
	  2, "duplicate access list \"A\"" },
	{ ACLS GP("split-tunnel-network-list = \"NOPE\";"), 11,
	  "split-tunnel-network-list \"NOPE\" is not defined (access_lists)" },
	{ ACLS GP("vpn-filter = \"NOPE\";"), 11, "vpn-filter \"NOPE\" is not defined" },
	{ ACLS GP("ipv6-vpn-filter = \"NOPE\";"), 11, "ipv6-vpn-filter \"NOPE\" is not defined" },
	{ ACLS GP("split-tunnel-network-list = \"F\";"), 11,
	  "split-tunnel-network-list \"F\" must be an access list of type standard (line 6 defines it extended)" },
	{ ACLS GP("vpn-filter = \"SPLIT\";"), 11,
	  "vpn-filter \"SPLIT\" must be an access list of type extended" },
};

START_TEST(test_config_bad)
{
	const struct cbad *b = &cbads[_i];
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = (void *)1;
	size_t i;
	int found = 0;

	ck_assert_int_eq(config_load_string(b->text, T_NAME, T_STATE, &cfg, &errs), -1);
	ck_assert_ptr_null(cfg);
	for (i = 0; i < errs.n; i++)
		if (errs.e[i].line == b->line && strstr(errs.e[i].msg, b->msg))
			found = 1;
	ck_assert_msg(found, "want %s:%d: ...%s...\nactual:\n%s", T_NAME, b->line,
		      b->msg, errs_text(&errs));
}
END_TEST

/* -T prints the entries in canonical form; loading the dump gives the same
 * entries. */
START_TEST(test_config_dump)
{
	struct sslvpnd_config *a = load_ok(ACLS), *b;
	char *buf = NULL, x[ACL_TEXT_MAX], y[ACL_TEXT_MAX];
	size_t len = 0, i, j;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_int_eq(config_dump(fp, a), 0);
	fclose(fp);
	ck_assert_msg(strstr(buf, "\"deny tcp any any eq telnet\""), "%s", buf);
	ck_assert_msg(strstr(buf, "\"permit 2001:db8::/32\""), "%s", buf);
	b = load_ok(buf);
	ck_assert_uint_eq(a->n_acls, b->n_acls);
	for (i = 0; i < a->n_acls; i++) {
		ck_assert_str_eq(a->acls[i].name, b->acls[i].name);
		ck_assert_int_eq(a->acls[i].type, b->acls[i].type);
		ck_assert_uint_eq(a->acls[i].n, b->acls[i].n);
		for (j = 0; j < a->acls[i].n; j++) {
			acl_format_entry(a->acls[i].type, &a->acls[i].e[j], x, sizeof(x));
			acl_format_entry(b->acls[i].type, &b->acls[i].e[j], y, sizeof(y));
			ck_assert_str_eq(x, y);
		}
	}
	free(buf);
	config_free(a);
	config_free(b);
}
END_TEST

/* ---- split tunnelling from the access list (policy_split) */
static const char split_conf[] =
	"access_lists = (\n"
	"  { name = \"S\"; type = \"standard\"; entries = [ \"remark x\",\n"
	"    \"permit 198.18.1.0 255.255.255.0\", \"deny 198.18.2.0 255.255.255.0\",\n"
	"    \"permit any4\", \"permit any\", \"permit any6\",\n"
	"    \"permit host 198.18.9.9\", \"permit 198.18.1.0 255.255.255.0\",\n"
	"    \"permit 2001:db8::/32\", \"permit host 2001:db8::1\" ]; },\n"
	"  { name = \"WILD\"; type = \"standard\"; entries = [ \"permit any\", \"deny 198.18.1.0 255.255.255.0\" ]; } );\n"
	"group_policies = (\n"
	"  { name = \"DfltGrpPolicy\"; split-tunnel-network-list = \"S\"; },\n"
	"  { name = \"inc\"; split-tunnel-policy = \"tunnelspecified\"; },\n"
	"  { name = \"exc\"; split-tunnel-policy = \"excludespecified\"; },\n"
	"  { name = \"all\"; split-tunnel-policy = \"tunnelall\"; },\n"
	"  { name = \"nolist\"; split-tunnel-policy = \"tunnelspecified\";\n"
	"    split-tunnel-network-list = \"none\"; },\n"
	"  { name = \"wild\"; split-tunnel-policy = \"tunnelspecified\";\n"
	"    split-tunnel-network-list = \"WILD\"; } );\n";

struct split_case {
	const char *policy;
	enum policy_split_mode mode;
	size_t n4, n6;
};

static const struct split_case splits[] = {
	{ "inc", SPLIT_INCLUDE, 2, 2 },  /* list inherited from DfltGrpPolicy */
	{ "exc", SPLIT_EXCLUDE, 2, 2 },
	{ "all", SPLIT_ALL, 0, 0 },      /* tunnelall ignores the list */
	{ "DfltGrpPolicy", SPLIT_ALL, 0, 0 }, /* built-in tunnelall */
	{ "nolist", SPLIT_ALL, 0, 0 },   /* explicit none stops inheritance */
	{ "wild", SPLIT_ALL, 0, 0 },     /* no network in the list */
};

START_TEST(test_split)
{
	const struct split_case *c = &splits[_i];
	struct sslvpnd_config *cfg = load_ok(split_conf);
	struct gp_effective e;
	struct policy_split sp;
	char a[64];

	policy_resolve(cfg, c->policy, &e);
	policy_split(&e, &sp);
	ck_assert_int_eq(sp.mode, c->mode);
	ck_assert_uint_eq(sp.n4, c->n4);
	ck_assert_uint_eq(sp.n6, c->n6);
	if (c->n4 == 2) {
		/* list order, the duplicate dropped, deny and wildcards skipped */
		ck_assert_uint_eq(ntohl(sp.v4[0].addr), 0xc6120100u);
		ck_assert_uint_eq(ntohl(sp.v4[0].mask), 0xffffff00u);
		ck_assert_uint_eq(ntohl(sp.v4[1].addr), 0xc6120909u);
		ck_assert_uint_eq(ntohl(sp.v4[1].mask), 0xffffffffu);
		acl_format_addr(&sp.v6[0], a, sizeof(a));
		ck_assert_str_eq(a, "2001:db8::/32");
		acl_format_addr(&sp.v6[1], a, sizeof(a));
		ck_assert_str_eq(a, "host 2001:db8::1");
	}
	config_free(cfg);
}
END_TEST

static Suite *acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *p = tcase_create("parse"), *c = tcase_create("config");

	tcase_add_loop_test(p, test_good, 0, (int)ARRAY_SIZE(goods));
	tcase_add_loop_test(p, test_bad, 0, (int)ARRAY_SIZE(bads));
	tcase_add_test(p, test_prefix4);
	suite_add_tcase(s, p);
	tcase_add_test(c, test_config_load);
	tcase_add_test(c, test_config_single_string);
	tcase_add_loop_test(c, test_config_bad, 0, (int)ARRAY_SIZE(cbads));
	tcase_add_test(c, test_config_dump);
	tcase_add_loop_test(c, test_split, 0, (int)ARRAY_SIZE(splits));
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(acl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
