/* show running-config views in ASA syntax, from a config snapshot and the
 * group-policy resolver.  Pure (writes only to the stream it is given). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/showrun.h"

/* ASA spelling of the attributes whose CLI differs from the config key,
 * and those living in the group policy's webvpn sub-mode. */
static const struct {
	enum gp_attr a;
	const char *cli;
	int webvpn;
} sr_cli[] = {
	{ GPA_VPN_IDLE_TIMEOUT_ALERT, "vpn-idle-timeout alert-interval", 0 },
	{ GPA_VPN_SESSION_TIMEOUT_ALERT, "vpn-session-timeout alert-interval", 0 },
	{ GPA_ANYCONNECT_MTU, "anyconnect mtu", 1 },
	{ GPA_ANYCONNECT_SSL_KEEPALIVE, "anyconnect ssl keepalive", 1 },
	{ GPA_ANYCONNECT_DPD_CLIENT, "anyconnect dpd-interval client", 1 },
	{ GPA_ANYCONNECT_DPD_GATEWAY, "anyconnect dpd-interval gateway", 1 },
	{ GPA_ANYCONNECT_SSL_DTLS, "anyconnect ssl dtls", 1 },
};

static const char *sr_name(enum gp_attr a, int *webvpn)
{
	for (size_t i = 0; i < sizeof(sr_cli) / sizeof(sr_cli[0]); i++)
		if (sr_cli[i].a == a) {
			*webvpn = sr_cli[i].webvpn;
			return sr_cli[i].cli;
		}
	*webvpn = 0;
	return gp_attr_table[a].key;
}

/* Names and free text take "value" (group-lock value X); numbers, enums
 * and keyword lists (vpn-tunnel-protocol) do not. */
static int sr_takes_value(const struct gp_attr_info *i)
{
	return i->type == GPT_STR || (i->type == GPT_LIST && i->allowed == NULL);
}

static void sr_value(FILE *fp, enum gp_attr a, const struct gp_value *v)
{
	const struct gp_attr_info *i = &gp_attr_table[a];

	if (v->state != GP_VALUE) {
		fputs("none", fp);
		return;
	}
	if (sr_takes_value(i))
		fputs("value ", fp);
	switch (i->type) {
	case GPT_INT: fprintf(fp, "%lld", v->num); break;
	case GPT_BOOL: fputs(v->num ? "enable" : "disable", fp); break;
	case GPT_STR:
	case GPT_ENUM: fputs(v->str ? v->str : "", fp); break;
	case GPT_LIST:
		for (size_t k = 0; k < v->n_list; k++)
			fprintf(fp, "%s%s", k ? " " : "", v->list[k]);
		break;
	}
}

static const char *sr_origin(enum gp_origin o)
{
	return o == GPO_POLICY ? "set" : o == GPO_DFLT ? POLICY_DFLT_GRP : "built-in default";
}

/* One section (attributes or webvpn) of a policy. */
static int sr_section(FILE *fp, const struct cfg_group_policy *gp,
		      const struct gp_effective *e, int want_webvpn, int header)
{
	int a, webvpn, n = 0;

	for (a = 0; a < GPA__COUNT; a++) {
		const char *cli = sr_name((enum gp_attr)a, &webvpn);
		const struct gp_value *v = e ? e->v[a] : &gp->attr[a];

		if (webvpn != want_webvpn || (!e && v->state == GP_UNSET))
			continue;
		if (n++ == 0 && header)
			fputs(" webvpn\n", fp);
		fprintf(fp, "%s%s ", want_webvpn ? "  " : " ", cli);
		sr_value(fp, (enum gp_attr)a, v);
		if (e)
			fprintf(fp, "  ! %s", sr_origin(e->origin[a]));
		fputc('\n', fp);
	}
	return n;
}

static int sr_has_set(const struct cfg_group_policy *gp)
{
	for (int a = 0; a < GPA__COUNT; a++)
		if (gp->attr[a].state != GP_UNSET)
			return 1;
	return 0;
}

static void sr_policy(FILE *fp, const struct sslvpnd_config *cfg,
		      const struct cfg_group_policy *gp, int all)
{
	struct gp_effective e;
	int dflt = strcmp(gp->name, POLICY_DFLT_GRP) == 0;

	if (!dflt)
		fprintf(fp, "group-policy %s internal\n", gp->name);
	if (!all && !sr_has_set(gp))
		return;
	fprintf(fp, "group-policy %s attributes\n", gp->name);
	if (all)
		policy_resolve(cfg, gp->name, &e);
	sr_section(fp, gp, all ? &e : NULL, 0, 0);
	sr_section(fp, gp, all ? &e : NULL, 1, 1);
}

