/* Unit tests for src/policy/select.c and gpolicy.c: tunnel-group selection
 * and group-policy inheritance over a hand-built config snapshot. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"

/* ---- building a snapshot by hand (asa-behaviour.md 1) */

enum { N_POLICIES = 4, N_GROUPS = 8 };

static struct sslvpnd_config *cfg;

static void gp_free_value(struct gp_value *v)
{
	size_t i;

	free(v->str);
	for (i = 0; i < v->n_list; i++)
		free(v->list[i]);
	free(v->list);
}

static void cfg_free_test(struct sslvpnd_config *c)
{
	size_t i;
	int a;

	for (i = 0; i < c->n_policies; i++)
		for (a = 0; a < GPA__COUNT; a++)
			gp_free_value(&c->policies[i].attr[a]);
	free(c->policies);
	free(c->tunnel_groups);
	free(c);
}

static struct cfg_group_policy *add_policy(const char *name)
{
	struct cfg_group_policy *gp = &cfg->policies[cfg->n_policies++];

	util_strlcpy(gp->name, name, sizeof(gp->name));
	return gp;
}

static void set_num(struct cfg_group_policy *gp, enum gp_attr a, long long n)
{
	gp->attr[a].state = GP_VALUE;
	gp->attr[a].num = n;
}

static void set_str(struct cfg_group_policy *gp, enum gp_attr a, const char *s)
{
	gp->attr[a].state = GP_VALUE;
	gp->attr[a].str = strdup(s);
}

static void set_none(struct cfg_group_policy *gp, enum gp_attr a)
{
	gp->attr[a].state = GP_NONE;
}

/* set_list(gp, a, "x", "y", NULL) */
static void set_list(struct cfg_group_policy *gp, enum gp_attr a, ...)
{
	struct gp_value *v = &gp->attr[a];
	const char *s;
	va_list ap;

	v->state = GP_VALUE;
	v->list = calloc(CFG_LIST_MAX, sizeof(*v->list));
	va_start(ap, a);
	while ((s = va_arg(ap, const char *)) != NULL)
		v->list[v->n_list++] = strdup(s);
	va_end(ap);
}

static struct cfg_tunnel_group *add_group(const char *name, const char *alias)
{
	struct cfg_tunnel_group *tg = &cfg->tunnel_groups[cfg->n_tunnel_groups++];

	util_strlcpy(tg->name, name, sizeof(tg->name));
	util_strlcpy(tg->default_group_policy, POLICY_DFLT_GRP,
		     sizeof(tg->default_group_policy));
	tg->authentication = CFG_AUTH_CERTIFICATE;
	if (alias != NULL)
		util_strlcpy(tg->aliases.v[tg->aliases.n++], alias, CFG_NAME_MAX);
	return tg;
}

/* The fields config parses out of the URL, given directly. */
static void add_url(struct cfg_tunnel_group *tg, const char *host, uint16_t port,
		    const char *path, int enabled)
{
	struct cfg_group_url *u = &tg->urls[tg->n_urls++];

	snprintf(u->url, sizeof(u->url), "https://%s%s", host, path);
	util_strlcpy(u->host, host, sizeof(u->host));
	util_strlcpy(u->path, path, sizeof(u->path));
	u->port = port;
	u->enabled = enabled;
}

static void build_groups(void)
{
	struct cfg_tunnel_group *tg;

	tg = add_group(POLICY_DFLT_TG, NULL);
	tg->builtin = 1;
	tg = add_group("vpn-phone-group", "PHONES");
	add_url(tg, "asav.sckiewer.lab", 0, "/phone", 1);
	add_url(tg, "asav.sckiewer.lab", 0, "/old-phone", 0);
	tg = add_group("mgmt-group", "MGMT");
	add_url(tg, "10.0.0.1", 0, "/mgmt", 1);
	add_url(tg, "[2001:db8::1]", 0, "/mgmt6", 1);
	/* Same path twice: any port first in config order, then port 8443. */
	tg = add_group("anyport-group", NULL);
	add_url(tg, "asav.sckiewer.lab", 0, "/port", 1);
	tg = add_group("port-group", NULL);
	add_url(tg, "asav.sckiewer.lab", 8443, "/port", 1);
	add_url(tg, "asav.sckiewer.lab", 4443, "/only4443", 1);
	tg = add_group("nohost-group", NULL);
	add_url(tg, "", 0, "/anyhost", 1);
}

