/* Seed 001 as a table-driven suite: the DfltGrpPolicy of the Cisco note
 * (vpn-simultaneous-logins 0, vpn-tunnel-protocol without ssl-client,
 * group-lock value DefaultWEBVPNGroup, vpn-filter value NO-TRAFFIC) is
 * inherited by a GroupPolicy_VPNPhone that does not override it, and the
 * phone is refused for one reason after the other, in the order the ASA
 * checks them, until every attribute is set (or none) on the phone's
 * policy.  Then: inherit vs explicit none for every attribute of
 * gpattrs.def.  Through the real loader, policy_resolve and policy_admit. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"
#include "cfgtest.h"

#define T_STATE "/var/lib/sslvpnd-test"

#define errs_text cfgtest_errs_text
#define load_ok(text) cfgtest_load_ok((text), "seed001.conf")

/* The seed's objects; the phone connects through tunnel group VPNPhone. */
#define SEED_POOL                                                              \
	"ip_local_pools = ( { name = \"phones\"; range = \"198.19.0.10-198.19.0.20\";" \
	" mask = \"255.255.255.0\"; } );\n"                                     \
	"ipv6_local_pools = ( { name = \"phones6\"; prefix = \"2001:db8::10/64\";"  \
	" count = 16; } );\n"
#define SEED_NO_TRAFFIC                                                        \
	"{ name = \"NO-TRAFFIC\"; type = \"extended\"; entries = \"deny ip any any\"; }"
#define SEED_COMMON                                                            \
	SEED_POOL "access_lists = ( " SEED_NO_TRAFFIC " );\n"                  \
	"tunnel_groups = ( { name = \"VPNPhone\"; address-pool = \"phones\";"   \
	" authentication = \"certificate\"; default-group-policy = \"GroupPolicy_VPNPhone\";" \
	" group-url = \"https://asa5520-c.cisco.com/VPNPhone\"; } );\n"

#define SEED_DFLT                                                              \
	"  { name = \"DfltGrpPolicy\"; vpn-simultaneous-logins = 0;\n"         \
	"    vpn-tunnel-protocol = [ \"ikev1\", \"ikev2\", \"l2tp-ipsec\", \"ssl-clientless\" ];\n" \
	"    group-lock = \"DefaultWEBVPNGroup\"; vpn-filter = \"NO-TRAFFIC\"; },\n"

/* GroupPolicy_VPNPhone as in the seed, then with one more attribute set
 * per step, in the ASA's order of checks. */
#define PHONE_BASE                                                             \
	"name = \"GroupPolicy_VPNPhone\"; wins-server = \"none\";"             \
	" dns-server = \"10.198.29.20\"; default-domain = \"cisco.com\";"

struct step {
	const char *what;
	const char *extra;            /* attributes added to PHONE_BASE */
	enum admit_refusal refusal;
	enum gp_attr attr;            /* the deciding attribute */
	const char *origin;
	const char *reason;           /* substring of the reason */
	const char *filter;           /* admitted: the vpn-filter, NULL none */
};

