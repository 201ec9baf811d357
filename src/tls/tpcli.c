/* The ASA's certificate commands (crypto ca ...), as library functions for
 * `sslvpnd --crypto` (offline, on the configuration file) and the control
 * socket (sslvpnctl, on the running configuration).
 *
 *   show crypto ca certificates [TP]
 *   crypto ca enroll TP                      (enrollment self)
 *   crypto ca authenticate TP  < PEM         (enrollment terminal)
 *   crypto ca export TP identity-certificate (PEM for CUCM Phone-VPN-trust)
 *   crypto ca import TP pkcs12 FILE          (pass phrase on stdin)
 *   certhash TP [TP...] [--tunnel-group NAME] (SHA-1 hex + base64, vpnGroup)
 *   show crypto ca expiry [DAYS]             (certificates expiring soon)
 *   show crypto ca check                     (what the start-up report says)
 *
 * TP may also be _temporary_rsa / _temporary_ec: the temporary certificates
 * an interface without a trustpoint presents (RSA to RSA-only clients such
 * as phones, EC to clients offering ECDSA); certhash _temporary prints both.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "sslvpnd/log.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "identity.h"

enum {
	EXPIRY_DEFAULT_DAYS = 60, /* crypto ca alerts expiration 60 */
	EXPIRY_MAX_DAYS = 3650,
	CA_IMPORT_MAX = 16, /* certificates in one authenticate paste */
};

struct ca_cmd {
	const struct sslvpnd_config *cfg;
	FILE *out;
	FILE *in;
	char *err;
	size_t errlen;
};

static int cmd_fail(struct ca_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cmd_fail(struct ca_cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return -1;
}

static const struct cfg_trustpoint *tp_find(const struct sslvpnd_config *cfg,
					    const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_trustpoints; i++)
		if (!strcmp(cfg->trustpoints[i].name, name))
			return &cfg->trustpoints[i];
	return NULL;
}

/* ---- formatting */

void tls_sha1_forms(X509 *cert, char hex[60], char b64[32])
{
	uint8_t sha1[20];

	tls_cert_sha1(cert, sha1);
	util_hex_colon(hex, sha1, sizeof(sha1));
	EVP_EncodeBlock((unsigned char *)b64, sha1, sizeof(sha1));
}

/* ASA: "12:00:00 UTC Jan 1 2030" */
static void asa_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) ||
	    !strftime(buf, len, "%H:%M:%S UTC %b %e %Y", &tm))
		util_strlcpy(buf, "(invalid)", len);
}

/* ASA style: one RDN per element, lower-case attribute names. */
static void print_name(FILE *out, const X509_NAME *n)
{
	int i;

	for (i = X509_NAME_entry_count(n) - 1; i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		unsigned char *v = NULL;
		const char *sn = nid == NID_undef ? "?" : OBJ_nid2sn(nid);
		int k;

		if (ASN1_STRING_to_UTF8(&v, X509_NAME_ENTRY_get_data(e)) < 0)
			continue;
		fputs("    ", out);
		for (k = 0; sn[k]; k++)
			fputc(sn[k] >= 'A' && sn[k] <= 'Z' ? sn[k] + 32 : sn[k],
			      out);
		fprintf(out, "=%s\n", (char *)v);
		OPENSSL_free(v);
	}
}

static void print_key(FILE *out, X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int base = pk ? EVP_PKEY_get_base_id(pk) : NID_undef;
	char group[64] = "";
	size_t glen = 0;

	if (base == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof(group),
					   &glen))
		fprintf(out, "  Public Key Type: ECDSA (%d bits, %s)\n",
			EVP_PKEY_get_bits(pk), group);
	else
		fprintf(out, "  Public Key Type: %s (%d bits)\n",
			base == EVP_PKEY_RSA ? "RSA" :
			base == EVP_PKEY_EC  ? "ECDSA" :
					       OBJ_nid2sn(base),
			pk ? EVP_PKEY_get_bits(pk) : 0);
}

static const char *status_of(X509 *x)
{
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		return "Pending (not yet valid)";
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		return "Expired";
	return "Available";
}

/* One certificate the way `show crypto ca certificates` prints it. */
static void show_cert(FILE *out, X509 *x, int ca, const char *tp,
		      const char *storage)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *serial = bn ? BN_bn2hex(bn) : NULL;
	char when[64], hex[60], b64[32];
	int mdnid = NID_undef, pknid = NID_undef;

	fprintf(out, "%s\n  Status: %s\n", ca ? "CA Certificate" : "Certificate",
		status_of(x));
	fprintf(out, "  Certificate Serial Number: %s\n",
		serial ? serial : "?");
	fprintf(out, "  Certificate Usage: %s\n",
		ca ? "Signature" : "General Purpose");
	print_key(out, x);
	X509_get_signature_info(x, &mdnid, &pknid, NULL, NULL);
	fprintf(out, "  Signature Algorithm: %s with %s Encryption\n",
		mdnid == NID_undef ? "?" : OBJ_nid2sn(mdnid),
		pknid == EVP_PKEY_EC ? "ECDSA" : "RSA");
	fputs("  Issuer Name:\n", out);
	print_name(out, X509_get_issuer_name(x));
	fputs("  Subject Name:\n", out);
	print_name(out, X509_get_subject_name(x));
	fputs("  Validity Date:\n", out);
	asa_time(X509_get0_notBefore(x), when, sizeof(when));
	fprintf(out, "    start date: %s\n", when);
	asa_time(X509_get0_notAfter(x), when, sizeof(when));
	fprintf(out, "    end   date: %s\n", when);
	tls_sha1_forms(x, hex, b64);
	fprintf(out, "  SHA-1 Fingerprint: %s (%s)\n", hex, b64);
	fprintf(out, "  Storage: %s\n", storage);
	fprintf(out, "  Associated Trustpoints: %s\n\n", tp);
	OPENSSL_free(serial);
	BN_free(bn);
}

