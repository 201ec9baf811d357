/* The doctor's checks (src/policy/doctor.c): for every check one
 * configuration (and certificate facts) that must give its finding and one
 * that must not, through the real loader.  Certificate facts are built
 * here, as main's tls_doctor_facts would report the files. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sslvpnd/doctor.h"
#include "sslvpnd/util.h"
#include "cfgtest.h"

#define NOW 1800000000LL
#define DAYS(n) ((long long)(n) * 86400)

/* A phone tunnel group (certificate authentication) on an address URL,
 * its policy, a pool, an identity and a CA trustpoint. */
#define IFACE(port) \
	"interfaces = ( { name = \"outside\"; dtls-port = " #port "; trustpoint = \"ID\"; } );\n"
#define TPS \
	"trustpoints = ( { name = \"ID\"; enrollment = \"file\"; certificate = \"/x/id.pem\";" \
	" key = \"/x/id.key\"; }, { name = \"CA\"; enrollment = \"terminal\";" \
	" certificate = \"/x/ca.pem\"; } );\n"
#define POOL "ip_local_pools = ( { name = \"phones\"; range = \"198.19.0.10-198.19.0.20\";" \
	" mask = \"255.255.255.0\"; } );\n"
#define TG(extra) \
	"tunnel_groups = ( { name = \"VPNPhone\"; address-pool = \"phones\";" \
	" authentication = \"certificate\"; default-group-policy = \"PhonePolicy\";" \
	" group-url = \"https://198.18.0.1/phone\"; " extra " } );\n"
#define GP(dflt, phone) \
	"group_policies = ( { name = \"DfltGrpPolicy\"; " dflt " }," \
	" { name = \"PhonePolicy\"; vpn-tunnel-protocol = [ \"ssl-client\" ]; " phone " } );\n"
#define LB(cluster) \
	"load_balancing = { participate = true; cluster-address = \"" cluster "\";" \
	" peers = [ \"https://198.18.0.5\", \"https://198.18.0.6:8443/\" ]; };\n"
#define BASE IFACE(443) TPS POOL GP("", "") TG("") "limits = { max-sessions = 11; };\n"

enum fact { F_NONE = 0, F_GOOD, F_EXPIRING, F_FUTURE_CA, F_CAPF256, F_CAPF1, F_NO_IPSAN,
	    F_WILDCARD, F_EC_TOO, F_MICS };

struct dcase {
	const char *what;
	const char *check;
	const char *conf;
	enum fact facts;
	int csd;                   /* adds webvpn = { csd = true; } */
	int mgmt;                  /* PhonePolicy pushes ManagementTunnelAllAllowed (a
				    * management tunnel): 1 "false", 2 "true" */
	enum doc_sev sev;          /* expected; 0: the check finds nothing */
	const char *in_what;       /* substring of the finding, or NULL */
	const char *in_fix;        /* substring of the fix, or NULL */
};