static const struct step steps[] = {
	{ "the seed: nothing overridden", "",
	  ADMIT_PROTOCOL, GPA_VPN_TUNNEL_PROTOCOL, "DfltGrpPolicy",
	  "vpn-tunnel-protocol of group policy GroupPolicy_VPNPhone (from DfltGrpPolicy) "
	  "does not include ssl-client", NULL },
	{ "ssl-client set", " vpn-tunnel-protocol = \"ssl-client\";",
	  ADMIT_GROUP_LOCK, GPA_GROUP_LOCK, "DfltGrpPolicy",
	  "group-lock value DefaultWEBVPNGroup (from DfltGrpPolicy) but the connection "
	  "uses tunnel group VPNPhone", NULL },
	{ "group-lock VPNPhone", " vpn-tunnel-protocol = \"ssl-client\"; group-lock = \"VPNPhone\";",
	  ADMIT_NO_LOGINS, GPA_VPN_SIMULTANEOUS_LOGINS, "DfltGrpPolicy",
	  "vpn-simultaneous-logins is 0 (from DfltGrpPolicy)", NULL },
	{ "group-lock none", " vpn-tunnel-protocol = \"ssl-client\"; group-lock = \"none\";",
	  ADMIT_NO_LOGINS, GPA_VPN_SIMULTANEOUS_LOGINS, "DfltGrpPolicy",
	  "vpn-simultaneous-logins is 0", NULL },
	{ "logins 3: admitted, but NO-TRAFFIC inherited",
	  " vpn-tunnel-protocol = \"ssl-client\"; group-lock = \"VPNPhone\";"
	  " vpn-simultaneous-logins = 3;",
	  ADMIT_OK, 0, NULL, NULL, "NO-TRAFFIC" },
	{ "the corrected GroupPolicy_VPNPhone",
	  " vpn-tunnel-protocol = \"ssl-client\"; group-lock = \"VPNPhone\";"
	  " vpn-simultaneous-logins = 3; vpn-filter = \"none\";",
	  ADMIT_OK, 0, NULL, NULL, NULL },
	{ "corrected with group-lock none",
	  " vpn-tunnel-protocol = [ \"ikev2\", \"ssl-client\" ]; group-lock = \"none\";"
	  " vpn-simultaneous-logins = 1; vpn-filter = \"none\";",
	  ADMIT_OK, 0, NULL, NULL, NULL },
};

static struct sslvpnd_config *load_step(const struct step *s)
{
	char text[4096];

	snprintf(text, sizeof(text), "%sgroup_policies = (\n%s  { %s%s } );\n",
		 SEED_COMMON, SEED_DFLT, PHONE_BASE, s->extra);
	return load_ok(text);
}

START_TEST(test_step)
{
	const struct step *s = &steps[_i];
	struct sslvpnd_config *cfg = load_step(s);
	const struct cfg_tunnel_group *tg = config_tunnel_group(cfg, "VPNPhone");
	struct gp_effective e;
	struct policy_admit a;

	ck_assert_ptr_nonnull(tg);
	policy_resolve(cfg, tg->default_group_policy, &e);
	/* what the phone gets pushed either way: its own values */
	ck_assert_str_eq(gp_str_or(&e, GPA_DEFAULT_DOMAIN, "-"), "cisco.com");
	ck_assert_int_eq(e.origin[GPA_WINS_SERVER], GPO_POLICY);
	ck_assert_int_eq(e.v[GPA_WINS_SERVER]->state, GP_NONE);
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", 0, NULL, &a), s->refusal);
	ck_assert_int_eq(a.refusal, s->refusal);
	if (s->refusal != ADMIT_OK) {
		ck_assert_int_eq(a.attr, s->attr);
		ck_assert_str_eq(a.origin, s->origin);
		ck_assert_msg(strstr(a.reason, s->reason), "%s: reason \"%s\", want \"%s\"",
			      s->what, a.reason, s->reason);
	} else if (s->filter) {
		ck_assert_ptr_nonnull(a.filter);
		ck_assert_str_eq(a.filter, s->filter);
		ck_assert_int_eq(e.origin[GPA_VPN_FILTER], GPO_DFLT);
	} else {
		ck_assert_ptr_null(a.filter);
	}
	config_free(cfg);
}
END_TEST

/* vpn-simultaneous-logins N: at the limit the oldest sessions make room
 * (the new login wins, as on the ASA); below it nothing is logged off. */
struct logins_case {
	unsigned current, logoff;
};

static const struct logins_case logins[] = {
	{ 0, 0 }, { 2, 0 }, { 3, 1 }, { 5, 3 },
};

START_TEST(test_logins)
{
	struct sslvpnd_config *cfg = load_step(&steps[5]);
	const struct cfg_tunnel_group *tg = config_tunnel_group(cfg, "VPNPhone");
	struct gp_effective e;
	struct policy_admit a;

	policy_resolve(cfg, tg->default_group_policy, &e);
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ssl-client", logins[_i].current, NULL, &a),
			 ADMIT_OK);
	ck_assert_uint_eq(a.logoff, logins[_i].logoff);
	config_free(cfg);
}
END_TEST