/* ---- loading what a trustpoint holds */

/* name is a trustpoint or _temporary[_rsa] / _temporary_ec (export of
 * _temporary gives the RSA one, the certificate phones get). */
static int load_identity(struct ca_cmd *c, const char *name,
			 struct identity *id)
{
	const struct cfg_trustpoint *tp;

	if (!strcmp(name, "_temporary") || !strcmp(name, "_temporary_rsa"))
		return identity_peek_temporary(c->cfg->general.state_dir,
					       CFG_KEY_RSA, id, c->err,
					       c->errlen);
	if (!strcmp(name, "_temporary_ec"))
		return identity_peek_temporary(c->cfg->general.state_dir,
					       CFG_KEY_EC, id, c->err,
					       c->errlen);
	tp = tp_find(c->cfg, name);
	if (!tp)
		return cmd_fail(c, "trustpoint %s is not defined", name);
	return identity_peek(c->cfg, tp, id, c->err, c->errlen);
}

static int show_tp(struct ca_cmd *c, const struct cfg_trustpoint *tp)
{
	STACK_OF(X509) *sk;
	struct identity id;
	int i, rc;

	if (tp->enrollment != CFG_ENROLL_TERMINAL) {
		if (identity_peek(c->cfg, tp, &id, c->err, c->errlen) < 0)
			return -1;
		show_cert(c->out, id.cert, 0, tp->name, id.path);
		for (i = 0; i < sk_X509_num(id.chain); i++)
			show_cert(c->out, sk_X509_value(id.chain, i), 1,
				  tp->name, id.path);
		identity_clear(&id);
		return 0;
	}
	sk = sk_X509_new_null();
	if (!sk)
		return cmd_fail(c, "out of memory");
	rc = identity_ca_certs(tp, sk, c->err, c->errlen);
	for (i = 0; rc == 0 && i < sk_X509_num(sk); i++)
		show_cert(c->out, sk_X509_value(sk, i), 1, tp->name,
			  tp->certificate);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static int cmd_show(struct ca_cmd *c, int argc, char **argv)
{
	size_t i;
	int shown = 0, rc = 0;

	if (argc > 1)
		return cmd_fail(c, "usage: show crypto ca certificates [TP]");
	for (i = 0; i < c->cfg->n_trustpoints; i++) {
		const struct cfg_trustpoint *tp = &c->cfg->trustpoints[i];

		if (argc == 1 && strcmp(argv[0], tp->name))
			continue;
		shown++;
		/* a broken trustpoint is reported, the others still shown */
		if (show_tp(c, tp) < 0) {
			fprintf(c->out, "%% trustpoint %s: %s\n\n", tp->name,
				c->err);
			rc = -1;
		}
	}
	if (argc == 1 && !shown)
		return cmd_fail(c, "trustpoint %s is not defined", argv[0]);
	if (rc < 0)
		return cmd_fail(c, "some trustpoints could not be read");
	return 0;
}

/* ---- the certificates phones pin, per interface (tls.h) */

/* The RSA identity interface ifc presents to RSA-only clients: its first
 * configured RSA identity, else the temporary RSA certificate (the
 * gather's rule, tlsgather.c gather_ids).  0 with sha1, or -1. */
static int iface_phone_sha1(const struct sslvpnd_config *cfg,
			    const struct cfg_interface *ifc, uint8_t sha1[20])
{
	struct identity id;
	char err[256];

	for (size_t i = 0; i < ifc->trustpoints.n; i++) {
		const struct cfg_trustpoint *tp = tp_find(cfg, ifc->trustpoints.v[i]);

		if (!tp || identity_peek(cfg, tp, &id, err, sizeof(err)) < 0)
			continue;
		int rsa = EVP_PKEY_get_base_id(id.key) == EVP_PKEY_RSA;

		if (rsa)
			tls_cert_sha1(id.cert, sha1);
		identity_clear(&id);
		if (rsa)
			return 0;
	}
	if (identity_peek_temporary(cfg->general.state_dir, CFG_KEY_RSA, &id, err,
				    sizeof(err)) < 0)
		return -1;
	tls_cert_sha1(id.cert, sha1);
	identity_clear(&id);
	return 0;
}

int tls_phone_sha1s(const struct sslvpnd_config *cfg, char *out, size_t len)
{
	char hex[41];
	uint8_t sha1[20];
	int n = 0;

	if (len)
		out[0] = 0;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		if (iface_phone_sha1(cfg, &cfg->interfaces[i], sha1) < 0)
			continue;
		util_hex(hex, sha1, sizeof(sha1), 1);
		if (strstr(out, hex))
			continue;
		size_t used = strlen(out);

		if (used + 42 > len)
			break;
		snprintf(out + used, len - used, "%s%s", n ? "," : "", hex);
		n++;
	}
	return n ? n : -1;
}

/* ---- certhash */

/* One certificate certhash prints: what the user named, and for the
 * temporary ones which key type and which clients get it. */
struct ch_item {
	const char *name;  /* trustpoint, _temporary_rsa or _temporary_ec */
	const char *label; /* printed after the name; "" for trustpoints */
};

enum { CH_MAX = 10 }; /* certHash1..certHash10 */

/* _temporary is both temporary certificates: the RSA one (RSA-only
 * clients: phones) first, then the EC one (clients offering ECDSA). */
static int ch_expand(struct ca_cmd *c, int argc, char **argv,
		     struct ch_item *it, int *n)
{
	static const struct ch_item rsa = {
		"_temporary_rsa",
		" (RSA: for clients offering only RSA suites, e.g. phones)"
	};
	static const struct ch_item ec = {
		"_temporary_ec",
		" (EC: for clients offering ECDSA suites, e.g. AnyConnect)"
	};
	int i;

