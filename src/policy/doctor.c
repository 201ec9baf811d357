/* doctor: the seeds' failure modes found in a configuration (doctor.h).
 *
 * One table of checks; each reads the snapshot (and the certificate facts
 * main gathered) and adds findings naming the seed section the failure is
 * documented in and the fix in sslvpnd.conf syntax.  No I/O but the
 * printing at the end, no OpenSSL. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "sslvpnd/dap.h"
#include "sslvpnd/doctor.h"
#include "sslvpnd/dtlsneg.h"
#include "sslvpnd/json.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/util.h"

#define DAY 86400

struct doc_ctx {
	const struct sslvpnd_config *cfg;
	const struct doc_facts *facts;     /* NULL: no certificate checks */
	struct doc_report *rep;
	const struct doc_check *chk;       /* the running check */
};

struct doc_check {
	const char *name;
	const char *seed;
	void (*run)(struct doc_ctx *c);
};

static void finding(struct doc_ctx *c, enum doc_sev sev, const char *object,
		    const char *fix, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void finding(struct doc_ctx *c, enum doc_sev sev, const char *object,
		    const char *fix, const char *fmt, ...)
{
	struct doc_report *r = c->rep;
	va_list ap;

	if (sev > r->worst)
		r->worst = sev;
	if (r->n >= DOC_MAX_FINDINGS) {
		r->dropped++;
		return;
	}
	struct doc_finding *f = &r->f[r->n++];

	f->sev = sev;
	f->check = c->chk->name;
	f->seed = c->chk->seed;
	util_strlcpy(f->object, object, sizeof(f->object));
	util_strlcpy(f->fix, fix ? fix : "", sizeof(f->fix));
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
}

static void tg_object(const struct cfg_tunnel_group *tg, char *buf, size_t len)
{
	snprintf(buf, len, "tunnel group %s", tg->name);
}

/* The group policy of a tunnel group's sessions (no user override). */
static const char *tg_policy(const struct cfg_tunnel_group *tg)
{
	return *tg->default_group_policy ? tg->default_group_policy : "DfltGrpPolicy";
}

int doctor_phone_group(const struct cfg_tunnel_group *tg)
{
	char low[CFG_NAME_MAX];
	size_t i;

	if (tg->builtin)
		return 0;
	if (tg->authentication != CFG_AUTH_AAA || tg->without_csd)
		return 1;
	for (i = 0; tg->name[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)(tg->name[i] | 0x20);
	low[i] = '\0';
	return strstr(low, "phone") != NULL;
}

static int any_phone_group(const struct sslvpnd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++)
		if (doctor_phone_group(&cfg->tunnel_groups[i]))
			return 1;
	return 0;
}

/* ---- dtls-twin (seed 000: DTLS connection failure) */

/* What each phone family offers (phones.md, the seed logs; the same rows
 * as sslvpn-phone's profiles).  dtls09 "=" asks for the TLS suite. */
static const struct doc_family {
	const char *name;
	int tls;               /* enum cfg_sslver of its TLS version */
	const char *tls_offer;
	const char *dtls09;
	const char *dtls12;
} families[] = {
	{ "7962G (79xx, TLS 1.0)", CFG_TLSV1, "AES256-SHA:AES128-SHA", "=", NULL },
	{ "8861 (88xx, TLS 1.2)", CFG_TLSV1_2,
	  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:AES128-SHA",
	  "AES256-SHA:AES128-SHA", "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256" },
};

static const char *const ver_key[CFG_SSLVER__COUNT] = {
	[CFG_TLSV1] = "tlsv1", [CFG_TLSV1_1] = "tlsv1_1", [CFG_TLSV1_2] = "tlsv1_2",
	[CFG_DTLSV1] = "dtlsv1", [CFG_DTLSV1_2] = "dtlsv1_2",
};

/* The suite the server picks for an offer: the first of its own list the
 * client offered (server preference, as the ASA).  0 when none is named
 * literally (OpenSSL keywords such as HIGH cannot be judged here). */
static int tls_choice(const char *list, const char *offer, char *out, size_t len)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ":");

		if (n && n < len) {
			memcpy(out, p, n);
			out[n] = '\0';
			if (dtls_list_has(offer, out))
				return 1;
		}
		p += n + (p[n] == ':');
	}
	return 0;
}

static int tls10_allowed(const struct sslvpnd_config *cfg)
{
	const char *v = cfg->ssl.server_version;

	return !*v || !strcmp(v, "tlsv1") || !strcmp(v, "any");
}

static int is09(const char *s)
{
	return !strcmp(s, "AES256-SHA") || !strcmp(s, "AES128-SHA");
}