static const struct dcase cases[] = {
	/* dtls-twin (seed 000) */
	{ "TLS AES256-SHA, dtlsv1 AES128-SHA", "dtls-twin",
	  BASE "ssl = { cipher = { tlsv1 = \"AES256-SHA\"; dtlsv1 = \"AES128-SHA\"; }; };\n",
	  F_GOOD, 0, 0, DOC_WARNING, "7962G (79xx, TLS 1.0): TLS negotiates AES256-SHA",
	  "dtlsv1 = \"AES128-SHA:AES256-SHA\"" },
	{ "8861 on TLS 1.2 GCM without a DTLS 1.2 GCM twin", "dtls-twin",
	  BASE "ssl = { cipher = { tlsv1 = \"AES256-SHA\"; tlsv1_2 = \"ECDHE-RSA-AES256-GCM-SHA384\";"
	  " dtlsv1 = \"AES256-SHA\"; dtlsv1_2 = \"ECDHE-RSA-AES128-GCM-SHA256\"; }; };\n",
	  F_GOOD, 0, 0, DOC_WARNING, "but DTLS would use", "dtlsv1_2 = \"ECDHE-RSA-AES128-GCM-SHA256:"
	  "ECDHE-RSA-AES256-GCM-SHA384\"" },
	{ "default lists have every twin", "dtls-twin", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
	/* ec-temp-cert (CSCuu02848) */
	{ "ECDSA suites, RSA identity only", "ec-temp-cert", BASE, F_GOOD, 0, 0, DOC_NOTICE,
	  "temporary self-signed EC certificate", "tlsv1_2 = \"ECDHE-RSA-AES256-GCM-SHA384:" },
	{ "RSA identity only, asa-compat temp-ec-cert", "ec-temp-cert",
	  IFACE(443) TPS POOL GP("", "") TG("asa-compat = [ \"temp-ec-cert\" ];"), F_GOOD, 0, 0,
	  DOC_WARNING, "deliberate", "tlsv1_2 = \"ECDHE-RSA-AES256-GCM-SHA384:" },
	{ "RSA and EC identities", "ec-temp-cert", BASE, F_EC_TOO, 0, 0, 0, NULL, NULL },
	/* dflt-grp-policy (seed 001) */
	{ "DfltGrpPolicy vpn-simultaneous-logins 0 inherited", "dflt-grp-policy",
	  IFACE(443) TPS POOL GP("vpn-simultaneous-logins = 0;", "") TG(""), F_GOOD, 0, 0, DOC_WARNING,
	  "every phone is refused", "vpn-simultaneous-logins = 3;" },
	{ "DfltGrpPolicy group-lock inherited", "dflt-grp-policy",
	  IFACE(443) TPS POOL GP("group-lock = \"DefaultWEBVPNGroup\";", "") TG(""), F_GOOD, 0, 0,
	  DOC_WARNING, "group-lock", "group-lock = \"none\";" },
	{ "DfltGrpPolicy vpn-filter inherited", "dflt-grp-policy",
	  IFACE(443) TPS POOL "access_lists = ( { name = \"NO-TRAFFIC\"; type = \"extended\";"
	  " entries = \"deny ip any any\"; } );\n" GP("vpn-filter = \"NO-TRAFFIC\";", "") TG(""),
	  F_GOOD, 0, 0, DOC_WARNING, "inherits vpn-filter NO-TRAFFIC", "vpn-filter = \"none\";" },
	{ "phone policy overrides DfltGrpPolicy", "dflt-grp-policy",
	  IFACE(443) TPS POOL GP("vpn-simultaneous-logins = 0; group-lock = \"DefaultWEBVPNGroup\";",
				 "vpn-simultaneous-logins = 3; group-lock = \"none\";") TG(""),
	  F_GOOD, 0, 0, 0, NULL, NULL },
	/* dap-terminate (seed 001) */
	{ "DfltAccessPolicy terminate, no record", "dap-terminate",
	  BASE "dynamic_access_policy_records = ( { name = \"DfltAccessPolicy\";"
	  " action = \"terminate\"; } );\n", F_GOOD, 0, 0, DOC_WARNING, "DfltAccessPolicy",
	  "aaa.cisco.tunnelgroup = VPNPhone" },
	{ "a record admits the phones", "dap-terminate",
	  BASE "dynamic_access_policy_records = ( { name = \"DfltAccessPolicy\";"
	  " action = \"terminate\"; }, { name = \"Phones\"; action = \"continue\";"
	  " aaa = { criteria = [ \"aaa.cisco.tunnelgroup = VPNPhone\" ]; }; } );\n",
	  F_GOOD, 0, 0, 0, NULL, NULL },
	/* csd (seed 001) */
	{ "csd enable, phone group without without-csd", "csd", BASE, F_GOOD, 1, 0, DOC_WARNING,
	  "CSD data not sent", "without-csd = true;" },
	{ "csd enable, without-csd", "csd",
	  IFACE(443) TPS POOL GP("", "") TG("without-csd = true;"), F_GOOD, 1, 0, 0, NULL, NULL },
	/* host-id (seed 001) */
	{ "group-url by IP, no IP SAN", "host-id", BASE, F_NO_IPSAN, 0, 0, DOC_WARNING,
	  "no such IP SAN", "subjectAltName IP:198.18.0.1" },
	{ "generic third-level wildcard", "host-id",
	  IFACE(443) TPS POOL GP("", "") "tunnel_groups = ( { name = \"VPNPhone\";"
	  " address-pool = \"phones\"; authentication = \"certificate\";"
	  " default-group-policy = \"PhonePolicy\"; group-url = \"https://test.vpn.com/phone\"; } );\n",
	  F_WILDCARD, 0, 0, DOC_WARNING, "neither SAN nor CN", "DNS:test.vpn.com" },
	{ "IP SAN present", "host-id", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
	/* identity-expiry (seed 000) */
	{ "identity ends in 30 days", "identity-expiry", BASE, F_EXPIRING, 0, 0, DOC_WARNING,
	  "ends in 30 days", "sslvpnctl certhash ID ID-NEW" },
	{ "identity ends in 400 days", "identity-expiry", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
	/* cert-validity (seed 002) */
	{ "CA not valid yet", "cert-validity", BASE, F_FUTURE_CA, 0, 0, DOC_ERROR,
	  "is not valid for another 5 hours", "timedatectl" },
	{ "all valid", "cert-validity", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
	/* lsc-sha256 (seed 003) */
	{ "CAPF CA signing with SHA-256", "lsc-sha256", BASE, F_CAPF256, 0, 0, DOC_WARNING,
	  "79xx, 89xx and 99xx", "Cisco Manufacturing CA" },
	{ "CAPF CA signing with SHA-1", "lsc-sha256", BASE, F_CAPF1, 0, 0, 0, NULL, NULL },
	/* udp-443 */
	{ "DTLS on 8443", "udp-443", IFACE(8443) TPS POOL GP("", "") TG(""), F_GOOD, 0, 0, DOC_WARNING,
	  "UDP 8443", "dtls-port = 443;" },
	{ "DTLS on 443", "udp-443", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
	/* pool-size */
	{ "11 addresses, max-sessions 10000", "pool-size",
	  IFACE(443) TPS POOL GP("", "") TG(""), F_GOOD, 0, 0, DOC_NOTICE, "hold 11 addresses",
	  "max-sessions = 11;" },
	{ "11 addresses, max-sessions 11", "pool-size", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
	/* mgmt-tunnel (seed 004) */
	{ "management policy with a banner", "mgmt-tunnel",
	  IFACE(443) TPS POOL GP("banner = \"Welcome\";", "split-tunnel-policy = \"tunnelspecified\";")
	  TG(""), F_GOOD, 0, 1, DOC_WARNING, "banner (from DfltGrpPolicy)", "banner = \"none\";" },
	{ "management policy tunnelling all without ManagementTunnelAllAllowed", "mgmt-tunnel",
	  BASE, F_GOOD, 0, 1, DOC_WARNING, "without ManagementTunnelAllAllowed",
	  "anyconnect-custom = [ \"ManagementTunnelAllAllowed value true\" ]" },
	{ "management policy tunnelling all, allowed", "mgmt-tunnel", BASE, F_GOOD, 0, 2, 0,
	  NULL, NULL },
	/* mic-trust */
	{ "no MIC or CAPF CA", "mic-trust", BASE, F_GOOD, 0, 0, DOC_WARNING,
	  "no trustpoint for phone certificates", "Cisco Manufacturing" },
	{ "SHA-1 MIC CA refusing SHA-1", "mic-trust",
	  IFACE(443) "trustpoints = ( { name = \"ID\"; enrollment = \"file\"; certificate = "
	  "\"/x/id.pem\"; key = \"/x/id.key\"; }, { name = \"CA\"; enrollment = \"terminal\";"
	  " certificate = \"/x/ca.pem\"; accept-sha1 = false; } );\n" POOL GP("", "") TG(""),
	  F_MICS, 0, 0, DOC_WARNING, "79xx MICs are SHA-1 signed", "accept-sha1 = true" },
	{ "both MIC CAs and CAPF", "mic-trust", BASE, F_MICS, 0, 0, 0, NULL, NULL },
	/* lb-redirect (seed 001: VPN load balancing and IP phones) */
	{ "load balancing, phones on the cluster address", "lb-redirect", BASE LB("198.18.0.1"),
	  F_GOOD, 0, 0, DOC_WARNING, "phones cannot follow a redirect",
	  "group-url = [ \"https://THIS-NODE-ADDRESS/phone\" ]" },
	{ "load balancing, phones redirected on purpose", "lb-redirect",
	  IFACE(443) TPS POOL GP("", "") TG("asa-compat = [ \"lb-redirect\" ];") LB("198.18.0.1"),
	  F_GOOD, 0, 0, DOC_WARNING, "asa-compat lb-redirect",
	  "remove \"lb-redirect\" from asa-compat" },
	{ "load balancing, phones on the node's own address", "lb-redirect",
	  BASE LB("vpn.example.com"), F_GOOD, 0, 0, 0, NULL, NULL },
	{ "no load balancing", "lb-redirect", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
	/* asa-compat */
	{ "asa-compat lb-redirect", "asa-compat",
	  IFACE(443) TPS POOL GP("", "") TG("asa-compat = [ \"lb-redirect\" ];"), F_GOOD, 0, 0,
	  DOC_NOTICE, "lb-redirect (load balancing redirects its phones)", "remove asa-compat" },
	{ "asa-compat dtls-cipher", "asa-compat",
	  IFACE(443) TPS POOL GP("", "") TG("asa-compat = [ \"dtls-cipher\" ];"), F_GOOD, 0, 0,
	  DOC_NOTICE, "dtls-cipher", "remove asa-compat" },
	{ "no asa-compat", "asa-compat", BASE, F_GOOD, 0, 0, 0, NULL, NULL },
};

static void cert(struct doc_facts *f, const char *tp, int ca, int ec, const char *sig,
		 long long nb, long long na, const char *cn, const char *ip, const char *dns)
{
	struct doc_cert *d = &f->c[f->n++];

	memset(d, 0, sizeof(*d));
	util_strlcpy(d->tp, tp, sizeof(d->tp));
	d->ca = ca;
	d->ec = ec;
	util_strlcpy(d->sig, sig, sizeof(d->sig));
	d->not_before = NOW + nb;
	d->not_after = NOW + na;
	snprintf(d->subject, sizeof(d->subject), "CN=%s", cn);
	util_strlcpy(d->cn, cn, sizeof(d->cn));
	if (ip)
		util_strlcpy(d->ip[d->n_ip++], ip, sizeof(d->ip[0]));
	if (dns)
		util_strlcpy(d->dns[d->n_dns++], dns, sizeof(d->dns[0]));
}

static void build_facts(struct doc_facts *f, enum fact k)
{
	memset(f, 0, sizeof(*f));
	f->now = NOW;
	cert(f, "ID", 0, 0, "sha256", -DAYS(10), k == F_EXPIRING ? DAYS(30) + 3600 : DAYS(400),
	     k == F_WILDCARD ? "*.vpn.com" : "vpn.example.com",
	     k == F_NO_IPSAN || k == F_WILDCARD ? NULL : "198.18.0.1",
	     k == F_WILDCARD ? "*.vpn.com" : NULL);
	if (k == F_EC_TOO)
		cert(f, "ID", 0, 1, "sha256", -DAYS(10), DAYS(400), "vpn.example.com",
		     "198.18.0.1", NULL);
	if (k == F_MICS) {
		cert(f, "CA", 1, 0, "sha1", -DAYS(10), DAYS(3650), "Cisco Manufacturing CA", NULL, NULL);
		cert(f, "CA", 1, 0, "sha256", -DAYS(10), DAYS(3650), "Cisco Manufacturing CA SHA2",
		     NULL, NULL);
	}
	cert(f, "CA", 1, 0, k == F_CAPF1 || k == F_MICS ? "sha1" : "sha256",
	     k == F_FUTURE_CA ? 5 * 3600 - 60 : -DAYS(10), DAYS(3650),
	     k == F_CAPF256 || k == F_CAPF1 || k == F_MICS ? "CAPF-5a3b9c1e" : "Lab Root", NULL, NULL);
}

/* The case's configuration with its csd / mgmt additions: webvpn csd, and
 * PhonePolicy pushing ManagementTunnelAllAllowed (custom attribute and
 * data declared), which makes it a management tunnel policy. */
static const char *case_conf(const struct dcase *t)
{
	static char buf[8192];
	static const char gp[] = "name = \"PhonePolicy\"; ";
	const char *at = strstr(t->conf, gp);
	size_t head = at ? (size_t)(at - t->conf) + sizeof(gp) - 1 : 0;
	int n;

	if (!t->mgmt || !at) {
		n = snprintf(buf, sizeof(buf), "%s%s", t->conf,
			     t->csd ? "webvpn = { csd = true; };\n" : "");
	} else {
		n = snprintf(buf, sizeof(buf),
			     "%.*sanyconnect-custom = [ \"ManagementTunnelAllAllowed value v\" ]; %s"
			     "anyconnect_custom_attrs = ( { type = \"ManagementTunnelAllAllowed\"; } );\n"
			     "anyconnect_custom_data = ( { type = \"ManagementTunnelAllAllowed\";"
			     " name = \"v\"; value = \"%s\"; } );\n%s",
			     (int)head, t->conf, t->conf + head, t->mgmt > 1 ? "true" : "false",
			     t->csd ? "webvpn = { csd = true; };\n" : "");
	}
	ck_assert_int_lt(n, (int)sizeof(buf));
	return buf;
}

static const struct doc_finding *find(const struct doc_report *r, const char *check)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].check, check))
			return &r->f[i];
	return NULL;
}

START_TEST(test_case)
{
	const struct dcase *t = &cases[_i];
	struct sslvpnd_config *cfg = cfgtest_load_ok(case_conf(t), "doctor.conf");
	static struct doc_facts f;
	static struct doc_report r;
	const struct doc_finding *hit;

	build_facts(&f, t->facts);
	doctor_run(cfg, &f, &r);
	hit = find(&r, t->check);
	if (!t->sev) {
		ck_assert_msg(!hit, "%s: unexpected %s finding: %s", t->what, t->check,
			      hit ? hit->what : "");
	} else {
		ck_assert_msg(hit, "%s: no %s finding", t->what, t->check);
		ck_assert_msg(hit->sev == t->sev, "%s: severity %s", t->what,
			      doctor_sev_name(hit->sev));
		ck_assert_msg(strstr(hit->seed, "seed") || strstr(hit->seed, ".md") ||
			      strstr(hit->seed, "issue"), "%s: no source named", t->what);
		ck_assert_msg(!t->in_what || strstr(hit->what, t->in_what), "%s: what = %s",
			      t->what, hit->what);
		ck_assert_msg(!t->in_fix || strstr(hit->fix, t->in_fix), "%s: fix = %s", t->what,
			      hit->fix);
	}
	config_free(cfg);
}
END_TEST

/* Every check of the table has a positive and a negative case above. */
START_TEST(test_every_check_covered)
{
	for (size_t c = 0; c < doctor_n_checks(); c++) {
		int pos = 0, neg = 0;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (!strcmp(cases[i].check, doctor_check_name(c)))
				*(cases[i].sev ? &pos : &neg) += 1;
		ck_assert_msg(pos && neg, "check %s: %d positive, %d negative cases",
			      doctor_check_name(c), pos, neg);
	}
}
END_TEST

/* Exit status from the worst finding; without facts no certificate check
 * runs (t-doctor shows exit 2 from a certificate's error). */
START_TEST(test_exit_and_no_facts)
{
	struct sslvpnd_config *cfg = cfgtest_load_ok(
		IFACE(8443) TPS POOL GP("vpn-simultaneous-logins = 0;", "") TG(""), "d.conf");
	static struct doc_report r;

	doctor_run(cfg, NULL, &r);
	/* phones refused by the policy: a warning (the ASA takes the file, and a
	 * lab may want the failure); errors come from the certificates */
	ck_assert_int_eq(doctor_exit(&r), 1);
	ck_assert_int_eq(find(&r, "dflt-grp-policy")->sev, DOC_WARNING);
	ck_assert_ptr_null(find(&r, "host-id"));
	ck_assert_ptr_null(find(&r, "cert-validity"));
	config_free(cfg);
	cfg = cfgtest_load_ok(IFACE(8443) TPS POOL GP("", "") TG(""), "d.conf");
	doctor_run(cfg, NULL, &r);
	ck_assert_int_eq(doctor_exit(&r), 1);
	config_free(cfg);
	cfg = cfgtest_load_ok(BASE, "d.conf");
	doctor_run(cfg, NULL, &r);
	ck_assert_int_eq(doctor_exit(&r), 0);
	config_free(cfg);
}
END_TEST

/* Seed 001's DfltGrpPolicy, inherited by a phone policy that sets nothing:
 * every refusing attribute is named (not only the first the ASA meets),
 * each with its fix, and the vpn-filter warned about. */
START_TEST(test_seed001_every_problem)
{
	struct sslvpnd_config *cfg = cfgtest_load_ok(
		IFACE(443) TPS POOL "access_lists = ( { name = \"NO-TRAFFIC\"; type = \"extended\";"
		" entries = \"deny ip any any\"; } );\n"
		"group_policies = ( { name = \"DfltGrpPolicy\"; vpn-simultaneous-logins = 0;"
		" vpn-tunnel-protocol = [ \"ikev1\", \"ssl-clientless\" ];"
		" group-lock = \"DefaultWEBVPNGroup\"; vpn-filter = \"NO-TRAFFIC\"; },"
		" { name = \"PhonePolicy\"; } );\n" TG(""), "seed001.conf");
	static struct doc_report r;
	static const char *const fixes[] = {
		"vpn-tunnel-protocol = [ \"ssl-client\" ];", "group-lock = \"none\";",
		"vpn-simultaneous-logins = 3;",
	};
	size_t errors = 0, warnings = 0; /* refusals, the vpn-filter */

	doctor_run(cfg, NULL, &r);
	for (size_t i = 0; i < r.n; i++) {
		if (strcmp(r.f[i].check, "dflt-grp-policy"))
			continue;
		if (!strstr(r.f[i].what, "every phone is refused")) {
			warnings++;
			ck_assert_ptr_nonnull(strstr(r.f[i].what, "vpn-filter NO-TRAFFIC"));
			continue;
		}
		ck_assert_uint_lt(errors, 3);
		ck_assert_msg(strstr(r.f[i].fix, fixes[errors]), "error %zu: fix %s", errors,
			      r.f[i].fix);
		errors++;
	}
	ck_assert_uint_eq(errors, 3);
	ck_assert_uint_eq(warnings, 1);
	config_free(cfg);
}
END_TEST

/* asa-compat names must be known: a lab relies on seeing the failure. */
START_TEST(test_asa_compat_unknown)
{
	struct sslvpnd_config *cfg = NULL;
	static struct cfg_errors errs;

	memset(&errs, 0, sizeof(errs));
	ck_assert_int_eq(config_load_string(IFACE(443) TPS POOL GP("", "")
					    TG("asa-compat = [ \"load-balancing\" ];"),
					    "d.conf", CFGTEST_STATE, &cfg, &errs), -1);
	ck_assert_msg(strstr(cfgtest_errs_text(&errs),
			     "asa-compat \"load-balancing\" is not an ASA behaviour"),
		      "%s", cfgtest_errs_text(&errs));
	cfg = cfgtest_load_ok(IFACE(443) TPS POOL GP("", "") TG("asa-compat = \"dtls-cipher\";"),
			      "d.conf");
	ck_assert_uint_eq(cfg->tunnel_groups[0].asa_compat_mask, CFG_ASA_COMPAT_DTLS_CIPHER);
	ck_assert_int_eq(config_asa_compat_any(cfg, CFG_ASA_COMPAT_DTLS_CIPHER), 1);
	ck_assert_int_eq(config_asa_compat_any(cfg, CFG_ASA_COMPAT_TEMP_EC), 0);
	config_free(cfg);
	cfg = cfgtest_load_ok(IFACE(443) TPS POOL GP("", "")
			      TG("asa-compat = [ \"temp-ec-cert\", \"dtls-cipher\" ];"), "d.conf");
	ck_assert_uint_eq(cfg->tunnel_groups[0].asa_compat_mask,
			  CFG_ASA_COMPAT_DTLS_CIPHER | CFG_ASA_COMPAT_TEMP_EC);
	config_free(cfg);
}
END_TEST

/* load_balancing: participate needs peers (base URLs) and the cluster's
 * own name, which no peer may carry (a redirect to itself for ever). */
START_TEST(test_load_balancing_load)
{
	static const struct {
		const char *lb, *err;
	} bad[] = {
		{ "participate = true; cluster-address = \"vpn.example.com\";",
		  "participate needs load_balancing.peers" },
		{ "participate = true; peers = \"https://198.18.0.5\";",
		  "participate needs load_balancing.cluster-address" },
		{ "participate = true; cluster-address = \"198.18.0.5\"; peers = \"https://198.18.0.5\";",
		  "a redirect to itself for ever" },
		{ "participate = true; cluster-address = \"vpn\"; peers = \"https://198.18.0.5/phone\";",
		  "must be a base URL" },
		{ "peers = \"http://198.18.0.5\";", "must use the https scheme" },
	};
	struct sslvpnd_config *cfg = NULL;
	static struct cfg_errors errs;
	char conf[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&errs, 0, sizeof(errs));
		snprintf(conf, sizeof(conf), "%sload_balancing = { %s };\n", BASE, bad[i].lb);
		ck_assert_int_eq(config_load_string(conf, "d.conf", CFGTEST_STATE, &cfg, &errs), -1);
		ck_assert_msg(strstr(cfgtest_errs_text(&errs), bad[i].err), "%s: %s", bad[i].lb,
			      cfgtest_errs_text(&errs));
	}
	cfg = cfgtest_load_ok(BASE LB("vpn.example.com"), "d.conf");
	ck_assert_int_eq(cfg->load_balancing.participate, 1);
	ck_assert_uint_eq(cfg->load_balancing.n_peers, 2);
	ck_assert_str_eq(cfg->load_balancing.peers[1].host, "198.18.0.6");
	ck_assert_uint_eq(cfg->load_balancing.peers[1].port, 8443);
	config_free(cfg);
	cfg = cfgtest_load_ok(IFACE(443) TPS POOL GP("", "") TG("asa-compat = [ \"lb-redirect\" ];"),
			      "d.conf");
	ck_assert_uint_eq(cfg->tunnel_groups[0].asa_compat_mask, CFG_ASA_COMPAT_LB_REDIRECT);
	config_free(cfg);
}
END_TEST

/* fleet-certhash (S16): the phones' list in either form; a node whose hash
 * is missing is one error naming it, the hash and the slot to add. */
START_TEST(test_fleet_certhash)
{
	static const char vg[] =
		"<vpnGroup><credentials><hashAlg>0</hashAlg>\n"
		"<certHash1>NFAVlSDa8vWPfvY35J1D8N9USRs=</certHash1>\n"
		"<certHash3> 825E618025198AB2E4F625D90ADB55034BC823D7 </certHash3>"
		"</credentials></vpnGroup>";
	char pins[10][DOC_HASH_B64], why[160];
	struct doc_fleet_node nodes[] = {
		{ "n1", "https://a/phone", "3450159520DAF2F58F7EF637E49D43F0DF54491B" },
		{ "n2", "https://b/phone",
		  "825E618025198AB2E4F625D90ADB55034BC823D7,1111111111111111111111111111111111111111" },
	};
	static struct doc_report rep;
	int n = doctor_vpngroup_hashes(vg, pins, 10, why, sizeof(why));

	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(pins[0], "NFAVlSDa8vWPfvY35J1D8N9USRs=");
	ck_assert_str_eq(pins[1], "gl5hgCUZirLk9iXZCttVA0vII9c=");
	memset(&rep, 0, sizeof(rep));
	doctor_fleet(&rep, nodes, 2, pins, n, "vg.xml");
	ck_assert_uint_eq(rep.n, 1);
	ck_assert_int_eq(rep.worst, DOC_ERROR);
	ck_assert_str_eq(rep.f[0].check, "fleet-certhash");
	ck_assert_str_eq(rep.f[0].object, "node n2");
	ck_assert_ptr_nonnull(strstr(rep.f[0].what, "1111111111111111111111111111111111111111"));
	ck_assert_ptr_nonnull(strstr(rep.f[0].fix, "<certHash3>ERERERERERERERERERERERERERE=</certHash3>"));
	ck_assert_int_eq(doctor_vpngroup_hashes("<vpnGroup><certHash2>xyz</certHash2></vpnGroup>",
						pins, 10, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "<certHash2>"));
	ck_assert_int_eq(doctor_vpngroup_hashes("<phone/>", pins, 10, why, sizeof(why)), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("doctor");
	TCase *tc = tcase_create("checks");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_every_check_covered);
	tcase_add_test(tc, test_exit_and_no_facts);
	tcase_add_test(tc, test_asa_compat_unknown);
	tcase_add_test(tc, test_load_balancing_load);
	tcase_add_test(tc, test_seed001_every_problem);
	tcase_add_test(tc, test_fleet_certhash);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