	for (*n = 0, i = 0; i < argc; i++) {
		int two = !strcmp(argv[i], "_temporary");

		if (*n + 1 + two > CH_MAX)
			return cmd_fail(c, "certhash: at most %d certificates (certHash1..certHash%d)",
					CH_MAX, CH_MAX);
		if (two) {
			it[(*n)++] = rsa;
			it[(*n)++] = ec;
		} else if (!strcmp(argv[i], "_temporary_rsa")) {
			it[(*n)++] = rsa;
		} else if (!strcmp(argv[i], "_temporary_ec")) {
			it[(*n)++] = ec;
		} else {
			it[*n].name = argv[i];
			it[(*n)++].label = "";
		}
	}
	return 0;
}

/* ---- the tunnel group the phones' snippet points at */

/* CUCM authMethod for a tunnel group's authentication: 0 user and
 * password, 1 password only, 2 certificate (LSC or MIC).  With "aaa
 * certificate" the phone posts user and password and presents its
 * MIC/LSC in the TLS handshake as it always does. */
static const struct {
	enum cfg_auth auth;
	int auth_method;
} ch_auth[] = {
	{ CFG_AUTH_CERTIFICATE, 2 },
	{ CFG_AUTH_AAA, 0 },
	{ CFG_AUTH_AAA_CERTIFICATE, 0 },
};

static int ch_auth_method(enum cfg_auth a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ch_auth); i++)
		if (ch_auth[i].auth == a)
			return ch_auth[i].auth_method;
	return 0;
}

static size_t tg_enabled_urls(const struct cfg_tunnel_group *tg)
{
	size_t i, n = 0;

	for (i = 0; i < tg->n_urls && i < CFG_LIST_MAX; i++)
		n += tg->urls[i].enabled != 0;
	return n;
}

#define CH_DFLT_TG "DefaultWEBVPNGroup"

/* --tunnel-group NAME, else the only tunnel group with an enabled
 * group-url: without its group-url a phone lands in DefaultWEBVPNGroup,
 * which is therefore the group when no tunnel group has one (url1 is then
 * the identity's host). */
static const struct cfg_tunnel_group *ch_named_group(struct ca_cmd *c,
						     const char *name)
{
	const struct cfg_tunnel_group *tg = config_tunnel_group(c->cfg, name);

	if (!tg) {
		cmd_fail(c, "certhash: no tunnel-group %s in the configuration", name);
		return NULL;
	}
	if (!tg_enabled_urls(tg) && strcmp(tg->name, CH_DFLT_TG)) {
		cmd_fail(c, "certhash: tunnel-group %s has no enabled group-url (phones would land in DefaultWEBVPNGroup)",
			 name);
		return NULL;
	}
	return tg;
}

static const struct cfg_tunnel_group *ch_tunnel_group(struct ca_cmd *c,
						      const char *name)
{
	const struct cfg_tunnel_group *tg, *found = NULL;
	char names[72] = ""; /* fits the 150-character sslvpnctl error */
	size_t i, n = 0, used;

	if (name)
		return ch_named_group(c, name);
	for (i = 0; i < c->cfg->n_tunnel_groups; i++) {
		tg = &c->cfg->tunnel_groups[i];
		if (!tg_enabled_urls(tg))
			continue;
		found = tg;
		used = strlen(names);
		snprintf(names + used, sizeof(names) - used, "%s%s", n++ ? ", " : "",
			 tg->name);
	}
	if (n == 1)
		return found;
	if (n == 0)
		return config_tunnel_group(c->cfg, CH_DFLT_TG);
	cmd_fail(c, "certhash: several tunnel groups have a group-url (%s): choose with --tunnel-group NAME",
		 names);
	return NULL;
}

/* Splits "TP... [--tunnel-group NAME]" (the option anywhere). */
static int ch_args(struct ca_cmd *c, int argc, char **argv, char **tps,
		   int *ntp, const char **tgname)
{
	int i;

	*ntp = 0;
	*tgname = NULL;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--tunnel-group")) {
			if (i + 1 >= argc || *tgname)
				return cmd_fail(c, "certhash: --tunnel-group takes one tunnel group name");
			*tgname = argv[++i];
		} else if (argv[i][0] == '-') {
			return cmd_fail(c, "certhash: unknown option %s (usage: certhash TP [TP...] [--tunnel-group NAME])",
					argv[i]);
		} else if (*ntp >= CH_MAX) {
			return cmd_fail(c, "usage: certhash TP [TP...] (up to %d) [--tunnel-group NAME]",
					CH_MAX);
		} else {
			tps[(*ntp)++] = argv[i];
		}
	}
	if (!*ntp)
		return cmd_fail(c, "usage: certhash TP [TP...] (up to %d) [--tunnel-group NAME]",
				CH_MAX);
	return 0;
}

/* The host of url1 when the group has no group-url: the first DNS SAN of
 * the identity, else its CN, else a placeholder the admin must replace. */
static void cert_host(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i;

	util_strlcpy(buf, "VPN-HOST", len);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS && ASN1_STRING_length(g->d.dNSName) < (int)len) {
			util_strlcpy(buf, (const char *)ASN1_STRING_get0_data(g->d.dNSName), len);
			GENERAL_NAMES_free(gens);
			return;
		}
	}
	GENERAL_NAMES_free(gens);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)len);
	if (strchr(buf, ' ') || !buf[0])
		util_strlcpy(buf, "VPN-HOST", len);
}

/* s as XML character data (a group-url may hold '&'). */
static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else
			fputc(*s, out);
	}
}

static void ch_url(FILE *out, size_t u, const char *url)
{
	fprintf(out, "    <url%zu>", u);
	xml_text(out, url);
	fprintf(out, "</url%zu>\n", u);
}