static void twin_fix(const struct sslvpnd_config *cfg, const struct doc_family *f,
		     const char *tls, char *fix, size_t len)
{
	int v = strstr(tls, "-GCM-") && f->dtls12 ? CFG_DTLSV1_2 : CFG_DTLSV1;
	const char *cur = cfg->ssl.cipher[v];

	if (v == CFG_DTLSV1 && !is09(tls))
		snprintf(fix, len,
			 "DTLS 0.9 has AES256-SHA and AES128-SHA only: put one of them first in "
			 "ssl = { cipher = { %s = \"AES256-SHA:%s\"; }; }; and in dtlsv1",
			 ver_key[f->tls], cfg->ssl.cipher[f->tls]);
	else
		snprintf(fix, len, "ssl = { cipher = { %s = \"%s%s%s\"; }; };", ver_key[v], cur,
			 *cur ? ":" : "", tls);
}

static void chk_dtls_twin(struct doc_ctx *c)
{
	static const char zero[97] =
		"000000000000000000000000000000000000000000000000"
		"000000000000000000000000000000000000000000000000";
	const struct sslvpnd_config *cfg = c->cfg;
	char tls[DTLSNEG_SUITE_MAX], fix[DOC_FIX_MAX];
	int compat = config_asa_compat_any(cfg, CFG_ASA_COMPAT_DTLS_CIPHER);

	if (!any_phone_group(cfg))
		return;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct doc_family *f = &families[i];
		struct dtls_choice ch;

		if ((f->tls == CFG_TLSV1 && !tls10_allowed(cfg)) ||
		    !tls_choice(cfg->ssl.cipher[f->tls], f->tls_offer, tls, sizeof(tls)))
			continue;
		struct dtls_offer o = {
			.master_secret = zero,
			.suites = strcmp(f->dtls09, "=") ? f->dtls09 : tls,
			.suites12 = f->dtls12,
		};
		struct dtls_policy p = {
			.enabled = 1, .tls_suite = tls,
			.list09 = cfg->ssl.cipher[CFG_DTLSV1], .list12 = cfg->ssl.cipher[CFG_DTLSV1_2],
		};

		if (dtls_negotiate(&o, &p, &ch) != DTLS_MODE_NONE && ch.twin)
			continue;
		twin_fix(cfg, f, tls, fix, sizeof(fix));
		if (ch.mode != DTLS_MODE_NONE)
			finding(c, DOC_WARNING, "ssl cipher", fix,
				"phones %s: TLS negotiates %s but DTLS would use %s: the phone cannot "
				"run DTLS on another suite than TLS and retries DTLS for ever",
				f->name, tls, ch.suite);
		else
			finding(c, DOC_WARNING, "ssl cipher", fix,
				"phones %s: TLS negotiates %s, which the DTLS lists lack: %s",
				f->name, tls,
				compat ? "sslvpnd offers no DTLS (100404: voice over TCP), except to "
					 "tunnel groups with asa-compat dtls-cipher, where the phone "
					 "retries DTLS for ever (deliberate)"
				       : "sslvpnd offers no DTLS (100404: voice over TCP); an ASA would "
					 "offer its dtlsv1 suite and the phone would retry DTLS for ever");
	}
}

/* ---- ec-temp-cert (seed 000: ASA selecting an EC cipher, CSCuu02848) */

static void iface_keys(const struct doc_ctx *c, const struct cfg_interface *ifc,
		       int *rsa, int *ec)
{
	*rsa = *ec = 0;
	for (size_t t = 0; t < ifc->trustpoints.n; t++)
		for (size_t i = 0; i < c->facts->n; i++) {
			const struct doc_cert *d = &c->facts->c[i];

			if (!d->ca && !strcmp(d->tp, ifc->trustpoints.v[t]))
				*(d->ec ? ec : rsa) = 1;
		}
}

/* The list without its ECDSA suites (the fix). */
static void without_ecdsa(const char *list, char *out, size_t len)
{
	const char *p = list;
	size_t o = 0;

	out[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, ":");

		if (n && !memmem(p, n, "ECDSA", 5) && o + n + 2 < len) {
			if (o)
				out[o++] = ':';
			memcpy(out + o, p, n);
			o += n;
			out[o] = '\0';
		}
		p += n + (p[n] == ':');
	}
}

static void chk_ec_temp(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char list[CFG_CIPHERS_MAX], fix[DOC_FIX_MAX];
	int rsa, ec;

	if (!c->facts || !strstr(cfg->ssl.cipher[CFG_TLSV1_2], "ECDSA"))
		return;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		iface_keys(c, &cfg->interfaces[i], &rsa, &ec);
		if (!rsa || ec)
			continue;
		without_ecdsa(cfg->ssl.cipher[CFG_TLSV1_2], list, sizeof(list));
		snprintf(fix, sizeof(fix),
			 "nothing for sslvpnd; for an ASA: ssl = { cipher = { tlsv1_2 = \"%s\"; }; }; "
			 "or bind an EC identity as well", list);
		char obj[96];

		snprintf(obj, sizeof(obj), "interface %s", cfg->interfaces[i].name);
		if (config_asa_compat_any(cfg, CFG_ASA_COMPAT_TEMP_EC))
			finding(c, DOC_WARNING, obj, fix,
				"ECDHE-ECDSA suites are enabled but only an RSA identity is bound, and "
				"asa-compat temp-ec-cert presents the temporary self-signed EC "
				"certificate to clients choosing them, as an ASA (deliberate): phones "
				"pinning the RSA certificate fail (unknown CA)");
		else
			finding(c, DOC_NOTICE, obj, fix,
				"ECDHE-ECDSA suites are enabled but only an RSA identity is bound: an ASA "
				"would present a temporary self-signed EC certificate to clients choosing "
				"them (phones: unknown CA); sslvpnd presents the RSA identity only");
	}
}

