/* show running-config views in ASA syntax, from a config snapshot and the
 * group-policy resolver.  Pure (writes only to the stream it is given). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/showrun.h"

/* ASA spelling of the attributes whose CLI differs from the config key or
 * from the generic rules below: the words (vpn-idle-timeout alert-interval),
 * the group policy's webvpn sub-mode, the word for a false boolean, and
 * strings written without "value".  ASA command reference:
 *   anyconnect ssl dtls {enable | none}      (seed 004, asa-behaviour.md 1)
 *   anyconnect ssl compression {deflate | lzs | none}, anyconnect dtls
 *   compression {lzs | none} (lz4 is openconnect's, spelled the same way)
 *   anyconnect ssl rekey {time MIN | method ssl|new-tunnel|none} (no "value")
 *   dhcp-network-scope {ip_address | none}   (no "value" keyword) */
static const struct sr_spelling {
	enum gp_attr a;
	const char *cli;
	int webvpn;
	const char *off; /* GPT_BOOL false; NULL = "disable" */
	int bare;        /* GPT_STR without "value" */
	int each;        /* GPT_LIST: one line per entry, as the ASA prints
			  * anyconnect profiles value X type T / anyconnect-custom */
} sr_cli[] = {
	{ GPA_DHCP_NETWORK_SCOPE, "dhcp-network-scope", 0, NULL, 1, 0 },
	{ GPA_VPN_IDLE_TIMEOUT_ALERT, "vpn-idle-timeout alert-interval", 0, NULL, 0, 0 },
	{ GPA_VPN_SESSION_TIMEOUT_ALERT, "vpn-session-timeout alert-interval", 0, NULL, 0, 0 },
	{ GPA_ANYCONNECT_MTU, "anyconnect mtu", 1, NULL, 0, 0 },
	{ GPA_ANYCONNECT_SSL_KEEPALIVE, "anyconnect ssl keepalive", 1, NULL, 0, 0 },
	{ GPA_ANYCONNECT_DPD_CLIENT, "anyconnect dpd-interval client", 1, NULL, 0, 0 },
	{ GPA_ANYCONNECT_DPD_GATEWAY, "anyconnect dpd-interval gateway", 1, NULL, 0, 0 },
	{ GPA_ANYCONNECT_SSL_DTLS, "anyconnect ssl dtls", 1, "none", 0, 0 },
	{ GPA_ANYCONNECT_SSL_COMPRESSION, "anyconnect ssl compression", 1, NULL, 0, 0 },
	{ GPA_ANYCONNECT_DTLS_COMPRESSION, "anyconnect dtls compression", 1, NULL, 0, 0 },
	{ GPA_ANYCONNECT_PROFILES, "anyconnect profiles", 1, NULL, 0, 1 },
	{ GPA_ANYCONNECT_CUSTOM, "anyconnect-custom", 1, NULL, 1, 1 },
	{ GPA_ANYCONNECT_SSL_REKEY_TIME, "anyconnect ssl rekey time", 1, NULL, 0, 0 },
	{ GPA_ANYCONNECT_SSL_REKEY_METHOD, "anyconnect ssl rekey method", 1, NULL, 1, 0 },
};

static const struct sr_spelling *sr_spelling(enum gp_attr a)
{
	for (size_t i = 0; i < sizeof(sr_cli) / sizeof(sr_cli[0]); i++)
		if (sr_cli[i].a == a)
			return &sr_cli[i];
	return NULL;
}

static const char *sr_name(enum gp_attr a, int *webvpn)
{
	const struct sr_spelling *sp = sr_spelling(a);

	*webvpn = sp ? sp->webvpn : 0;
	return sp ? sp->cli : gp_attr_table[a].key;
}

/* Names and free text take "value" (group-lock value X); numbers, enums
 * and keyword lists (vpn-tunnel-protocol) do not. */
static int sr_takes_value(enum gp_attr a)
{
	const struct gp_attr_info *i = &gp_attr_table[a];
	const struct sr_spelling *sp = sr_spelling(a);

	if (sp && sp->bare)
		return 0;
	return i->type == GPT_STR || (i->type == GPT_LIST && i->allowed == NULL);
}

static const char *sr_bool(enum gp_attr a, long long v)
{
	const struct sr_spelling *sp = sr_spelling(a);

	if (v)
		return "enable";
	return sp && sp->off ? sp->off : "disable";
}