/* The CUCM <vpnGroup> of SEP<MAC>.cnf.xml: url1..url3 are the tunnel
 * group's enabled group-urls as written (the ASA matches host and path),
 * or the fleet's node URLs (fleet, n_fleet: certhash --fleet); authMethod
 * follows the group's authentication. */
static void ch_snippet(struct ca_cmd *c, const struct cfg_tunnel_group *tg,
		       const char *host, const struct tls_fleet_node *fleet, size_t n_fleet,
		       char slots[][32], int n)
{
	size_t i, u = 0;
	int k;

	fprintf(c->out,
		"\nCUCM phone configuration (SEP<MAC>.cnf.xml) for tunnel-group %s%s:\n<vpnGroup>\n"
		"  <mtu>1290</mtu>\n  <failConnectTime>30</failConnectTime>\n"
		"  <authMethod>%d</authMethod>\n  <pswdPersistent>0</pswdPersistent>\n"
		"  <autoNetDetect>0</autoNetDetect>\n"
		"  <enableHostIDCheck>0</enableHostIDCheck>\n  <addresses>\n",
		tg->name, fleet ? ", the fleet's nodes" : "", ch_auth_method(tg->authentication));
	for (i = 0; fleet && i < n_fleet && u < 3; i++)
		ch_url(c->out, ++u, fleet[i].url);
	for (i = 0; !fleet && i < tg->n_urls && i < CFG_LIST_MAX && u < 3; i++)
		if (tg->urls[i].enabled)
			ch_url(c->out, ++u, tg->urls[i].url);
	if (!u) {
		fputs("    <url1>https://", c->out);
		xml_text(c->out, host);
		fputs("/</url1>\n", c->out);
	}
	fputs("  </addresses>\n  <credentials>\n    <hashAlg>0</hashAlg>\n", c->out);
	for (k = 0; k < n; k++)
		fprintf(c->out, "    <certHash%d>%s</certHash%d>\n", k + 1, slots[k], k + 1);
	fputs("  </credentials>\n</vpnGroup>\n", c->out);
}

static int cmd_certhash(struct ca_cmd *c, int argc, char **argv)
{
	char hex[60], b64[32], subj[256], host[256] = "VPN-HOST";
	char slots[CH_MAX][32];
	char *tps[CH_MAX];
	struct ch_item it[CH_MAX];
	const struct cfg_tunnel_group *tg;
	const char *tgname;
	struct identity id;
	int i, n, ntp;

	if (ch_args(c, argc, argv, tps, &ntp, &tgname) < 0 ||
	    ch_expand(c, ntp, tps, it, &n) < 0)
		return -1;
	tg = ch_tunnel_group(c, tgname);
	if (!tg)
		return -1;
	for (i = 0; i < n; i++) {
		if (load_identity(c, it[i].name, &id) < 0)
			return -1;
		tls_sha1_forms(id.cert, hex, slots[i]);
		if (i == 0)
			cert_host(id.cert, host, sizeof(host));
		util_strlcpy(b64, slots[i], sizeof(b64));
		X509_NAME_oneline(X509_get_subject_name(id.cert), subj,
				  sizeof(subj));
		fprintf(c->out,
			"trustpoint %s%s: %s\n  SHA-1 (hex):    %s\n"
			"  SHA-1 (base64): %s\n",
			it[i].name, it[i].label, subj, hex, b64);
		identity_clear(&id);
	}
	ch_snippet(c, tg, host, NULL, 0, slots, n);
	return 0;
}

/* ---- certhash --fleet (tls.h) */

/* The distinct hashes of the nodes into slots (base64) and hex (for the
 * listing); -1 with the cause when a node has none or there are more than
 * certHash1..certHash10 hold. */
static int fleet_slots(struct ca_cmd *c, const struct tls_fleet_node *nodes, size_t n,
		       char slots[][32], int *nslots)
{
	char seen[64][41]; /* counted exactly up to 64, for the error */
	int distinct = 0;

	*nslots = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = nodes[i].certhash;
		uint8_t sha1[20];

		if (!*p)
			return cmd_fail(c, "certhash --fleet: node %s published no certificate hash (its version predates the certhash field?)",
					nodes[i].name);
		for (; *p; p += *p == ',') {
			size_t len = strcspn(p, ",");
			int k;

			if (len != 40 || util_unhex(sha1, 20, p, 40) < 0)
				return cmd_fail(c, "certhash --fleet: node %s: bad hash in its record: %.*s",
						nodes[i].name, (int)(len > 60 ? 60 : len), p);
			for (k = 0; k < distinct && strncasecmp(seen[k], p, 40); k++)
				;
			if (k == distinct && distinct < (int)ARRAY_SIZE(seen)) {
				memcpy(seen[distinct], p, 40);
				seen[distinct][40] = 0;
				if (distinct < CH_MAX)
					EVP_EncodeBlock((unsigned char *)slots[distinct], sha1, 20);
				distinct++;
			}
			p += len;
		}
	}
	if (distinct > CH_MAX)
		return cmd_fail(c, "certhash --fleet: the fleet's nodes present %d%s distinct certificates; a phone holds at most %d: give the nodes one identity certificate",
				distinct, distinct == (int)ARRAY_SIZE(seen) ? " or more" : "", CH_MAX);
	*nslots = distinct;
	return 0;
}

static void fleet_listing(struct ca_cmd *c, const struct tls_fleet_node *nodes, size_t n)
{
	char hexc[60], b64[32];
	uint8_t sha1[20];

	for (size_t i = 0; i < n; i++) {
		fprintf(c->out, "node %s (slice %d) %s%s:\n", nodes[i].name, nodes[i].slice,
			nodes[i].url, i < 3 ? "" : " (not in the phones' url1..url3)");
		for (const char *p = nodes[i].certhash; *p; p += *p == ',') {
			size_t len = strcspn(p, ",");

			if (len == 40 && util_unhex(sha1, 20, p, 40) == 0) {
				util_hex_colon(hexc, sha1, 20);
				EVP_EncodeBlock((unsigned char *)b64, sha1, 20);
				fprintf(c->out, "  SHA-1 (hex):    %s\n  SHA-1 (base64): %s\n", hexc, b64);
			}
			p += len;
		}
	}
	if (n > 3)
		fprintf(c->out,
			"\nnote: %zu live nodes; a phone takes three URLs: url1..url3 are %s, %s, %s (slice order); give the other nodes' phones a vpnGroup of their own\n",
			n, nodes[0].name, nodes[1].name, nodes[2].name);
}