/* ---- dflt-grp-policy (seed 001: values inherited from DfltGrpPolicy) */

/* The fix of one refusing attribute, and the value it puts in its place in
 * the effective policy so that policy_admit can tell the next one. */
static const char *refusal_fix(struct gp_effective *e, enum gp_attr a, struct gp_value *slot)
{
	static char ssl_client[] = "ssl-client";
	static char *ssl[] = { ssl_client };

	memset(slot, 0, sizeof(*slot));
	slot->state = GP_VALUE;
	e->v[a] = slot;
	e->origin[a] = GPO_POLICY;
	switch (a) {
	case GPA_VPN_TUNNEL_PROTOCOL:
		slot->list = ssl;
		slot->n_list = 1;
		return "vpn-tunnel-protocol = [ \"ssl-client\" ];";
	case GPA_VPN_SIMULTANEOUS_LOGINS:
		slot->num = 3;
		return "vpn-simultaneous-logins = 3;";
	case GPA_GROUP_LOCK:
		slot->state = GP_NONE;
		return "group-lock = \"none\";";
	default:
		slot->state = GP_NONE;
		return "vpn-access-hours = \"none\";";
	}
}

/* Every attribute that refuses the phones, in the order the ASA checks
 * them (seed 001 has three at once): policy_admit names the first, which
 * is then set as its fix would set it. */
static void refusals(struct doc_ctx *c, const struct cfg_tunnel_group *tg, const char *pol,
		     struct gp_effective *e, const char *obj)
{
	struct gp_value fixed[4];
	struct policy_admit adm;
	char fix[512];

	for (size_t n = 0; n < 4; n++) {
		if (policy_admit(e, tg, NULL, "ssl-client", 0, NULL, &adm) == ADMIT_OK)
			return;
		char reason[sizeof(adm.reason)];

		util_strlcpy(reason, adm.reason, sizeof(reason));
		snprintf(fix, sizeof(fix), "group_policies: { name = \"%s\"; %s }", pol,
			 refusal_fix(e, adm.attr, &fixed[n]));
		finding(c, DOC_WARNING, obj, fix, "every phone is refused: %s", reason);
	}
}

static void chk_dflt_policy(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96], fix[512];

	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];
		const char *pol = tg_policy(tg);
		struct gp_effective e;

		if (!doctor_phone_group(tg) || !config_group_policy(cfg, pol))
			continue;
		policy_resolve(cfg, pol, &e);
		tg_object(tg, obj, sizeof(obj));
		if (e.origin[GPA_VPN_FILTER] == GPO_DFLT && gp_str_or(&e, GPA_VPN_FILTER, NULL)) {
			snprintf(fix, sizeof(fix),
				 "group_policies: { name = \"%s\"; vpn-filter = \"none\"; } (or a filter "
				 "that passes the phones' SIP/SCCP and RTP)", pol);
			finding(c, DOC_WARNING, obj, fix,
				"policy %s inherits vpn-filter %s from DfltGrpPolicy: phone traffic "
				"it does not permit is dropped", pol,
				gp_str_or(&e, GPA_VPN_FILTER, ""));
		}
		refusals(c, tg, pol, &e, obj);
	}
}

/* ---- dap-terminate (seed 001: DfltAccessPolicy terminate) */

static void chk_dap(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96], fix[512];

	if (!dap_active(cfg))
		return;
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];
		const char *pol = tg_policy(tg);
		struct dap_input in = {
			.group_policy = pol, .tunnel_group = tg->name,
			.user_agent = "Cisco SVC IPPhone Client v1.0",
		};
		struct dap_session s;
		static struct dap_result res;

		if (!doctor_phone_group(tg))
			continue;
		dap_session_init(&s, &in);
		if (dap_evaluate(cfg, &s, &res) < 0 || res.action != DAP_TERMINATE)
			continue;
		tg_object(tg, obj, sizeof(obj));
		snprintf(fix, sizeof(fix),
			 "dynamic_access_policy_records += ( { name = \"Phones-%s\"; priority = 100; "
			 "action = \"continue\"; aaa = { criteria = [ \"aaa.cisco.tunnelgroup = %s\" ]; }; } );",
			 tg->name, tg->name);
		finding(c, DOC_WARNING, obj, fix,
			"DAP terminates its phones (%s%s): no record admits them",
			res.dflt ? "DfltAccessPolicy" : "records ",
			res.dflt ? "" : res.terminated_by);
	}
}