/* DfltGrpPolicy carries the values that break phones (asa-behaviour.md 2):
 * vpn-filter NO-TRAFFIC and a group-lock. */
static void build_policies(void)
{
	struct cfg_group_policy *gp;

	gp = add_policy(POLICY_DFLT_GRP);
	set_str(gp, GPA_VPN_FILTER, "NO-TRAFFIC");
	set_str(gp, GPA_GROUP_LOCK, "DefaultWEBVPNGroup");
	set_str(gp, GPA_DEFAULT_DOMAIN, "dflt.example");
	set_num(gp, GPA_VPN_IDLE_TIMEOUT, 45);
	gp = add_policy("vpn-phone-policy");
	set_none(gp, GPA_VPN_FILTER);
	set_str(gp, GPA_GROUP_LOCK, "vpn-phone-group");
	set_str(gp, GPA_DEFAULT_DOMAIN, "cisco.com");
	set_num(gp, GPA_VPN_SIMULTANEOUS_LOGINS, 0);
	set_list(gp, GPA_VPN_TUNNEL_PROTOCOL, "ikev2", "ssl-client", NULL);
	set_list(gp, GPA_DNS_SERVER, "10.198.29.20", NULL);
	set_num(gp, GPA_ANYCONNECT_SSL_DTLS, 0);
	set_str(gp, GPA_SPLIT_TUNNEL_POLICY, "tunnelspecified");
	add_policy("empty-policy");
}

static void setup(void)
{
	cfg = calloc(1, sizeof(*cfg));
	cfg->policies = calloc(N_POLICIES, sizeof(*cfg->policies));
	cfg->tunnel_groups = calloc(N_GROUPS, sizeof(*cfg->tunnel_groups));
	ck_assert(cfg != NULL && cfg->policies != NULL && cfg->tunnel_groups != NULL);
	cfg->webvpn.tunnel_group_list = 1;
	build_groups();
	build_policies();
}

static void teardown(void)
{
	cfg_free_test(cfg);
	cfg = NULL;
}

/* ---- core: tunnel-group selection */

#define H "asav.sckiewer.lab"
#define DFLT POLICY_DFLT_TG