int tls_certhash_fleet(const struct sslvpnd_config *cfg, const char *tgname,
		       const struct tls_fleet_node *nodes, size_t n, FILE *out, char *err,
		       size_t errlen)
{
	struct ca_cmd c = { cfg, out, NULL, err, errlen };
	const struct cfg_tunnel_group *tg;
	char slots[CH_MAX][32];
	int nslots;

	err[0] = 0;
	if (!n)
		return cmd_fail(&c, "certhash --fleet: no live node in the fleet's Redis");
	for (size_t i = 0; i < n; i++)
		if (!nodes[i].url[0])
			return cmd_fail(&c, "certhash --fleet: node %s has no fleet.url (the URL its phones use)",
					nodes[i].name);
	tg = ch_tunnel_group(&c, tgname);
	if (!tg || fleet_slots(&c, nodes, n, slots, &nslots) < 0)
		return -1;
	fleet_listing(&c, nodes, n);
	ch_snippet(&c, tg, "", nodes, n, slots, nslots);
	return 0;
}

/* ---- export, enroll */

static int cmd_export(struct ca_cmd *c, int argc, char **argv)
{
	struct identity id;
	int ok;

	if (argc != 2 || strcmp(argv[1], "identity-certificate"))
		return cmd_fail(
			c, "usage: crypto ca export TP identity-certificate");
	if (load_identity(c, argv[0], &id) < 0)
		return -1;
	ok = PEM_write_X509(c->out, id.cert);
	identity_clear(&id);
	return ok ? 0 : cmd_fail(c, "cannot write the certificate");
}

static int cmd_enroll(struct ca_cmd *c, int argc, char **argv)
{
	const struct cfg_trustpoint *tp;
	struct identity id;
	char hex[60], b64[32];

	if (argc < 1 || argc > 2 || (argc == 2 && strcmp(argv[1], "noconfirm")))
		return cmd_fail(c, "usage: crypto ca enroll TP [noconfirm]");
	tp = tp_find(c->cfg, argv[0]);
	if (!tp)
		return cmd_fail(c, "trustpoint %s is not defined", argv[0]);
	if (identity_enroll(c->cfg, tp, &id, c->err, c->errlen) < 0)
		return -1;
	tls_sha1_forms(id.cert, hex, b64);
	log_event(LM_IDENTITY_GENERATED, tp->name, id.path, hex);
	fprintf(c->out,
		"%% The self-signed certificate of trustpoint %s was generated: %s\n"
		"%% SHA-1 %s (certHash %s)\n",
		tp->name, id.path, hex, b64);
	identity_clear(&id);
	return 0;
}

/* ---- authenticate */