/* ---- csd (seed 001: CSD and IP phones) */

static void chk_csd(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96], fix[256];

	if (!cfg->webvpn.csd)
		return;
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];

		if (!doctor_phone_group(tg) || tg->without_csd)
			continue;
		tg_object(tg, obj, sizeof(obj));
		snprintf(fix, sizeof(fix), "tunnel_groups: { name = \"%s\"; without-csd = true; }",
			 tg->name);
		finding(c, DOC_WARNING, obj, fix,
			"webvpn csd is enabled and this phone tunnel group lacks without-csd: "
			"phones cannot run host scan (\"CSD data not sent from client\")");
	}
}

/* ---- host-id (seed 001: hostIDCheck failed) */

static int labels(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* The phones' rule: exact, or *.rest for one more label where rest has
 * three labels at least (a generic third-level wildcard stops the check). */
static int host_match(const char *host, const char *pat)
{
	if (strncmp(pat, "*.", 2))
		return !strcasecmp(host, pat);
	if (labels(pat + 2) < 3)
		return 0;
	const char *dot = strchr(host, '.');

	return dot && dot != host && !strcasecmp(dot + 1, pat + 2);
}

static int cert_names_host(const struct doc_cert *d, const char *host, int is_ip)
{
	size_t i;

	if (is_ip) {
		for (i = 0; i < d->n_ip; i++)
			if (!strcmp(d->ip[i], host))
				return 1;
		return 0;
	}
	for (i = 0; i < d->n_dns; i++)
		if (host_match(host, d->dns[i]))
			return 1;
	return host_match(host, d->cn);
}

static void hostid_url(struct doc_ctx *c, const struct cfg_tunnel_group *tg,
		       const struct cfg_group_url *u)
{
	struct in6_addr a6;
	struct in_addr a4;
	int is_ip = inet_pton(AF_INET, u->host, &a4) == 1 || inet_pton(AF_INET6, u->host, &a6) == 1;
	char obj[96], fix[512];

	for (size_t i = 0; i < c->facts->n; i++) {
		const struct doc_cert *d = &c->facts->c[i];

		if (d->ca || d->ec || cert_names_host(d, u->host, is_ip))
			continue;
		tg_object(tg, obj, sizeof(obj));
		snprintf(fix, sizeof(fix),
			 "issue trustpoint %s's certificate with subjectAltName %s:%s, or turn "
			 "\"Enable Host ID Check\" off in the phones' VPN profile (CUCM)",
			 d->tp, is_ip ? "IP" : "DNS", u->host);
		finding(c, DOC_WARNING, obj, fix,
			"group-url %s: %s %s is not in the identity certificate of trustpoint %s "
			"(%s): phones checking the host ID fail (\"hostIDCheck failed!!\")",
			u->url, is_ip ? "the address" : "the host", u->host, d->tp,
			is_ip ? "no such IP SAN" : "neither SAN nor CN");
	}
}

static void chk_hostid(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;

	if (!c->facts)
		return;
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];

		if (!doctor_phone_group(tg))
			continue;
		for (size_t u = 0; u < tg->n_urls; u++)
			if (tg->urls[u].enabled)
				hostid_url(c, tg, &tg->urls[u]);
	}
}

/* ---- identity-expiry (seed 000: phones cannot connect after a certificate renewal) */

static void chk_expiry(struct doc_ctx *c)
{
	char obj[96], fix[512];

	if (!c->facts)
		return;
	for (size_t i = 0; i < c->facts->n; i++) {
		const struct doc_cert *d = &c->facts->c[i];
		int64_t left = d->not_after - c->facts->now;

		if (d->ca || left <= 0 || left >= (int64_t)DOC_EXPIRY_DAYS * DAY)
			continue;
		snprintf(obj, sizeof(obj), "trustpoint %s", d->tp);
		snprintf(fix, sizeof(fix),
			 "before it ends: 1) a new identity trustpoint %s-NEW (sslvpnd --crypto crypto ca "
			 "enroll %s-NEW, or import); 2) sslvpnctl certhash %s %s-NEW and upload the new "
			 "certificate to CUCM as phone-vpn-trust, so phones learn both hashes; 3) once the "
			 "phones have their new configuration, bind %s-NEW in interfaces.trustpoint and "
			 "sslvpnctl reload",
			 d->tp, d->tp, d->tp, d->tp, d->tp);
		finding(c, DOC_WARNING, obj, fix,
			"the identity certificate ends in %lld days: phones only trust the hashes CUCM "
			"gave them, so the new one must reach them first",
			(long long)(left / DAY));
	}
}

/* ---- cert-validity (seed 002: time and time zone) */