/* A local user's own group-lock replaces the policy's and is named. */
START_TEST(test_user_lock)
{
	struct sslvpnd_config *cfg = load_step(&steps[5]);
	const struct cfg_tunnel_group *tg = config_tunnel_group(cfg, "VPNPhone");
	struct cfg_user u;
	struct gp_effective e;
	struct policy_admit a;

	memset(&u, 0, sizeof(u));
	util_strlcpy(u.name, "phone1", sizeof(u.name));
	util_strlcpy(u.group_lock, "DefaultWEBVPNGroup", sizeof(u.group_lock));
	policy_resolve(cfg, tg->default_group_policy, &e);
	ck_assert_int_eq(policy_admit(&e, tg, &u, "ssl-client", 0, NULL, &a), ADMIT_GROUP_LOCK);
	ck_assert_str_eq(a.origin, "user phone1");
	ck_assert_ptr_nonnull(strstr(a.reason, "group-lock value DefaultWEBVPNGroup (from user phone1)"));
	util_strlcpy(u.group_lock, "VPNPhone", sizeof(u.group_lock));
	ck_assert_int_eq(policy_admit(&e, tg, &u, "ssl-client", 0, NULL, &a), ADMIT_OK);
	/* another protocol than ssl-client is refused by the same table */
	ck_assert_int_eq(policy_admit(&e, tg, NULL, "ikev1", 0, NULL, &a), ADMIT_PROTOCOL);
	ck_assert_str_eq(a.origin, "GroupPolicy_VPNPhone");
	config_free(cfg);
}
END_TEST

/* ---- inherit vs explicit none, for every attribute of gpattrs.def.
 * DfltGrpPolicy sets a value that differs from the built-in default; policy
 * "inherit" leaves the attribute unset, policy "none" sets "none". */
static void value_text(enum gp_attr a, char *buf, size_t len)
{
	const struct gp_attr_info *i = &gp_attr_table[a];
	char first[64] = "";

	switch (a) {
	case GPA_WINS_SERVER:
	case GPA_DNS_SERVER: snprintf(buf, len, "\"198.18.1.53\""); return;
	case GPA_VPN_FILTER:
	case GPA_IPV6_VPN_FILTER: snprintf(buf, len, "\"NO-TRAFFIC\""); return;
	case GPA_SPLIT_TUNNEL_NETWORK_LIST: snprintf(buf, len, "\"SPLIT\""); return;
	case GPA_GROUP_LOCK: snprintf(buf, len, "\"DefaultWEBVPNGroup\""); return;
	case GPA_VPN_ACCESS_HOURS: snprintf(buf, len, "\"BUSINESS\""); return;
	case GPA_ADDRESS_POOLS: snprintf(buf, len, "[ \"phones\" ]"); return;
	case GPA_IPV6_ADDRESS_POOLS: snprintf(buf, len, "[ \"phones6\" ]"); return;
	case GPA_ANYCONNECT_PROFILES: snprintf(buf, len, "[ \"P type vpn-mgmt\" ]"); return;
	case GPA_ANYCONNECT_CUSTOM: snprintf(buf, len, "[ \"T value n\" ]"); return;
	default: break;
	}
	if (i->allowed) {
		/* the last allowed word: never the whole default */
		const char *bar = strrchr(i->allowed, '|');

		util_strlcpy(first, bar ? bar + 1 : i->allowed, sizeof(first));
	}
	switch (i->type) {
	case GPT_INT:
		snprintf(buf, len, "%lld",
			 i->dflt && strtoll(i->dflt, NULL, 10) == i->min ? i->min + 1 : i->min);
		return;
	case GPT_BOOL:
		snprintf(buf, len, "%s", i->dflt && !strcmp(i->dflt, "true") ? "false" : "true");
		return;
	case GPT_ENUM: snprintf(buf, len, "\"%s\"", first); return;
	case GPT_LIST: snprintf(buf, len, "[ \"%s\" ]", *first ? first : "x.example"); return;
	case GPT_STR: snprintf(buf, len, "\"x.example\""); return;
	}
}