static const struct sel_case {
	const char *what;
	const char *host;
	uint16_t port;
	const char *path;
	const char *group_select;
	int tg_list;            /* tunnel-group-list enable */
	const char *expect;     /* tunnel group name, NULL = refused */
	enum tg_how how;
} sels[] = {
	{ "alias", NULL, 443, "/", "PHONES", 1, "vpn-phone-group", TG_BY_ALIAS },
	{ "alias without tunnel-group-list", NULL, 443, "/", "MGMT", 0, "mgmt-group", TG_BY_ALIAS },
	{ "name with tunnel-group-list",
	  NULL, 443, "/", "mgmt-group", 1, "mgmt-group", TG_BY_ALIAS },
	{ "name without tunnel-group-list", NULL, 443, "/", "mgmt-group", 0, NULL, TG_BY_ALIAS },
	{ "unknown alias", NULL, 443, "/", "NOPE", 1, NULL, TG_BY_ALIAS },
	{ "unknown alias on a group-url", H, 443, "/phone", "NOPE", 1, NULL, TG_BY_ALIAS },
	{ "alias is case-sensitive", NULL, 443, "/", "phones", 1, NULL, TG_BY_ALIAS },
	{ "alias beats group-url", H, 443, "/phone", "MGMT", 1, "mgmt-group", TG_BY_ALIAS },
	{ "empty alias = none", H, 443, "/phone", "", 1, "vpn-phone-group", TG_BY_URL },
	{ "group-url", H, 443, "/phone", NULL, 1, "vpn-phone-group", TG_BY_URL },
	{ "group-url host case-insensitive",
	  "ASAV.Sckiewer.LAB", 443, "/phone", NULL, 1, "vpn-phone-group", TG_BY_URL },
	{ "group-url trailing slash", H, 443, "/phone/", NULL, 1, "vpn-phone-group", TG_BY_URL },
	{ "group-url with query", H, 443, "/phone?a=b", NULL, 1, "vpn-phone-group", TG_BY_URL },
	{ "group-url path case-sensitive", H, 443, "/Phone", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "group-url path is exact", H, 443, "/phone2", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "group-url prefix is no match", H, 443, "/phone/x", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "group-url other host", "other.example", 443, "/phone", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "group-url no Host header", NULL, 443, "/phone", NULL, 1, "vpn-phone-group", TG_BY_URL },
	{ "group-url by IP address", "10.0.0.1", 443, "/mgmt", NULL, 1, "mgmt-group", TG_BY_URL },
	{ "group-url IP, wrong IP", "10.0.0.2", 443, "/mgmt", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "group-url IPv6 literal",
	  "2001:db8::1", 443, "/mgmt6", NULL, 1, "mgmt-group", TG_BY_URL },
	{ "group-url IPv6 bracketed",
	  "[2001:DB8::1]", 443, "/mgmt6", NULL, 1, "mgmt-group", TG_BY_URL },
	{ "disabled group-url ignored", H, 443, "/old-phone", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "port-specific url wins on its port",
	  H, 8443, "/port", NULL, 1, "port-group", TG_BY_URL },
	{ "portless url on another port", H, 443, "/port", NULL, 1, "anyport-group", TG_BY_URL },
	{ "url with port, right port", H, 4443, "/only4443", NULL, 1, "port-group", TG_BY_URL },
	{ "url with port, wrong port", H, 443, "/only4443", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "url without host, any host",
	  "198.18.0.1", 443, "/anyhost", NULL, 1, "nohost-group", TG_BY_URL },
	{ "base url", H, 443, "/", NULL, 1, DFLT, TG_BY_DEFAULT },
	{ "no path", H, 443, NULL, NULL, 1, DFLT, TG_BY_DEFAULT },
};

START_TEST(test_select)
{
	const struct sel_case *c = &sels[_i];
	const struct cfg_tunnel_group *tg;
	enum tg_how how = 0;

	cfg->webvpn.tunnel_group_list = c->tg_list;
	tg = policy_select_tunnel_group(cfg, c->host, c->port, c->path,
					c->group_select, &how);
	ck_assert_msg((tg == NULL) == (c->expect == NULL) &&
			      (tg == NULL || strcmp(tg->name, c->expect) == 0),
		      "%s: expected %s, got %s", c->what,
		      c->expect ? c->expect : "NULL", tg ? tg->name : "NULL");
	ck_assert_msg(how == c->how, "%s: expected how %d, got %d", c->what,
		      c->how, how);
}
END_TEST

START_TEST(test_select_how_null)
{
	const struct cfg_tunnel_group *tg;

	tg = policy_select_tunnel_group(cfg, NULL, 443, "/phone", NULL, NULL);
	ck_assert_ptr_nonnull(tg);
	ck_assert_str_eq(tg->name, "vpn-phone-group");
}
END_TEST

static const struct path_case {
	const char *path;
	int known;
} paths[] = {
	{ "/", 1 },
	{ "/phone", 1 },
	{ "/phone/", 1 },
	{ "/mgmt", 1 },
	{ "/port", 1 },
	{ "/old-phone", 0 },  /* disabled */
	{ "/Phone", 0 },
	{ "/nope", 0 },
	{ "", 0 },
	{ NULL, 0 },
};

START_TEST(test_path_known)
{
	const struct path_case *c = &paths[_i];
	int got = policy_path_known(cfg, c->path);

	ck_assert_msg(got == c->known, "%s: expected %d, got %d",
		      c->path ? c->path : "NULL", c->known, got);
}
END_TEST

/* ---- core: inheritance */