static void chk_validity(struct doc_ctx *c)
{
	char obj[96];
	static const char fix[] =
		"check this host's clock and time zone (timedatectl; NTP) and the issuer's; "
		"re-issue the certificate if its dates are wrong";

	if (!c->facts)
		return;
	for (size_t i = 0; i < c->facts->n; i++) {
		const struct doc_cert *d = &c->facts->c[i];

		snprintf(obj, sizeof(obj), "trustpoint %s", d->tp);
		if (d->not_before > c->facts->now)
			finding(c, DOC_ERROR, obj, fix,
				"%s certificate %s is not valid for another %lld hours (clock or time "
				"zone wrong here or at the issuer?)", d->ca ? "CA" : "identity",
				d->subject, (long long)((d->not_before - c->facts->now + 3599) / 3600));
		else if (d->not_after <= c->facts->now)
			finding(c, DOC_ERROR, obj, d->ca ? "import the CA's current certificate" : fix,
				"%s certificate %s has expired", d->ca ? "CA" : "identity", d->subject);
	}
	for (size_t i = 0; i < c->facts->n_unread; i++) {
		snprintf(obj, sizeof(obj), "trustpoint %s", c->facts->unread[i].tp);
		finding(c, DOC_ERROR, obj, "see sslvpnd -t", "%s", c->facts->unread[i].why);
	}
}

/* ---- lsc-sha256 (seed 003: CAPF LSCs are SHA-256 signed from CUCM 11.5(1)SU1) */

static void chk_lsc_sha256(struct doc_ctx *c)
{
	char obj[96];

	if (!c->facts)
		return;
	for (size_t i = 0; i < c->facts->n; i++) {
		const struct doc_cert *d = &c->facts->c[i];

		if (!d->ca || !strcasestr(d->cn, "CAPF") || !strcmp(d->sig, "sha1"))
			continue;
		snprintf(obj, sizeof(obj), "trustpoint %s", d->tp);
		finding(c, DOC_WARNING, obj,
			"authenticate 79xx/89xx/99xx phones by their MIC (a trustpoint of the Cisco "
			"Manufacturing CA, accept-sha1 = true) or keep their CUCM before 11.5(1)SU1",
			"the CAPF CA %s signs with %s: 79xx, 89xx and 99xx phones cannot use an LSC "
			"signed with SHA-256", d->subject, d->sig);
	}
}

/* ---- udp-443 (phones use UDP 443 only; 100402 at run time) */

static void chk_udp443(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96], fix[256];

	if (!any_phone_group(cfg))
		return;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		const struct cfg_interface *ifc = &cfg->interfaces[i];

		if (ifc->dtls_port == 443)
			continue;
		snprintf(obj, sizeof(obj), "interface %s", ifc->name);
		snprintf(fix, sizeof(fix), "interfaces: { name = \"%s\"; dtls-port = 443; }",
			 ifc->name);
		finding(c, DOC_WARNING, obj, fix,
			"DTLS on UDP %u: Cisco IP phones only use UDP 443 and stay on TLS",
			ifc->dtls_port);
	}
}

/* ---- pool-size */

static void chk_pools(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96], fix[256];

	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];
		unsigned long long n = 0;

		if (!doctor_phone_group(tg) || !tg->address_pools.n)
			continue;
		for (size_t p = 0; p < tg->address_pools.n; p++) {
			const struct cfg_pool *pl = config_pool(cfg, tg->address_pools.v[p]);

			if (pl)
				n += (unsigned long long)pl->last - pl->first + 1;
		}
		if (n >= (unsigned long long)cfg->limits.max_sessions)
			continue;
		tg_object(tg, obj, sizeof(obj));
		snprintf(fix, sizeof(fix),
			 "a larger range in its pools, or limits = { max-sessions = %llu; };", n);
		finding(c, DOC_NOTICE, obj, fix,
			"its pools hold %llu addresses, fewer than limits.max-sessions %d: phone %llu "
			"and later get no address", n, cfg->limits.max_sessions, n + 1);
	}
}

/* ---- mgmt-tunnel (seed 004: management VPN tunnel) */

static void chk_mgmt(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96], fix[DOC_FIX_MAX];

	for (size_t i = 0; i < cfg->n_policies; i++) {
		const struct cfg_group_policy *gp = &cfg->policies[i];
		struct gp_effective e;
		int all_allowed;

		if (!policy_mgmt_tunnel(cfg, gp->name, &all_allowed))
			continue;
		policy_resolve(cfg, gp->name, &e);
		snprintf(obj, sizeof(obj), "group policy %s", gp->name);
		if (gp_str_or(&e, GPA_BANNER, NULL)) {
			snprintf(fix, sizeof(fix), "group_policies: { name = \"%s\"; banner = \"none\"; }",
				 gp->name);
			finding(c, DOC_WARNING, obj, fix,
				"a management tunnel policy with a banner (from %s): the management "
				"tunnel cannot answer it and never comes up",
				policy_origin_name(&e, GPA_BANNER));
		}
		if (!strcmp(gp_str_or(&e, GPA_SPLIT_TUNNEL_POLICY, "tunnelall"), "tunnelall") &&
		    !all_allowed) {
			snprintf(fix, sizeof(fix),
				 "anyconnect_custom_attrs = ( { type = \"ManagementTunnelAllAllowed\"; "
				 "description = \"ManagementTunnelAllAllowed\"; } ); anyconnect_custom_data = "
				 "( { type = \"ManagementTunnelAllAllowed\"; name = \"true\"; value = \"true\"; } ); "
				 "group_policies: { name = \"%s\"; anyconnect-custom = "
				 "[ \"ManagementTunnelAllAllowed value true\" ]; }", gp->name);
			finding(c, DOC_WARNING, obj, fix,
				"a management tunnel policy tunnels all traffic without "
				"ManagementTunnelAllAllowed: the client refuses the tunnel");
		}
	}
}

