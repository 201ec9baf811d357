/* Unit tests for LDAP attribute maps: the row parsers and printers, the
 * ldap_attribute_maps config objects, and the translation of a directory
 * entry (src/policy/ldapmap.c), with the ASA's rule for memberOf of
 * several mapped groups. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "sslvpnd/ldapmap.h"
#include "sslvpnd/util.h"
#include "cfgtest.h"

#define T_NAME "ldapmap.conf"

#define DN_PHONES "CN=Phones,OU=Groups,DC=example,DC=com"
#define DN_ENG "CN=Engineers,OU=Groups,DC=example,DC=com"
#define DN_MGR "CN=Managers,OU=Groups,DC=example,DC=com"
#define DN_OTHER "CN=Printers,OU=Groups,DC=example,DC=com"

struct bad_case {
	int value; /* map-value row, else map-name */
	const char *text, *why;
};

static const struct bad_case bads[] = {
	{ 0, "", "LDAP attribute name" },
	{ 0, "1memberOf Group-Policy", "LDAP attribute name" },
	{ 0, "member_of Group-Policy", "LDAP attribute name" },
	{ 0, "memberOf", "Cisco attribute must be one of" },
	{ 0, "memberOf Group_Policy", "Cisco attribute must be one of" },
	{ 0, "memberOf Group-Policy extra", "words after" },
	{ 1, "memberOf", "directory's value" },
	{ 1, "memberOf \"CN=x,DC=y", "directory's value" },
	{ 1, "memberOf \"\" P", "directory's value" },
	{ 1, "memberOf \"CN=x, DC=y\"", "Cisco value" },
	{ 1, "memberOf CN=x", "Cisco value" },
};

START_TEST(test_bad)
{
	const struct bad_case *b = &bads[_i];
	struct ldapmap_name n;
	struct ldapmap_value v;
	const char *why = NULL;
	int r = b->value ? ldapmap_parse_value(b->text, &v, &why)
			 : ldapmap_parse_name(b->text, &n, &why);

	ck_assert_int_eq(r, -1);
	ck_assert_msg(why && strstr(why, b->why), "\"%s\": %s", b->text, why);
}
END_TEST