START_TEST(test_inherit_none)
{
	enum gp_attr a = (enum gp_attr)_i;
	const char *key = gp_attr_table[a].key;
	char v[128], text[4096];
	struct sslvpnd_config *cfg;
	struct gp_effective inh, none, dflt;

	value_text(a, v, sizeof(v));
	snprintf(text, sizeof(text),
		 "%saccess_lists = ( " SEED_NO_TRAFFIC ",\n"
		 "  { name = \"SPLIT\"; type = \"standard\"; entries = \"permit 198.18.1.0 255.255.255.0\"; } );\n"
		 "time_ranges = ( { name = \"BUSINESS\"; periodic = \"weekdays 08:00 to 18:00\"; } );\n"
		 /* what anyconnect-profiles / anyconnect-custom name (S7) */
		 "anyconnect_profiles = ( { name = \"P\"; file = \"/etc/passwd\"; } );\n"
		 "anyconnect_custom_attrs = ( { type = \"T\"; } );\n"
		 "anyconnect_custom_data = ( { type = \"T\"; name = \"n\"; value = \"v\"; } );\n"
		 "group_policies = (\n"
		 "  { name = \"DfltGrpPolicy\"; %s = %s; },\n"
		 "  { name = \"inherit\"; },\n"
		 "  { name = \"none\"; %s = \"none\"; } );\n",
		 SEED_POOL, key, v, key);
	cfg = load_ok(text);
	policy_resolve(cfg, "inherit", &inh);
	policy_resolve(cfg, "none", &none);
	policy_resolve(cfg, "DfltGrpPolicy", &dflt);
	/* inherit: DfltGrpPolicy's value, and it says so */
	ck_assert_msg(inh.origin[a] == GPO_DFLT, "%s: origin %d", key, inh.origin[a]);
	ck_assert_int_eq(inh.v[a]->state, GP_VALUE);
	ck_assert_ptr_eq(inh.v[a], dflt.v[a]);
	ck_assert_str_eq(policy_origin_name(&inh, a), "DfltGrpPolicy");
	/* explicit none: set on the policy, stops inheritance */
	ck_assert_msg(none.origin[a] == GPO_POLICY, "%s: origin %d", key, none.origin[a]);
	ck_assert_int_eq(none.v[a]->state, GP_NONE);
	ck_assert_str_eq(policy_origin_name(&none, a), "none");
	config_free(cfg);
}
END_TEST

/* Nothing set anywhere: every attribute is the built-in default. */
START_TEST(test_builtin)
{
	struct sslvpnd_config *cfg = load_ok(SEED_POOL);
	struct gp_effective e;
	int a;

	policy_resolve(cfg, "DfltGrpPolicy", &e);
	for (a = 0; a < GPA__COUNT; a++) {
		ck_assert_int_eq(e.origin[a], GPO_BUILTIN);
		ck_assert_ptr_eq(e.v[a], gp_builtin((enum gp_attr)a));
		ck_assert_str_eq(policy_origin_name(&e, (enum gp_attr)a), "built-in default");
	}
	config_free(cfg);
}
END_TEST

static Suite *seed001_suite(void)
{
	Suite *s = suite_create("seed001");
	TCase *c = tcase_create("admit"), *i = tcase_create("inherit");

	tcase_add_loop_test(c, test_step, 0, (int)ARRAY_SIZE(steps));
	tcase_add_loop_test(c, test_logins, 0, (int)ARRAY_SIZE(logins));
	tcase_add_test(c, test_user_lock);
	suite_add_tcase(s, c);
	tcase_add_loop_test(i, test_inherit_none, 0, GPA__COUNT);
	tcase_add_test(i, test_builtin);
	suite_add_tcase(s, i);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(seed001_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