static void sr_value(FILE *fp, enum gp_attr a, const struct gp_value *v, size_t only)
{
	const struct gp_attr_info *i = &gp_attr_table[a];

	if (only != SIZE_MAX) {  /* one entry of an `each` list */
		fprintf(fp, "%s%s", sr_takes_value(a) ? "value " : "", v->list[only]);
		return;
	}
	if (v->state != GP_VALUE) {
		fputs("none", fp);
		return;
	}
	if (sr_takes_value(a))
		fputs("value ", fp);
	switch (i->type) {
	case GPT_INT: fprintf(fp, "%lld", v->num); break;
	case GPT_BOOL: fputs(sr_bool(a, v->num), fp); break;
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
		const struct sr_spelling *sp = sr_spelling((enum gp_attr)a);
		int each = sp && sp->each && v->state == GP_VALUE;
		size_t k = 0, lines = each ? v->n_list : 1;

		for (; k < lines; k++) {
			fprintf(fp, "%s%s ", want_webvpn ? "  " : " ", cli);
			sr_value(fp, (enum gp_attr)a, v, each ? k : SIZE_MAX);
			if (e)
				fprintf(fp, "  ! %s", sr_origin(e->origin[a]));
			fputc('\n', fp);
		}
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

/* username-from-certificate fields the ASA itself knows (the rest of the
 * config's choices are sslvpnd's phone extensions) */
static int sr_asa_ufc(const char *f)
{
	static const char *const asa[] = { "CN", "OU", "O", "EA", "UPN", "C", "ST", "L", "SER" };

	for (size_t i = 0; i < sizeof(asa) / sizeof(asa[0]); i++)
		if (!strcmp(f, asa[i]))
			return 1;
	return 0;
}

/* The AAA server groups of a tunnel group (general-attributes, S15). */
static void sr_aaa_groups(FILE *fp, const struct cfg_tunnel_group *tg)
{
	if (tg->authentication_server_group[0])
		fprintf(fp, " authentication-server-group %s\n", tg->authentication_server_group);
	if (tg->authorization_server_group[0])
		fprintf(fp, " authorization-server-group %s\n", tg->authorization_server_group);
	if (tg->accounting_server_group[0])
		fprintf(fp, " accounting-server-group %s\n", tg->accounting_server_group);
	if (tg->authorize_required)
		fputs(" authorization-required\n", fp);
}

static int sr_has_aaa(const struct cfg_tunnel_group *tg)
{
	return tg->authentication_server_group[0] || tg->authorization_server_group[0] ||
	       tg->accounting_server_group[0] || tg->authorize_required;
}

static void sr_general(FILE *fp, const struct cfg_tunnel_group *tg)
{
	int dgp = strcmp(tg->default_group_policy, POLICY_DFLT_GRP) != 0;
	int ufc = strcmp(tg->username_from_certificate, "CN") != 0;

	if (!tg->address_pools.n && !tg->ipv6_address_pools.n && !dgp && !ufc && !sr_has_aaa(tg))
		return;
	fprintf(fp, "tunnel-group %s general-attributes\n", tg->name);
	sr_names(fp, "address-pool", &tg->address_pools);
	sr_names(fp, "ipv6-address-pool", &tg->ipv6_address_pools);
	sr_aaa_groups(fp, tg);
	if (dgp)
		fprintf(fp, " default-group-policy %s\n", tg->default_group_policy);
	if (ufc && sr_asa_ufc(tg->username_from_certificate))
		fprintf(fp, " username-from-certificate %s\n", tg->username_from_certificate);
	else if (ufc) /* DEVICE, MAC: no ASA spelling, so a comment */
		fprintf(fp, " ! sslvpnd: username-from-certificate %s\n",
			tg->username_from_certificate);
}

static void sr_webvpn(FILE *fp, const struct cfg_tunnel_group *tg)
{
	size_t i;

	if (tg->authentication == CFG_AUTH_AAA && !tg->n_urls && !tg->aliases.n &&
	    !tg->without_csd && !tg->validation_trustpoints.n && !tg->asa_compat.n)
		return;
	fprintf(fp, "tunnel-group %s webvpn-attributes\n", tg->name);
	if (tg->authentication != CFG_AUTH_AAA)
		fprintf(fp, " authentication %s\n", sr_auth(tg->authentication));
	/* no ASA command restricts a tunnel group's CAs: a comment */
	if (tg->validation_trustpoints.n) {
		fputs(" ! sslvpnd: validation-trustpoints", fp);
		for (i = 0; i < tg->validation_trustpoints.n; i++)
			fprintf(fp, " %s", tg->validation_trustpoints.v[i]);
		fputc('\n', fp);
	}
	/* failure modes reproduced on purpose (not an ASA command): shown, so
	 * nobody mistakes them for a fault */
	if (tg->asa_compat.n) {
		fputs(" ! sslvpnd: asa-compat", fp);
		for (i = 0; i < tg->asa_compat.n; i++)
			fprintf(fp, " %s", tg->asa_compat.v[i]);
		fputc('\n', fp);
	}
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

/* ---- aaa-server groups (S15): keys and passwords as *****, as the ASA */
static void sr_aaa_host(FILE *fp, const struct cfg_aaa_server *as, const struct cfg_aaa_host *h)
{
	static const char *const scope[] = { "onelevel", "subtree" };

	fprintf(fp, "aaa-server %s (%s) host %s\n", as->name,
		h->interface[0] ? h->interface : "outside", h->address);
	fprintf(fp, " timeout %d\n", h->timeout);
	if (as->protocol == CFG_AAA_RADIUS) {
		fprintf(fp, " retry-interval %d\n", h->retry_interval);
		fprintf(fp, " authentication-port %d\n accounting-port %d\n",
			h->authentication_port, h->accounting_port);
		fputs(" key *****\n", fp);
		return;
	}
	fprintf(fp, " server-port %d\n", h->authentication_port);
	if (h->ldap_base_dn[0])
		fprintf(fp, " ldap-base-dn %s\n", h->ldap_base_dn);
	fprintf(fp, " ldap-scope %s\n", scope[h->ldap_scope ? 1 : 0]);
	if (h->ldap_naming_attribute[0])
		fprintf(fp, " ldap-naming-attribute %s\n", h->ldap_naming_attribute);
	if (h->ldap_login_dn[0])
		fprintf(fp, " ldap-login-password *****\n ldap-login-dn %s\n", h->ldap_login_dn);
	if (h->ldap_over_ssl)
		fputs(" ldap-over-ssl enable\n", fp);
	fprintf(fp, " server-type %s\n", h->server_type);
	if (h->ldap_attribute_map[0])
		fprintf(fp, " ldap-attribute-map %s\n", h->ldap_attribute_map);
}

static void sr_aaa(FILE *fp, const struct cfg_aaa_server *as)
{
	fprintf(fp, "aaa-server %s protocol %s\n", as->name,
		as->protocol == CFG_AAA_LDAP ? "ldap" : "radius");
	if (as->max_failed_attempts != 3)
		fprintf(fp, " max-failed-attempts %d\n", as->max_failed_attempts);
	if (as->reactivation_mode == CFG_AAA_TIMED)
		fputs(" reactivation-mode timed\n", fp);
	else
		fprintf(fp, " reactivation-mode depletion deadtime %d\n", as->deadtime);
	if (as->interim_accounting_update)
		fprintf(fp, " ! sslvpnd: interim-accounting-update %d seconds\n",
			as->interim_accounting_update);
	if (as->dynamic_authorization)
		fprintf(fp, " dynamic-authorization port %d\n", as->dynamic_authorization_port);
	for (size_t h = 0; h < as->n_hosts; h++)
		sr_aaa_host(fp, as, &as->hosts[h]);
}

int showrun_aaa_server(FILE *fp, const struct sslvpnd_config *cfg, const char *name)
{
	const struct cfg_aaa_server *as;

	if (name) {
		if (!(as = config_aaa_server(cfg, name)))
			return -1;
		sr_aaa(fp, as);
		return 0;
	}
	for (size_t i = 0; i < cfg->n_aaa_servers; i++)
		sr_aaa(fp, &cfg->aaa_servers[i]);
	return 0;
}

/* ---- access lists */
static void sr_acl(FILE *fp, const struct cfg_acl *acl)
{
	char buf[ACL_TEXT_MAX];

	for (size_t i = 0; i < acl->n; i++) {
		if (acl_format_entry(acl->type, &acl->e[i], buf, sizeof(buf)) < 0)
			continue;
		/* the ASA: access-list NAME remark TEXT (no type word) */
		if (acl->e[i].remark)
			fprintf(fp, "access-list %s %s\n", acl->name, buf);
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