START_TEST(test_format)
{
	struct ldapmap_name n;
	struct ldapmap_value v, v2;
	char buf[LDAPMAP_TEXT_MAX];
	const char *why;

	/* the Cisco name is matched without case and printed as the ASA spells it */
	ck_assert_int_eq(ldapmap_parse_name("memberOf group-policy", &n, &why), 0);
	ck_assert_int_eq(n.cisco, LDM_GROUP_POLICY);
	ck_assert_int_gt(ldapmap_format_name(&n, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "memberOf Group-Policy");

	ck_assert_int_eq(ldapmap_parse_value("memberOf \"CN=Voice Phones,DC=x\"  Phone Policy ",
					     &v, &why), 0);
	ck_assert_str_eq(v.ldap, "memberOf");
	ck_assert_str_eq(v.from, "CN=Voice Phones,DC=x");
	ck_assert_str_eq(v.to, "Phone Policy");
	ck_assert_int_gt(ldapmap_format_value(&v, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "memberOf \"CN=Voice Phones,DC=x\" Phone Policy");
	ck_assert_int_eq(ldapmap_parse_value(buf, &v2, &why), 0);
	ck_assert_int_eq(memcmp(&v, &v2, sizeof(v)), 0);
	/* a value without blanks needs no quotes and prints without */
	ck_assert_int_eq(ldapmap_parse_value("department Sales SalesPolicy", &v, &why), 0);
	ck_assert_int_gt(ldapmap_format_value(&v, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "department Sales SalesPolicy");
}
END_TEST

static const char map_conf[] =
	"ldap_attribute_maps = (\n"
	"  { name = \"VPNMAP\";\n"
	"    map-name = [ \"memberOf Group-Policy\", \"vpnProtocols Tunneling-Protocols\",\n"
	"                 \"lockedTo Tunnel-Group-Lock\" ];\n"
	"    map-value = [ \"memberOf \\\"" DN_PHONES "\\\" PhonePolicy\",\n"
	"                  \"memberOf \\\"" DN_ENG "\\\" Group2\",\n"
	"                  \"memberOf \\\"" DN_MGR "\\\" Group5\",\n"
	"                  \"memberOf \\\"CN=Finance,OU=Groups,DC=example,DC=com\\\" Group1\" ];\n"
	"  },\n"
	"  { name = \"OLDMAP\"; map-name = \"department IETF-Radius-Class\"; } );\n";

static const struct cfg_ldap_map *map_of(const struct sslvpnd_config *cfg, const char *n)
{
	const struct cfg_ldap_map *m = config_ldap_map(cfg, n);

	ck_assert_ptr_nonnull(m);
	return m;
}

START_TEST(test_apply)
{
	struct sslvpnd_config *cfg = cfgtest_load_ok(map_conf, T_NAME);
	const struct cfg_ldap_map *m = map_of(cfg, "VPNMAP");
	struct ldapmap_result r;
	/* attribute names compare without case, values too */
	const struct ldapmap_av one[] = {
		{ "memberof", "cn=phones,ou=groups,dc=example,dc=com" },
		{ "memberOf", DN_OTHER },
		{ "VPNPROTOCOLS", "32" },
		{ "lockedTo", "PHONES" },
		{ "mail", "a@example.com" },
	};
	/* several mapped groups: the shortest mapped name, then the lowest */
	const struct ldapmap_av many[] = {
		{ "memberOf", DN_MGR }, { "memberOf", DN_PHONES },
		{ "memberOf", "CN=Finance,OU=Groups,DC=example,DC=com" }, { "memberOf", DN_ENG },
	};
	const struct ldapmap_av none[] = { { "memberOf", DN_OTHER }, { "cn", "x" } };
	const struct ldapmap_av dept[] = { { "department", "Sales" } };

	ck_assert_uint_eq(cfg->n_ldap_maps, 2);
	ck_assert_uint_eq(m->n_names, 3);
	ck_assert_uint_eq(m->n_values, 4);
	ck_assert_int_eq(m->line, 2);

	ldapmap_apply(m, one, ARRAY_SIZE(one), &r);
	ck_assert_uint_eq(r.have, (1u << LDM_GROUP_POLICY) | (1u << LDM_TUNNELING_PROTOCOLS) |
					  (1u << LDM_TUNNEL_GROUP_LOCK));
	ck_assert_str_eq(r.v[LDM_GROUP_POLICY], "PhonePolicy");
	ck_assert_str_eq(r.v[LDM_TUNNELING_PROTOCOLS], "32");
	ck_assert_str_eq(r.v[LDM_TUNNEL_GROUP_LOCK], "PHONES");

	ldapmap_apply(m, many, ARRAY_SIZE(many), &r);
	ck_assert_str_eq(r.v[LDM_GROUP_POLICY], "Group1");

	/* a memberOf no row translates is dropped when the attribute has rows */
	ldapmap_apply(m, none, ARRAY_SIZE(none), &r);
	ck_assert_uint_eq(r.have, 0);

	/* no map-value rows: the value passes; IETF-Radius-Class is a group policy */
	ldapmap_apply(map_of(cfg, "OLDMAP"), dept, ARRAY_SIZE(dept), &r);
	ck_assert_uint_eq(r.have, (1u << LDM_GROUP_POLICY) | (1u << LDM_IETF_CLASS));
	ck_assert_str_eq(r.v[LDM_GROUP_POLICY], "Sales");

	ldapmap_apply(NULL, dept, ARRAY_SIZE(dept), &r);
	ck_assert_uint_eq(r.have, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_protocols)
{
	ck_assert_int_eq(ldapmap_protocols_allow_ssl("32"), 1);
	ck_assert_int_eq(ldapmap_protocols_allow_ssl("36"), 1);
	ck_assert_int_eq(ldapmap_protocols_allow_ssl("4"), 0);
	ck_assert_int_eq(ldapmap_protocols_allow_ssl("ssl-client"), -1);
	ck_assert_int_eq(ldapmap_protocols_allow_ssl(""), -1);
}
END_TEST

START_TEST(test_dump)
{
	struct sslvpnd_config *a = cfgtest_load_ok(map_conf, T_NAME), *b;
	char *buf = cfgtest_dump(a);

	ck_assert_msg(strstr(buf, "\"memberOf " DN_PHONES " PhonePolicy\""), "%s", buf);
	b = cfgtest_load_ok(buf, T_NAME);
	ck_assert_uint_eq(b->n_ldap_maps, a->n_ldap_maps);
	for (size_t i = 0; i < a->n_ldap_maps; i++) {
		a->ldap_maps[i].line = b->ldap_maps[i].line;
		ck_assert_int_eq(memcmp(&a->ldap_maps[i], &b->ldap_maps[i],
					sizeof(a->ldap_maps[i])), 0);
	}
	free(buf);
	config_free(a);
	config_free(b);
}
END_TEST

static const struct cfgtest_bad cbads[] = {
	{ "ldap_attribute_maps = ( { name = \"M\";\n"
	  "  map-name = \"memberOf Group-Policy\";\n"
	  "  map-value = [ \"memberOf x P\",\n"
	  "                \"department Sales S\" ]; } );\n",
	  4, "ldap attribute map \"M\": map-value row 2: names an LDAP attribute that no "
	     "map-name row" },
	{ "ldap_attribute_maps = ( { name = \"M\";\n"
	  "  map-name = [ \"memberOf Group-Policy\", \"MEMBEROF Banner1\" ]; } );\n",
	  2, "map-name row 2: maps an LDAP attribute a previous map-name row maps" },
	{ "ldap_attribute_maps = ( { name = \"M\";\n"
	  "  map-name = \"memberOf Group\"; } );\n",
	  2, "\"memberOf Group\" the Cisco attribute must be one of" },
	{ "ldap_attribute_maps = ( { name = \"M\"; } );\n", 1,
	  "missing required key \"map-name\"" },
	{ "ldap_attribute_maps = ( { name = \"M\"; map-name = [ ]; } );\n", 1, "has no rows" },
};

START_TEST(test_config_bad)
{
	cfgtest_load_fails(cbads[_i].text, T_NAME, cbads[_i].line, cbads[_i].msg);
}
END_TEST

static Suite *ldapmap_suite(void)
{
	Suite *s = suite_create("ldapmap");
	TCase *r = tcase_create("rows"), *c = tcase_create("config");

	tcase_add_loop_test(r, test_bad, 0, (int)ARRAY_SIZE(bads));
	tcase_add_test(r, test_format);
	tcase_add_test(r, test_protocols);
	suite_add_tcase(s, r);
	tcase_add_test(c, test_apply);
	tcase_add_test(c, test_dump);
	tcase_add_loop_test(c, test_config_bad, 0, (int)ARRAY_SIZE(cbads));
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ldapmap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