/* The effective value as text, in the config's own spelling. */
static void eff_text(const struct gp_effective *e, enum gp_attr a, char *buf,
		     size_t len)
{
	const struct gp_value *v = e->v[a];
	size_t i, off = 0;

	if (v == NULL) {
		snprintf(buf, len, "(null)");
		return;
	}
	if (v->state != GP_VALUE) {
		snprintf(buf, len, v->state == GP_NONE ? "none" : "(unset)");
		return;
	}
	switch (gp_attr_table[a].type) {
	case GPT_INT:
	case GPT_BOOL:
		snprintf(buf, len, "%lld", v->num);
		break;
	case GPT_STR:
	case GPT_ENUM:
		snprintf(buf, len, "%s", v->str);
		break;
	case GPT_LIST:
		buf[0] = '\0';
		for (i = 0; i < v->n_list && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						i ? " " : "", v->list[i]);
		break;
	}
}

static const struct inh_case {
	const char *what;
	const char *policy;
	enum gp_attr attr;
	const char *expect;
	enum gp_origin origin;
} inhs[] = {
	{ "explicit none stops inheritance",
	  "vpn-phone-policy", GPA_VPN_FILTER, "none", GPO_POLICY },
	{ "unset inherits DfltGrpPolicy", "empty-policy", GPA_VPN_FILTER, "NO-TRAFFIC", GPO_DFLT },
	{ "policy value over DfltGrpPolicy",
	  "vpn-phone-policy", GPA_DEFAULT_DOMAIN, "cisco.com", GPO_POLICY },
	{ "inherited group-lock", "empty-policy", GPA_GROUP_LOCK, "DefaultWEBVPNGroup", GPO_DFLT },
	{ "DfltGrpPolicy over builtin", "empty-policy", GPA_VPN_IDLE_TIMEOUT, "45", GPO_DFLT },
	{ "builtin logins", "empty-policy", GPA_VPN_SIMULTANEOUS_LOGINS, "3", GPO_BUILTIN },
	{ "logins 0 is a value", "vpn-phone-policy", GPA_VPN_SIMULTANEOUS_LOGINS, "0", GPO_POLICY },
	{ "builtin tunnel protocols", "empty-policy", GPA_VPN_TUNNEL_PROTOCOL,
	  "ikev1 ikev2 l2tp-ipsec ssl-client ssl-clientless", GPO_BUILTIN },
	{ "policy tunnel protocols",
	  "vpn-phone-policy", GPA_VPN_TUNNEL_PROTOCOL, "ikev2 ssl-client", GPO_POLICY },
	{ "builtin session timeout none",
	  "vpn-phone-policy", GPA_VPN_SESSION_TIMEOUT, "none", GPO_BUILTIN },
	{ "builtin banner none", "empty-policy", GPA_BANNER, "none", GPO_BUILTIN },
	{ "builtin split tunnel",
	  "empty-policy", GPA_SPLIT_TUNNEL_POLICY, "tunnelall", GPO_BUILTIN },
	{ "policy split tunnel",
	  "vpn-phone-policy", GPA_SPLIT_TUNNEL_POLICY, "tunnelspecified", GPO_POLICY },
	{ "builtin dtls on", "empty-policy", GPA_ANYCONNECT_SSL_DTLS, "1", GPO_BUILTIN },
	{ "policy dtls none", "vpn-phone-policy", GPA_ANYCONNECT_SSL_DTLS, "0", GPO_POLICY },
	{ "builtin bypass off", "empty-policy", GPA_CLIENT_BYPASS_PROTOCOL, "0", GPO_BUILTIN },
	{ "DfltGrpPolicy chosen itself",
	  POLICY_DFLT_GRP, GPA_VPN_FILTER, "NO-TRAFFIC", GPO_POLICY },
	{ "DfltGrpPolicy chosen, builtin rest",
	  POLICY_DFLT_GRP, GPA_VPN_SIMULTANEOUS_LOGINS, "3", GPO_BUILTIN },
	{ "NULL policy means DfltGrpPolicy",
	  NULL, GPA_GROUP_LOCK, "DefaultWEBVPNGroup", GPO_POLICY },
	{ "missing policy falls back", "no-such-policy", GPA_VPN_FILTER, "NO-TRAFFIC", GPO_DFLT },
};