static int read_paste(struct ca_cmd *c, STACK_OF(X509) *sk)
{
	X509 *x;

	if (!c->in)
		return cmd_fail(
			c,
			"crypto ca authenticate needs the PEM on standard input (sslvpnd --crypto ca authenticate TP < ca.pem)");
	ERR_clear_error();
	while (sk_X509_num(sk) < CA_IMPORT_MAX &&
	       (x = PEM_read_X509(c->in, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			return cmd_fail(c, "out of memory");
		}
	if (sk_X509_num(sk) == 0)
		return cmd_fail(c, "no PEM certificate on standard input");
	ERR_clear_error();
	return 0;
}

/* Where the paste goes: the trustpoint's file, or TP.pem in its folder. */
static int paste_path(struct ca_cmd *c, const struct cfg_trustpoint *tp,
		      char *path, size_t len)
{
	struct stat st;

	if (!tp->certificate[0])
		return cmd_fail(c, "trustpoint %s has no certificate path",
				tp->name);
	if (stat(tp->certificate, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (strchr(tp->name, '/') || tp->name[0] == '.')
			return cmd_fail(c, "trustpoint \"%s\": bad file name",
					tp->name);
		if ((size_t)snprintf(path, len, "%s/%s.pem", tp->certificate,
				     tp->name) >= len)
			return cmd_fail(c, "path too long");
	} else {
		util_strlcpy(path, tp->certificate, len);
	}
	if (access(path, F_OK) == 0)
		return cmd_fail(
			c,
			"trustpoint %s already has certificates in %s: remove the file first",
			tp->name, path);
	return 0;
}

static int write_paste(struct ca_cmd *c, const char *path,
		       STACK_OF(X509) *sk)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	int i, ok = fp != NULL;

	if (!fp) {
		if (fd >= 0)
			close(fd);
		return cmd_fail(c, "%s: %s", path, strerror(errno));
	}
	for (i = 0; ok && i < sk_X509_num(sk); i++)
		ok = PEM_write_X509(fp, sk_X509_value(sk, i));
	if (fclose(fp) != 0 || !ok) {
		unlink(path);
		return cmd_fail(c, "%s: write failed", path);
	}
	return 0;
}

static int cmd_authenticate(struct ca_cmd *c, int argc, char **argv)
{
	const struct cfg_trustpoint *tp;
	STACK_OF(X509) *sk;
	char path[CFG_PATH_MAX + CFG_NAME_MAX + 8], hex[60], b64[32];
	int i, rc;

	if (argc != 1)
		return cmd_fail(c, "usage: crypto ca authenticate TP < PEM");
	tp = tp_find(c->cfg, argv[0]);
	if (!tp)
		return cmd_fail(c, "trustpoint %s is not defined", argv[0]);
	if (tp->enrollment != CFG_ENROLL_TERMINAL)
		return cmd_fail(
			c,
			"trustpoint %s is an identity trustpoint; authenticate needs enrollment terminal",
			tp->name);
	sk = sk_X509_new_null();
	if (!sk)
		return cmd_fail(c, "out of memory");
	rc = paste_path(c, tp, path, sizeof(path));
	if (rc == 0)
		rc = read_paste(c, sk);
	for (i = 0; rc == 0 && i < sk_X509_num(sk); i++)
		if (X509_check_ca(sk_X509_value(sk, i)) == 0)
			rc = cmd_fail(
				c, "certificate %d of the paste is not a CA certificate",
				i + 1);
	if (rc == 0)
		rc = write_paste(c, path, sk);
	for (i = 0; rc == 0 && i < sk_X509_num(sk); i++) {
		tls_sha1_forms(sk_X509_value(sk, i), hex, b64);
		fprintf(c->out, "Certificate has the following attributes:\n"
				"Fingerprint (SHA-1): %s\n",
			hex);
	}
	if (rc == 0)
		fprintf(c->out,
			"Trustpoint CA certificate accepted (%s).\n"
			"%% Reload the configuration to use it (sslvpnctl reload).\n",
			path);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

/* ---- import pkcs12 */

/* The pass phrase: the first line of in ("" when in is empty or NULL). */
static void read_passphrase(FILE *in, char *buf, size_t len)
{
	size_t n;

	buf[0] = '\0';
	if (!in || !fgets(buf, (int)len, in))
		return;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
}

static int write_key_file(struct ca_cmd *c, const char *path, EVP_PKEY *key)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	int ok;

	if (!fp) {
		if (fd >= 0)
			close(fd);
		return cmd_fail(c, "%s: %s", path, strerror(errno));
	}
	ok = PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
	if (fclose(fp) != 0 || !ok) {
		unlink(path);
		return cmd_fail(c, "%s: write failed", path);
	}
	return 0;
}

static int p12_parse(struct ca_cmd *c, const char *file, const char *pass,
		     EVP_PKEY **key, X509 **cert, STACK_OF(X509) **ca)
{
	FILE *fp = fopen(file, "rb");
	PKCS12 *p12 = fp ? d2i_PKCS12_fp(fp, NULL) : NULL;
	int ok;

	if (fp)
		fclose(fp);
	if (!p12)
		return cmd_fail(c, "%s: %s", file,
				fp ? "not a PKCS#12 file" : strerror(errno));
	ok = PKCS12_parse(p12, pass, key, cert, ca);
	PKCS12_free(p12);
	if (!ok || !*key || !*cert)
		return cmd_fail(c, "%s: wrong pass phrase, or no key and certificate in it",
				file);
	return 0;
}

/* crypto ca import TP pkcs12 FILE (pass phrase on the first line of in):
 * the key and the chain into the trustpoint's key and certificate files. */
static int cmd_import(struct ca_cmd *c, int argc, char **argv)
{
	const struct cfg_trustpoint *tp;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL, *all = NULL;
	char pass[256], hex[60], b64[32];
	int rc, i;

	if (argc != 3 || strcasecmp(argv[1], "pkcs12"))
		return cmd_fail(c, "usage: crypto ca import TP pkcs12 FILE (pass phrase on stdin)");
	tp = tp_find(c->cfg, argv[0]);
	if (!tp)
		return cmd_fail(c, "trustpoint %s is not defined", argv[0]);
	if (tp->enrollment != CFG_ENROLL_FILE)
		return cmd_fail(c, "trustpoint %s: import needs enrollment file (key and certificate paths)",
				tp->name);
	if (access(tp->key, F_OK) == 0 || access(tp->certificate, F_OK) == 0)
		return cmd_fail(c, "trustpoint %s already has %s or %s: remove them first",
				tp->name, tp->key, tp->certificate);
	read_passphrase(c->in, pass, sizeof(pass));
	rc = p12_parse(c, argv[2], pass, &key, &cert, &ca);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (rc == 0 && X509_check_private_key(cert, key) != 1)
		rc = cmd_fail(c, "%s: the key does not match the certificate", argv[2]);
	all = rc == 0 ? sk_X509_new_null() : NULL;
	if (rc == 0 && (!all || !sk_X509_push(all, cert)))
		rc = cmd_fail(c, "out of memory");
	else if (rc == 0)
		X509_up_ref(cert);
	for (i = 0; rc == 0 && i < sk_X509_num(ca); i++)
		if (sk_X509_push(all, sk_X509_value(ca, i)))
			X509_up_ref(sk_X509_value(ca, i));
	if (rc == 0)
		rc = write_key_file(c, tp->key, key);
	if (rc == 0 && (rc = write_paste(c, tp->certificate, all)) < 0)
		unlink(tp->key);
	if (rc == 0) {
		tls_sha1_forms(cert, hex, b64);
		fprintf(c->out,
			"%% Imported %d certificate(s) and the key of trustpoint %s: %s, %s\n"
			"%% SHA-1 %s (certHash %s)\n",
			sk_X509_num(all), tp->name, tp->certificate, tp->key, hex, b64);
	}
	sk_X509_pop_free(all, X509_free);
	sk_X509_pop_free(ca, X509_free);
	X509_free(cert);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return rc;
}

/* ---- expiry */

/* Seconds until t (negative when past); 0 on a broken time. */
static long long seconds_left(const ASN1_TIME *t)
{
	int days = 0, secs = 0;

	if (!ASN1_TIME_diff(&days, &secs, NULL, t))
		return 0;
	return (long long)days * 86400 + secs;
}

static int expiry_one(FILE *out, X509 *x, const char *tp, const char *type,
		      int days)
{
	long long left = seconds_left(X509_get0_notAfter(x));
	char subj[256], when[64], d[16], asubj[256], aiss[256], serial[64];

	if (left > (long long)days * 86400)
		return 0;
	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
	asa_time(X509_get0_notAfter(x), when, sizeof(when));
	if (!out)
		tls_asa_cert_names(x, asubj, aiss, sizeof(asubj), serial, sizeof(serial));
	if (left <= 0) {
		if (out)
			fprintf(out, "%s certificate of trustpoint %s EXPIRED on %s: %s\n",
				type, tp, when, subj);
		else
			log_event(LM_CERT_EXPIRED, type, tp, when, asubj, aiss, serial);
	} else {
		snprintf(d, sizeof(d), "%lld", left / 86400);
		if (out)
			fprintf(out, "%s certificate of trustpoint %s expires in %s days (%s): %s\n",
				type, tp, d, when, subj);
		else
			log_event(LM_CERT_EXPIRING, type, tp, d, when, asubj, aiss, serial);
	}
	return 1;
}

static int expiry_tp(const struct sslvpnd_config *cfg,
		     const struct cfg_trustpoint *tp, FILE *out, int days)
{
	STACK_OF(X509) *sk;
	struct identity id;
	char err[256];
	int i, n = 0;

	if (tp->enrollment != CFG_ENROLL_TERMINAL) {
		if (identity_peek(cfg, tp, &id, err, sizeof(err)) < 0)
			return 0; /* not enrolled yet, or reported at load */
		n += expiry_one(out, id.cert, tp->name, "identity", days);
		for (i = 0; i < sk_X509_num(id.chain); i++)
			n += expiry_one(out, sk_X509_value(id.chain, i),
					tp->name, "CA", days);
		identity_clear(&id);
		return n;
	}
	sk = sk_X509_new_null();
	if (sk && identity_ca_certs(tp, sk, err, sizeof(err)) == 0)
		for (i = 0; i < sk_X509_num(sk); i++)
			n += expiry_one(out, sk_X509_value(sk, i), tp->name,
					"CA", days);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return n;
}

int tls_expiry_alerts(const struct sslvpnd_config *cfg, int days, FILE *out)
{
	size_t i;
	int n = 0;

	for (i = 0; i < cfg->n_trustpoints; i++)
		n += expiry_tp(cfg, &cfg->trustpoints[i], out, days);
	return n;
}

static int cmd_expiry(struct ca_cmd *c, int argc, char **argv)
{
	long days = EXPIRY_DEFAULT_DAYS;
	char *end;

	if (argc > 1)
		return cmd_fail(c, "usage: show crypto ca expiry [DAYS]");
	if (argc == 1) {
		errno = 0;
		days = strtol(argv[0], &end, 10);
		if (errno || *end || end == argv[0] || days < 0 ||
		    days > EXPIRY_MAX_DAYS)
			return cmd_fail(c, "DAYS: 0..%d", EXPIRY_MAX_DAYS);
	}
	if (tls_expiry_alerts(c->cfg, (int)days, c->out) == 0)
		fprintf(c->out, "No certificate expires within %ld days.\n",
			days);
	return 0;
}

/* ---- load-time report */

/* Start-time problems are catalogued events (100125 warning, 100126
 * error): the trustpoint as the first argument, the rest of the message
 * ("trustpoint NAME: ...") as the second. */
static void tp_log(int error, const char *msg)
{
	char name[CFG_NAME_MAX] = "?";
	const char *rest = msg;
	size_t n;

	if (!strncmp(msg, "trustpoint ", 11)) {
		n = strcspn(msg + 11, ": ");
		if (n < sizeof(name) && !strncmp(msg + 11 + n, ": ", 2)) {
			memcpy(name, msg + 11, n);
			name[n] = '\0';
			rest = msg + 11 + n + 2;
		}
	}
	log_event(error ? LM_TRUSTPOINT_ERROR : LM_TRUSTPOINT_WARNING, name, rest);
}

/* Where the report goes: printed ("error: ..." / "warning: ..."), logged
 * (100125 / 100126) when fp is NULL, or, for the configuration check,
 * errors as file:line into errs and warnings nowhere (the start logs
 * them, -t prints them once the check passed). */
struct tp_sink {
	FILE *fp;
	struct cfg_errors *errs;
	const char *file; /* the configuration file, for errs */
	int line; /* of the trustpoint being read */
};

static void report(struct tp_sink *out, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct tp_sink *out, int error, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (out->errs) {
		if (error)
			snapshot_error(out->errs, out->file, out->line, "%s", msg);
	} else if (out->fp) {
		fprintf(out->fp, "%s: %s\n", error ? "error" : "warning", msg);
	} else {
		tp_log(error, msg);
	}
}

/* The file's certificates follow one another and end at a root or at an
 * intermediate CA below it. */
static void report_chain(struct tp_sink *out, const char *tp, const struct identity *id)
{
	X509 *cur = id->cert, *next;
	char iss[256];
	int i;

	for (i = 0; i < sk_X509_num(id->chain); i++, cur = next) {
		next = sk_X509_value(id->chain, i);
		if (X509_check_issued(next, cur) != X509_V_OK) {
			report(out, 0,
			       "trustpoint %s: certificate %d of %s did not issue certificate %d "
			       "(wrong order or unrelated): clients receive a broken chain",
			       tp, i + 2, id->path, i + 1);
			return;
		}
		if (X509_cmp_current_time(X509_get0_notAfter(next)) <= 0)
			report(out, 0,
			       "trustpoint %s: CA certificate %d of %s has expired",
			       tp, i + 2, id->path);
	}
	/* A self-signed certificate is its own root.  Not X509_check_issued
	 * (cur, cur): a server certificate's keyUsage has no keyCertSign, so
	 * that test fails for every self-signed identity, the generated ones
	 * included, while openssl verify accepts them as their own anchor. */
	if (X509_self_signed(cur, 1) == 1)
		return;
	ERR_clear_error();
	/* An intermediate CA at the top is a complete chain: the root may be
	 * left out, clients hold it (RFC 5246 7.4.2). */
	if (X509_check_ca(cur) != 0 && cur != id->cert)
		return;
	X509_NAME_oneline(X509_get_issuer_name(cur), iss, sizeof(iss));
	report(out, 0,
	       "trustpoint %s: %s ends before its root: its issuing CA %s is missing "
	       "(AnyConnect and browsers without it cannot build the chain; phones pin the leaf)",
	       tp, id->path, iss);
}

static int report_identity(const struct sslvpnd_config *cfg,
			   const struct cfg_trustpoint *tp, struct tp_sink *out)
{
	struct identity id;
	char err[512], when[64];
	X509 *x;
	int rc = identity_check(cfg, tp, &id, err, sizeof(err));

	if (rc < 0) {
		ERR_clear_error();
		report(out, 1, "%s", err);
		return 1;
	}
	if (rc == 1) /* a self identity not generated yet is made at start */
		return 0;
	x = id.cert;
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		asa_time(X509_get0_notBefore(x), when, sizeof(when));
		report(out, 1, "trustpoint %s: certificate %s is not valid before %s (check the clock)",
		       tp->name, id.path, when);
		identity_clear(&id);
		return 1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		asa_time(X509_get0_notAfter(x), when, sizeof(when));
		report(out, 1, "trustpoint %s: certificate %s expired on %s", tp->name,
		       id.path, when);
		identity_clear(&id);
		return 1;
	}
	report_chain(out, tp->name, &id);
	identity_clear(&id);
	return 0;
}

static int report_ca(const struct cfg_trustpoint *tp, struct tp_sink *out)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	char err[512], subj[256];
	int i, n = 0;

	if (!sk)
		return 1;
	if (identity_ca_certs(tp, sk, err, sizeof(err)) < 0) {
		ERR_clear_error();
		report(out, 1, "%s", err);
		n = 1;
	} else if (tp->crl[0] && identity_crl_check(tp, sk, err, sizeof(err)) < 0) {
		ERR_clear_error();
		report(out, 1, "%s", err);
		n = 1;
	}
	for (i = 0; i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);

		X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
		if (X509_check_ca(x) == 0)
			report(out, 0, "trustpoint %s: %s is not a CA certificate", tp->name,
			       subj);
		if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0 && !tp->ignore_expiry)
			report(out, 0,
			       "trustpoint %s: CA certificate %s has expired: client certificates under it fail",
			       tp->name, subj);
	}
	sk_X509_pop_free(sk, X509_free);
	return n;
}