/* ---- mic-trust (phones.md: MIC families; seed 003: CAPF LSCs) */

struct ca_seen {
	int sha1_mic, sha2_mic, capf, sha1_refused;
};

static int tg_trusts(const struct cfg_tunnel_group *tg, const char *tp)
{
	if (!tg->validation_trustpoints.n)
		return 1;
	for (size_t i = 0; i < tg->validation_trustpoints.n; i++)
		if (!strcmp(tg->validation_trustpoints.v[i], tp))
			return 1;
	return 0;
}

static void cas_of(const struct doc_ctx *c, const struct cfg_tunnel_group *tg,
		   struct ca_seen *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < c->facts->n; i++) {
		const struct doc_cert *d = &c->facts->c[i];
		const struct cfg_trustpoint *tp = config_trustpoint(c->cfg, d->tp);

		if (!d->ca || !tg_trusts(tg, d->tp))
			continue;
		if (strcasestr(d->cn, "Cisco Manufacturing CA SHA2")) {
			s->sha2_mic = 1;
		} else if (strcasestr(d->cn, "Cisco Manufacturing CA")) {
			s->sha1_mic = 1;
			s->sha1_refused |= tp && !tp->accept_sha1;
		} else if (strcasestr(d->cn, "CAPF")) {
			s->capf = 1;
		}
	}
}

static void chk_mic_trust(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96];
	struct ca_seen s;

	if (!c->facts)
		return;
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];

		if (!doctor_phone_group(tg) || tg->authentication == CFG_AUTH_AAA)
			continue;
		cas_of(c, tg, &s);
		tg_object(tg, obj, sizeof(obj));
		if (!s.sha1_mic && !s.sha2_mic && !s.capf)
			finding(c, DOC_WARNING, obj,
				"trustpoints += ( { name = \"CiscoMfgCA\"; enrollment = \"terminal\"; "
				"certificate = \"/etc/sslvpnd/trust/cisco-mfg.pem\"; } ) (Cisco Manufacturing "
				"CA, CA SHA2, and the CUCM CAPF certificate)",
				"no trustpoint for phone certificates: neither a Cisco Manufacturing CA "
				"(MIC), nor a CAPF CA (LSC)");
		else if (s.sha1_refused)
			finding(c, DOC_WARNING, obj, "trustpoints: { accept-sha1 = true; } on that CA",
				"the SHA-1 Cisco Manufacturing CA refuses SHA-1 chains (accept-sha1 = "
				"false): 79xx MICs are SHA-1 signed");
		else if (!s.sha1_mic || !s.sha2_mic || !s.capf)
			finding(c, DOC_NOTICE, obj,
				"add the missing CA's trustpoint if such phones connect",
				"phone certificates it cannot validate: %s%s%s", s.sha1_mic ? "" :
				"79xx MICs (Cisco Manufacturing CA, SHA-1) ", s.sha2_mic ? "" :
				"78xx/88xx MICs (Cisco Manufacturing CA SHA2) ", s.capf ? "" :
				"LSCs (CAPF)");
	}
}

/* ---- lb-redirect (seed 001: VPN load balancing and IP phones) */

/* A phone group is reached through the cluster when a group-url names
 * cluster-address, or when it has none (alias, default, certificate map
 * work on any host). */
static int via_cluster(const struct cfg_tunnel_group *tg, const char *cluster)
{
	if (!tg->n_urls)
		return 1;
	for (size_t i = 0; i < tg->n_urls; i++)
		if (tg->urls[i].enabled && !strcasecmp(tg->urls[i].host, cluster))
			return 1;
	return 0;
}