START_TEST(test_inherit)
{
	const struct inh_case *c = &inhs[_i];
	struct gp_effective e;
	char got[512];

	policy_resolve(cfg, c->policy, &e);
	ck_assert_str_eq(e.policy, c->policy ? c->policy : POLICY_DFLT_GRP);
	eff_text(&e, c->attr, got, sizeof(got));
	ck_assert_msg(strcmp(got, c->expect) == 0, "%s: %s expected \"%s\", got \"%s\"",
		      c->what, gp_attr_table[c->attr].key, c->expect, got);
	ck_assert_msg(e.origin[c->attr] == c->origin, "%s: expected origin %d, got %d",
		      c->what, c->origin, e.origin[c->attr]);
}
END_TEST

/* Every attribute resolves to something, even with no policies at all. */
START_TEST(test_resolve_complete)
{
	struct gp_effective e;
	int a;

	cfg->n_policies = 0;
	policy_resolve(cfg, "vpn-phone-policy", &e);
	cfg->n_policies = 3;
	for (a = 0; a < GPA__COUNT; a++) {
		ck_assert_msg(e.v[a] != NULL, "%s: no value", gp_attr_table[a].key);
		ck_assert_msg(e.origin[a] == GPO_BUILTIN, "%s: expected builtin, got %d",
			      gp_attr_table[a].key, e.origin[a]);
	}
}
END_TEST

/* ---- core: typed accessors */

START_TEST(test_accessors)
{
	struct gp_effective phone, empty;

	policy_resolve(cfg, "vpn-phone-policy", &phone);
	policy_resolve(cfg, "empty-policy", &empty);
	ck_assert_ptr_null(gp_str_or(&phone, GPA_VPN_FILTER, NULL));
	ck_assert_str_eq(gp_str_or(&empty, GPA_VPN_FILTER, "-"), "NO-TRAFFIC");
	ck_assert_int_eq(gp_num_or(&phone, GPA_VPN_SESSION_TIMEOUT, -1), -1);
	ck_assert_int_eq(gp_num_or(&empty, GPA_VPN_IDLE_TIMEOUT, -1), 45);
	ck_assert_int_eq(gp_num_or(&phone, GPA_VPN_SIMULTANEOUS_LOGINS, -1), 0);
	ck_assert_int_eq(gp_num_or(&empty, GPA_ANYCONNECT_MTU, -1), 1406);
	ck_assert_int_eq(gp_list_has(&phone, GPA_VPN_TUNNEL_PROTOCOL, "ssl-client"), 1);
	ck_assert_int_eq(gp_list_has(&phone, GPA_VPN_TUNNEL_PROTOCOL, "ikev1"), 0);
	ck_assert_int_eq(gp_list_has(&phone, GPA_VPN_TUNNEL_PROTOCOL, "ssl"), 0);
	ck_assert_int_eq(gp_list_has(&empty, GPA_VPN_TUNNEL_PROTOCOL, "ssl-clientless"), 1);
	ck_assert_int_eq(gp_list_has(&phone, GPA_DNS_SERVER, "10.198.29.20"), 1);
	ck_assert_int_eq(gp_list_has(&empty, GPA_DNS_SERVER, "10.198.29.20"), 0);
	ck_assert_int_eq(gp_list_has(&empty, GPA_WINS_SERVER, "none"), 0);
}
END_TEST

/* ---- core: built-in defaults (gpattrs.def, show run all group-policy) */

static const struct builtin_case {
	enum gp_attr attr;
	const char *expect;
} builtins[] = {
	{ GPA_BANNER, "none" },
	{ GPA_WINS_SERVER, "none" },
	{ GPA_DHCP_NETWORK_SCOPE, "none" },
	{ GPA_VPN_ACCESS_HOURS, "none" },
	{ GPA_VPN_SIMULTANEOUS_LOGINS, "3" },
	{ GPA_VPN_IDLE_TIMEOUT, "30" },
	{ GPA_VPN_IDLE_TIMEOUT_ALERT, "1" },
	{ GPA_VPN_SESSION_TIMEOUT, "none" },
	{ GPA_VPN_SESSION_TIMEOUT_ALERT, "1" },
	{ GPA_VPN_FILTER, "none" },
	{ GPA_IPV6_VPN_FILTER, "none" },
	{ GPA_VPN_TUNNEL_PROTOCOL, "ikev1 ikev2 l2tp-ipsec ssl-client ssl-clientless" },
	{ GPA_GROUP_LOCK, "none" },
	{ GPA_ANYCONNECT_MTU, "1406" },
};