static int report_all(const struct sslvpnd_config *cfg, struct tp_sink *out)
{
	size_t i;
	int errors = 0;

	for (i = 0; i < cfg->n_trustpoints; i++) {
		const struct cfg_trustpoint *tp = &cfg->trustpoints[i];

		out->line = tp->line;
		errors += tp->enrollment == CFG_ENROLL_TERMINAL ?
				  report_ca(tp, out) :
				  report_identity(cfg, tp, out);
	}
	return errors;
}

int tls_trustpoints_report(const struct sslvpnd_config *cfg, FILE *out)
{
	struct tp_sink sink = { .fp = out };

	return report_all(cfg, &sink);
}

int tls_trustpoints_check(const struct sslvpnd_config *cfg, struct cfg_errors *errs)
{
	struct tp_sink sink = { .errs = errs, .file = cfg->source };

	return report_all(cfg, &sink);
}

/* ---- dispatch */

static int words_are(int argc, char **argv, int n, ...)
{
	va_list ap;
	int i, ok = argc >= n;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *w = va_arg(ap, const char *);

		if (ok && strcasecmp(argv[i], w))
			ok = 0;
	}
	va_end(ap);
	return ok;
}

int tls_ca_command(const struct sslvpnd_config *cfg, int argc, char **argv,
		   FILE *out, FILE *in, char *err, size_t errlen)
{
	struct ca_cmd c = { cfg, out, in, err, errlen };

	err[0] = '\0';
	if (words_are(argc, argv, 4, "show", "crypto", "ca", "certificates"))
		return cmd_show(&c, argc - 4, argv + 4);
	if (words_are(argc, argv, 4, "show", "crypto", "ca", "expiry"))
		return cmd_expiry(&c, argc - 4, argv + 4);
	if (words_are(argc, argv, 4, "show", "crypto", "ca", "check") && argc == 4)
		return tls_trustpoints_report(cfg, out) > 0 ?
			       cmd_fail(&c, "trustpoints have errors") :
			       0;
	if (words_are(argc, argv, 3, "crypto", "ca", "enroll"))
		return cmd_enroll(&c, argc - 3, argv + 3);
	if (words_are(argc, argv, 3, "crypto", "ca", "authenticate"))
		return cmd_authenticate(&c, argc - 3, argv + 3);
	if (words_are(argc, argv, 3, "crypto", "ca", "import"))
		return cmd_import(&c, argc - 3, argv + 3);
	if (words_are(argc, argv, 3, "crypto", "ca", "export"))
		return cmd_export(&c, argc - 3, argv + 3);
	if (words_are(argc, argv, 1, "certhash"))
		return cmd_certhash(&c, argc - 1, argv + 1);
	return cmd_fail(
		&c,
		"unknown command; one of: show crypto ca certificates [TP], show crypto ca expiry [DAYS], show crypto ca check, "
		"crypto ca enroll TP, crypto ca authenticate TP, crypto ca import TP pkcs12 FILE, "
		"crypto ca export TP identity-certificate, certhash TP [TP...] [--tunnel-group NAME]");
}