int showrun_group_policy(FILE *fp, const struct sslvpnd_config *cfg,
			 const char *name, int all)
{
	const struct cfg_group_policy *gp;
	size_t i;

	if (name) {
		if (!(gp = config_group_policy(cfg, name)))
			return -1;
		sr_policy(fp, cfg, gp, all);
		return 0;
	}
	for (i = 0; i < cfg->n_policies; i++)
		sr_policy(fp, cfg, &cfg->policies[i], all);
	return 0;
}

/* ---- tunnel groups */
static const char *sr_auth(enum cfg_auth a)
{
	return a == CFG_AUTH_CERTIFICATE ? "certificate"
	       : a == CFG_AUTH_AAA_CERTIFICATE ? "aaa certificate" : "aaa";
}

static void sr_names(FILE *fp, const char *what, const struct cfg_name_list *l)
{
	if (!l->n)
		return;
	fprintf(fp, " %s", what);
	for (size_t i = 0; i < l->n; i++)
		fprintf(fp, " %s", l->v[i]);
	fputc('\n', fp);
}

static void sr_general(FILE *fp, const struct cfg_tunnel_group *tg)
{
	int dgp = strcmp(tg->default_group_policy, POLICY_DFLT_GRP) != 0;
	int ufc = strcmp(tg->username_from_certificate, "CN") != 0;

	if (!tg->address_pools.n && !tg->ipv6_address_pools.n && !dgp && !ufc)
		return;
	fprintf(fp, "tunnel-group %s general-attributes\n", tg->name);
	sr_names(fp, "address-pool", &tg->address_pools);
	sr_names(fp, "ipv6-address-pool", &tg->ipv6_address_pools);
	if (dgp)
		fprintf(fp, " default-group-policy %s\n", tg->default_group_policy);
	if (ufc)
		fprintf(fp, " username-from-certificate %s\n", tg->username_from_certificate);
}

static void sr_webvpn(FILE *fp, const struct cfg_tunnel_group *tg)
{
	size_t i;

	if (tg->authentication == CFG_AUTH_AAA && !tg->n_urls && !tg->aliases.n &&
	    !tg->without_csd && !tg->validation_trustpoints.n)
		return;
	fprintf(fp, "tunnel-group %s webvpn-attributes\n", tg->name);
	if (tg->authentication != CFG_AUTH_AAA)
		fprintf(fp, " authentication %s\n", sr_auth(tg->authentication));
	for (i = 0; i < tg->validation_trustpoints.n; i++)
		fprintf(fp, " ssl-trustpoint %s\n", tg->validation_trustpoints.v[i]);
	for (i = 0; i < tg->n_urls; i++)
		fprintf(fp, " group-url %s %s\n", tg->urls[i].url,
			tg->urls[i].enabled ? "enable" : "disable");
	for (i = 0; i < tg->aliases.n; i++)
		fprintf(fp, " group-alias %s enable\n", tg->aliases.v[i]);
	if (tg->without_csd)
		fputs(" without-csd\n", fp);
}

static void sr_tg(FILE *fp, const struct cfg_tunnel_group *tg)
{
	/* the ASA never prints the type of its built-in DefaultWEBVPNGroup */
	if (strcmp(tg->name, POLICY_DFLT_TG) != 0)
		fprintf(fp, "tunnel-group %s type remote-access\n", tg->name);
	sr_general(fp, tg);
	sr_webvpn(fp, tg);
}

int showrun_tunnel_group(FILE *fp, const struct sslvpnd_config *cfg, const char *name)
{
	const struct cfg_tunnel_group *tg;
	size_t i;

	if (name) {
		if (!(tg = config_tunnel_group(cfg, name)))
			return -1;
		sr_tg(fp, tg);
		return 0;
	}
	for (i = 0; i < cfg->n_tunnel_groups; i++)
		sr_tg(fp, &cfg->tunnel_groups[i]);
	return 0;
}

/* ---- access lists */
static void sr_acl(FILE *fp, const struct cfg_acl *acl)
{
	char buf[ACL_TEXT_MAX];

	for (size_t i = 0; i < acl->n; i++) {
		if (acl_format_entry(acl->type, &acl->e[i], buf, sizeof(buf)) < 0)
			continue;
		if (acl->e[i].remark)
			fprintf(fp, "access-list %s remark\n", acl->name);
		else
			fprintf(fp, "access-list %s %s %s\n", acl->name,
				acl_type_name(acl->type), buf);
	}
}

int showrun_access_list(FILE *fp, const struct sslvpnd_config *cfg, const char *name)
{
	const struct cfg_acl *acl;
	size_t i;

	if (name) {
		if (!(acl = config_acl(cfg, name)))
			return -1;
		sr_acl(fp, acl);
		return 0;
	}
	for (i = 0; i < cfg->n_acls; i++)
		sr_acl(fp, &cfg->acls[i]);
	return 0;
}