START_TEST(test_builtin)
{
	const struct builtin_case *c = &builtins[_i];
	struct gp_effective e;
	char got[512];
	int a;

	for (a = 0; a < GPA__COUNT; a++)
		e.v[a] = gp_builtin((enum gp_attr)a);
	eff_text(&e, c->attr, got, sizeof(got));
	ck_assert_msg(strcmp(got, c->expect) == 0, "builtin %s: expected \"%s\", got \"%s\"",
		      gp_attr_table[c->attr].key, c->expect, got);
}
END_TEST

/* ---- limits: every row of gpattrs.def parses consistently */

START_TEST(test_builtin_all_rows)
{
	const struct gp_attr_info *info = &gp_attr_table[_i];
	const struct gp_value *v = gp_builtin((enum gp_attr)_i);
	int is_none = strcmp(info->dflt, "none") == 0;

	ck_assert_ptr_eq(v, gp_builtin((enum gp_attr)_i)); /* parsed once */
	ck_assert_msg(v->state == (is_none ? GP_NONE : GP_VALUE),
		      "%s: default \"%s\" expected state %d, got %d", info->key,
		      info->dflt, is_none ? GP_NONE : GP_VALUE, v->state);
	if (is_none)
		return;
	if (info->type == GPT_LIST)
		ck_assert_msg(v->n_list > 0 && v->n_list <= CFG_LIST_MAX,
			      "%s: %zu items", info->key, v->n_list);
	if (info->type == GPT_INT)
		ck_assert_msg(v->num >= info->min && v->num <= info->max,
			      "%s: default %lld outside %lld..%lld", info->key,
			      v->num, info->min, info->max);
	if (info->type == GPT_STR || info->type == GPT_ENUM)
		ck_assert_str_eq(v->str, info->dflt);
}
END_TEST

START_TEST(test_accessor_bad_attr)
{
	struct gp_effective e;

	policy_resolve(cfg, "vpn-phone-policy", &e);
	ck_assert_int_eq(gp_num_or(&e, GPA__COUNT, -7), -7);
	ck_assert_str_eq(gp_str_or(&e, GPA__COUNT, "x"), "x");
	ck_assert_int_eq(gp_list_has(&e, GPA__COUNT, "ssl-client"), 0);
	ck_assert_int_eq(gp_list_has(&e, GPA_VPN_TUNNEL_PROTOCOL, NULL), 0);
}
END_TEST

START_TEST(test_select_empty_config)
{
	struct sslvpnd_config empty;
	enum tg_how how = 0;

	memset(&empty, 0, sizeof(empty));
	ck_assert_ptr_null(policy_select_tunnel_group(&empty, "h", 443, "/x", NULL, &how));
	ck_assert_int_eq(how, TG_BY_DEFAULT);
	ck_assert_int_eq(policy_path_known(&empty, "/"), 1);
	ck_assert_int_eq(policy_path_known(&empty, "/x"), 0);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_loop_test(core, test_select, 0, (int)ARRAY_SIZE(sels));
	tcase_add_test(core, test_select_how_null);
	tcase_add_loop_test(core, test_path_known, 0, (int)ARRAY_SIZE(paths));
	tcase_add_loop_test(core, test_inherit, 0, (int)ARRAY_SIZE(inhs));
	tcase_add_test(core, test_resolve_complete);
	tcase_add_test(core, test_accessors);
	tcase_add_loop_test(core, test_builtin, 0, (int)ARRAY_SIZE(builtins));
	suite_add_tcase(s, core);

	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_loop_test(limits, test_builtin_all_rows, 0, GPA__COUNT);
	tcase_add_test(limits, test_accessor_bad_attr);
	tcase_add_test(limits, test_select_empty_config);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