static void chk_lb_redirect(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	const struct cfg_load_balancing *lb = &cfg->load_balancing;
	char obj[96], fix[1024];

	if (!lb->participate)
		return;
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];

		if (!doctor_phone_group(tg) || !via_cluster(tg, lb->cluster_address))
			continue;
		tg_object(tg, obj, sizeof(obj));
		if (tg->asa_compat_mask & CFG_ASA_COMPAT_LB_REDIRECT) {
			snprintf(fix, sizeof(fix),
				 "remove \"lb-redirect\" from asa-compat of tunnel group %s unless you "
				 "are reproducing the ASA", tg->name);
			finding(c, DOC_WARNING, obj, fix,
				"load balancing redirects its phones (asa-compat lb-redirect, as an ASA): "
				"phones pin this node's certificate and fail on a peer with another one");
			continue;
		}
		snprintf(fix, sizeof(fix),
			 "group-url = [ \"https://THIS-NODE-ADDRESS%s\" ]; in tunnel group %s, and the "
			 "same URL as url1 of the phones' VPN profile (CUCM), instead of "
			 "cluster-address %s",
			 tg->n_urls ? tg->urls[0].path : "/", tg->name, lb->cluster_address);
		finding(c, DOC_WARNING, obj, fix,
			"phones reach it through load-balancing cluster-address %s: phones cannot "
			"follow a redirect, so sslvpnd keeps its logins on this node (100953) and "
			"they are not balanced; an ASA would redirect them and they would fail",
			lb->cluster_address);
	}
}

/* ---- asa-compat: what is broken on purpose */

static void chk_asa_compat(struct doc_ctx *c)
{
	const struct sslvpnd_config *cfg = c->cfg;
	char obj[96];

	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];

		if (!tg->asa_compat_mask)
			continue;
		tg_object(tg, obj, sizeof(obj));
		finding(c, DOC_NOTICE, obj, "remove asa-compat unless you are reproducing the ASA",
			"asa-compat reproduces ASA failure modes on purpose:%s%s%s",
			tg->asa_compat_mask & CFG_ASA_COMPAT_DTLS_CIPHER
				? " dtls-cipher (DTLS offered on a suite the client did not ask for)"
				: "",
			tg->asa_compat_mask & CFG_ASA_COMPAT_TEMP_EC
				? " temp-ec-cert (every interface with an RSA identity alone presents "
				  "the temporary EC certificate to ECDSA clients)"
				: "",
			tg->asa_compat_mask & CFG_ASA_COMPAT_LB_REDIRECT
				? " lb-redirect (load balancing redirects its phones)"
				: "");
	}
}

static const struct doc_check checks[] = {
	{ "dtls-twin", "seed 000: DTLS connection failure", chk_dtls_twin },
	{ "ec-temp-cert", "seed 000: ASA selecting an EC cipher, CSCuu02848", chk_ec_temp },
	{ "dflt-grp-policy", "seed 001: values inherited from DfltGrpPolicy", chk_dflt_policy },
	{ "dap-terminate", "seed 001: DAP DfltAccessPolicy", chk_dap },
	{ "csd", "seed 001: CSD and IP phones", chk_csd },
	{ "host-id", "seed 001: hostIDCheck failed", chk_hostid },
	{ "identity-expiry", "seed 000: phones cannot connect after a certificate renewal",
	  chk_expiry },
	{ "cert-validity", "seed 002: time and time zone", chk_validity },
	{ "lsc-sha256", "seed 003: certificate encryption, CAPF SHA-256", chk_lsc_sha256 },
	{ "udp-443", "phones.md: phones use UDP 443 only", chk_udp443 },
	{ "pool-size", "asa-behaviour.md: address pools", chk_pools },
	{ "mgmt-tunnel", "seed 004: management VPN tunnel", chk_mgmt },
	{ "mic-trust", "phones.md: MIC and LSC trustpoints", chk_mic_trust },
	{ "lb-redirect", "seed 001: VPN load balancing and IP phones", chk_lb_redirect },
	{ "asa-compat", "issue 16: ASA failure modes on demand", chk_asa_compat },
};

/* ---- fleet-certhash (S16): every live node's certificate in the phones'
 * list.  Not in checks[]: it needs the fleet's records from Redis, so
 * `sslvpnctl doctor --fleet FILE` runs it after the table (doctor_fleet). */

static const struct doc_check fleet_check = {
	"fleet-certhash", "seed 001: hash match between the headend certificate and the phones' trust list",
	NULL
};

/* The text of <certHashN>..</certHashN> (N = 1..10) into out; 1 found. */
static int vg_elem(const char *xml, int k, char *out, size_t cap)
{
	char open[24], close_[24];
	const char *a, *b;

	snprintf(open, sizeof(open), "<certHash%d>", k);
	snprintf(close_, sizeof(close_), "</certHash%d>", k);
	if (!(a = strcasestr(xml, open)) || !(b = strcasestr(a, close_)))
		return 0;
	a += strlen(open);
	while (a < b && (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r'))
		b--;
	if ((size_t)(b - a) >= cap)
		return -1;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = 0;
	return 1;
}

/* A hash as CUCM holds it (base64, 28 characters) from either form. */
static int hash_b64(const char *in, char out[DOC_HASH_B64])
{
	uint8_t raw[20];

	if (strlen(in) == 40 && util_unhex(raw, sizeof(raw), in, 40) == 0)
		return util_base64(out, DOC_HASH_B64, raw, sizeof(raw)) < 0 ? -1 : 0;
	if (strlen(in) != 28 || in[27] != '=')
		return -1;
	util_strlcpy(out, in, DOC_HASH_B64);
	return 0;
}

int doctor_vpngroup_hashes(const char *xml, char out[][DOC_HASH_B64], int max, char *why,
			   size_t wlen)
{
	char val[128];
	int n = 0;

	if (!strcasestr(xml, "<vpnGroup")) {
		snprintf(why, wlen, "no <vpnGroup> element");
		return -1;
	}
	for (int k = 1; k <= 10 && n < max; k++) {
		int r = vg_elem(xml, k, val, sizeof(val));

		if (r == 0)
			continue;
		if (r < 0 || hash_b64(val, out[n]) < 0) {
			snprintf(why, wlen, "<certHash%d>: not a SHA-1 (base64 or 40 hex digits)", k);
			return -1;
		}
		n++;
	}
	return n;
}

void doctor_fleet(struct doc_report *rep, const struct doc_fleet_node *nodes, size_t n,
		  char pins[][DOC_HASH_B64], int npins, const char *file)
{
	struct doc_ctx c = { .rep = rep, .chk = &fleet_check };
	char obj[96], fix[DOC_FIX_MAX];

	if (!n)
		finding(&c, DOC_WARNING, "the fleet", NULL,
			"no live node in the fleet's Redis to check against %s", file);
	for (size_t i = 0; i < n; i++) {
		snprintf(obj, sizeof(obj), "node %s", nodes[i].name);
		if (!nodes[i].certhash[0])
			finding(&c, DOC_WARNING, obj, NULL,
				"its record has no certhash (an older version?): not checked");
		for (const char *p = nodes[i].certhash; *p; p += *p == ',') {
			size_t len = strcspn(p, ",");
			char hex[41] = "", b64[DOC_HASH_B64] = "";
			int k;

			if (len == 40) {
				memcpy(hex, p, 40);
				hash_b64(hex, b64);
			}
			for (k = 0; k < npins && (!b64[0] || strcmp(pins[k], b64)); k++)
				;
			if (k == npins) {
				snprintf(fix, sizeof(fix),
					 "add <certHash%d>%s</certHash%d> to the phones' vpnGroup in CUCM "
					 "(sslvpnctl certhash --fleet prints the whole list), and to %s",
					 npins + 1, b64, npins + 1, file);
				finding(&c, DOC_ERROR, obj, fix,
					"its certificate SHA-1 %s (%s) is not in the phones' certHash list (%s, %d hashes): phones failing over to %s refuse it (unknown CA)",
					hex[0] ? hex : "?", b64, file, npins,
					nodes[i].url);
			}
			p += len;
		}
	}
}

size_t doctor_n_checks(void)
{
	return sizeof(checks) / sizeof(checks[0]);
}

const char *doctor_check_name(size_t i)
{
	return i < doctor_n_checks() ? checks[i].name : NULL;
}

void doctor_run(const struct sslvpnd_config *cfg, const struct doc_facts *facts,
		struct doc_report *out)
{
	struct doc_ctx c = { .cfg = cfg, .facts = facts, .rep = out };

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		c.chk = &checks[i];
		checks[i].run(&c);
	}
}

int doctor_exit(const struct doc_report *r)
{
	return r->worst == DOC_ERROR ? 2 : r->worst == DOC_WARNING ? 1 : 0;
}

const char *doctor_sev_name(enum doc_sev s)
{
	return s == DOC_ERROR ? "error" : s == DOC_WARNING ? "warning" : "notice";
}

void doctor_print(FILE *fp, const struct doc_report *r, enum doc_sev min)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct doc_finding *f = &r->f[i];

		if (f->sev < min)
			continue;
		fprintf(fp, "%s %s (%s): %s: %s\n", doctor_sev_name(f->sev), f->check, f->seed,
			f->object, f->what);
		if (f->fix[0])
			fprintf(fp, "    fix: %s\n", f->fix);
	}
	if (r->dropped)
		fprintf(fp, "(%zu more findings not shown)\n", r->dropped);
}

void doctor_json(struct json *j, const struct doc_report *r)
{
	json_obj_begin(j);
	json_kv_str(j, "worst", r->worst ? doctor_sev_name(r->worst) : "none");
	json_kv_int(j, "exit", doctor_exit(r));
	json_key(j, "findings");
	json_arr_begin(j);
	for (size_t i = 0; i < r->n; i++) {
		const struct doc_finding *f = &r->f[i];

		json_obj_begin(j);
		json_kv_str(j, "severity", doctor_sev_name(f->sev));
		json_kv_str(j, "check", f->check);
		json_kv_str(j, "seed", f->seed);
		json_kv_str(j, "object", f->object);
		json_kv_str(j, "what", f->what);
		json_kv_str(j, "fix", f->fix);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_kv_int(j, "dropped", (long long)r->dropped);
	json_obj_end(j);
}
