/* TLS server contexts, the per-connection callbacks and client certificates.
 *
 * One SSL_CTX per interface.  It stays at OpenSSL's security level 2 with
 * TLS 1.2 as its only version; the client-hello callback relaxes single
 * connections of clients that can speak nothing newer than TLS 1.0/1.1 (79xx
 * and 89xx phones), as dtls-openssl.md section 6 ("adaptive") records.  SHA-1
 * client chains (79xx MICs, old LSCs) verify for everybody through the chain
 * check's auth level 0, which leaves the handshake policy untouched.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "sslvpnd/dtls12.h"
#include "sslvpnd/dtlsneg.h"
#include "sslvpnd/keyprov.h"
#include "sslvpnd/log.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "identity.h"

#define SID_CTX "sslvpnd"

/* The public struct plus what the callbacks need for the life of the
 * context, copied so that a configuration reload cannot pull it away. */
struct server {
	struct tls_server pub;
	int legacy_min; /* lowest version a legacy client may get; 0 = none */
	char server_version[CFG_SSLVER_MAX];
	char legacy_ciphers[2][CFG_CIPHERS_MAX]; /* [0] TLS 1.0, [1] TLS 1.1 */
	STACK_OF(X509_NAME) *crl_issuers; /* CAs whose CRL is configured */
	struct ca_anchors anchors; /* CA certificates and their trustpoints */
	struct sni *sni; /* ssl trust-point NAME domain D: one per trustpoint */
	size_t n_sni;
};

/* The context of an identity trustpoint with domains, switched to when the
 * client's SNI names one of them. */
struct sni {
	struct tls_server *srv;
	char trustpoint[CFG_NAME_MAX]; /* copies: a reload may free the config */
	struct cfg_name_list domains;
};

static int conn_idx = -1; /* SSL ex_data: struct tls_conn_info */
static int srv_idx = -1; /* SSL_CTX ex_data: struct server */

#define fail tls_fail

/* Fills err and appends OpenSSL's reason when it has one. */
int tls_fail(char *err, size_t errlen, const char *fmt, ...)
{
	char why[256];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	tls_error_string(why, sizeof(why));
	n = strlen(err);
	if (why[0] && n + 1 < errlen)
		snprintf(err + n, errlen - n, " (%s)", why);
	return -1;
}

int tls_global_init(void)
{
	if (conn_idx >= 0 && srv_idx >= 0)
		return 0;
	if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
				      OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
			      NULL))
		return -1;
	/* our own SSL_CTX index, not app_data, which callers may use */
	srv_idx =
		SSL_CTX_get_ex_new_index(0, "sslvpnd server", NULL, NULL, NULL);
	conn_idx = SSL_get_ex_new_index(0, "sslvpnd conn", NULL, NULL, NULL);
	return conn_idx >= 0 && srv_idx >= 0 ? 0 : -1;
}

void tls_conn_attach(SSL *ssl, struct tls_conn_info *info)
{
	if (conn_idx < 0 && tls_global_init() < 0)
		return;
	SSL_set_ex_data(ssl, conn_idx, info);
}

static struct tls_conn_info *conn_info(SSL *ssl)
{
	return conn_idx >= 0 ? SSL_get_ex_data(ssl, conn_idx) : NULL;
}

/* ---- certificate text helpers */

/* RFC 2253 one-line form, UTF-8 kept readable, control characters escaped
 * (the subject comes from the network and ends up in logs). */
static void name_str(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	if (b &&
	    X509_NAME_print_ex(b, name, 0,
			       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		n = BIO_read(b, buf, (int)len - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

/* The ASA's form of a name in its 717xxx lines: RFC 2253 order (most
 * specific first) with lower-case attribute keys, "cn=x,ou=y,o=z". */
static void asa_name_str(const X509_NAME *name, char *buf, size_t len)
{
	int key = 1;

	name_str(name, buf, len);
	for (char *p = buf; *p; p++) {
		if (key && *p == '=')
			key = 0;
		else if (key)
			*p = (char)tolower((unsigned char)*p);
		else if (*p == '\\' && p[1])
			p++; /* an escaped character of a value */
		else if (*p == ',' || *p == '+')
			key = 1;
	}
}

static void serial_str(X509 *cert, char *buf, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	util_strlcpy(buf, hex ? hex : "", len);
	OPENSSL_free(hex);
	BN_free(bn);
}

void tls_asa_cert_names(X509 *cert, char *subject, char *issuer, size_t len,
			char *serial, size_t slen)
{
	asa_name_str(X509_get_subject_name(cert), subject, len);
	asa_name_str(X509_get_issuer_name(cert), issuer, len);
	serial_str(cert, serial, slen);
	for (char *p = serial; *p; p++) /* 717054/717055 print it so */
		*p = (char)tolower((unsigned char)*p);
}

/* A string that may become a user name is used whole or not at all: a
 * truncated value or one with an embedded NUL could name somebody else. */
static void asn1_field(const ASN1_STRING *s, char *buf, size_t len)
{
	unsigned char *utf8 = NULL;
	int n = s ? ASN1_STRING_to_UTF8(&utf8, s) : -1;

	buf[0] = '\0';
	if (n >= 0 && (size_t)n < len && memchr(utf8, '\0', (size_t)n) == NULL)
		memcpy(buf, utf8, (size_t)n + 1);
	OPENSSL_free(utf8);
}

/* The first entry of nid in name (the most general one in DER order). */
static void name_field(const X509_NAME *name, int nid, char *buf, size_t len)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	const X509_NAME_ENTRY *e = i >= 0 ? X509_NAME_get_entry(name, i) : NULL;

	buf[0] = '\0';
	if (e)
		asn1_field(X509_NAME_ENTRY_get_data(e), buf, len);
}

/* subjectAltName: the Microsoft UPN otherName and, when the subject has no
 * emailAddress, the first rfc822Name. */
static void san_fields(X509 *cert, struct tls_peer_cert *out)
{
	GENERAL_NAMES *gens =
		X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_OTHERNAME && !out->upn[0] &&
		    OBJ_obj2nid(g->d.otherName->type_id) == NID_ms_upn &&
		    g->d.otherName->value->type == V_ASN1_UTF8STRING)
			asn1_field(g->d.otherName->value->value.utf8string,
				   out->upn, sizeof(out->upn));
		else if (g->type == GEN_EMAIL && !out->email[0])
			asn1_field(g->d.rfc822Name, out->email,
				   sizeof(out->email));
	}
	GENERAL_NAMES_free(gens);
}

void tls_cert_facts(X509 *cert, struct tls_peer_cert *out)
{
	const X509_NAME *subj;

	memset(out, 0, sizeof(*out));
	if (!cert)
		return;
	subj = X509_get_subject_name(cert);
	out->present = 1;
	name_str(subj, out->subject, sizeof(out->subject));
	name_str(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
	serial_str(cert, out->serial, sizeof(out->serial));
	name_field(subj, NID_commonName, out->cn, sizeof(out->cn));
	name_field(subj, NID_organizationName, out->o, sizeof(out->o));
	name_field(subj, NID_organizationalUnitName, out->ou, sizeof(out->ou));
	name_field(subj, NID_pkcs9_emailAddress, out->email,
		   sizeof(out->email));
	san_fields(cert, out);
}

void tls_peer_cert_get(SSL *ssl, struct tls_peer_cert *out)
{
	tls_cert_facts(SSL_get0_peer_certificate(ssl), out);
	if (!out->present)
		return;
	/* a resumed session's leaf counts once tls_resumed_verify passed it */
	out->verified = SSL_session_reused(ssl)
				? conn_info(ssl) && conn_info(ssl)->trustpoint[0] &&
					  !conn_info(ssl)->verify_failed
				: SSL_get_verify_result(ssl) == X509_V_OK;
	if (conn_info(ssl))
		util_strlcpy(out->trustpoint, conn_info(ssl)->trustpoint,
			     sizeof(out->trustpoint));
}

void tls_cert_sha1(X509 *cert, uint8_t out[20])
{
	unsigned int n = 20;

	if (!X509_digest(cert, EVP_sha1(), out, &n))
		memset(out, 0, 20);
}

/* 725014 for one error: the ASA prints OpenSSL's function name upper-cased
 * (SSL3_READ_BYTES) and the reason text alone. */
static void log_lib_error(const char *func, const char *reason,
			  const char *peer)
{
	char fn[64];
	size_t i;

	util_strlcpy(fn, func && func[0] ? func : "unknown", sizeof(fn));
	for (i = 0; fn[i]; i++)
		fn[i] = (char)toupper((unsigned char)fn[i]);
	log_event(LM_TLS_LIB_ERROR, fn, reason, peer);
}

/* Drains the error queue into buf; with peer, each error is also a 725014
 * line (the ASA's one line per SSL library error). */
static void error_drain(char *buf, size_t len, const char *peer)
{
	const char *data, *lib, *reason, *func;
	unsigned long e;
	size_t off = 0;
	int flags, n;
	char code[32];

	if (len == 0 && !peer)
		return;
	if (len)
		buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, &func, &data, &flags))) {
		lib = ERR_lib_error_string(e);
		reason = ERR_reason_error_string(e);
		if (!reason) {
			snprintf(code, sizeof(code), "error %08lX", e);
			reason = code;
		}
		if (!(flags & ERR_TXT_STRING))
			data = "";
		if (peer)
			log_lib_error(func, reason, peer);
		if (off >= len)
			continue; /* keep draining the queue */
		n = snprintf(buf + off, len - off, "%s%s%s%s%s%s%s",
			     off ? "; " : "", lib ? lib : "", lib ? ": " : "",
			     reason, data[0] ? " (" : "", data,
			     data[0] ? ")" : "");
		off += n > 0 ? (size_t)n : 0;
	}
}

void tls_error_string(char *buf, size_t len)
{
	error_drain(buf, len, NULL);
}

void tls_error_log(char *buf, size_t len, const char *peer)
{
	error_drain(buf, len, peer);
}

/* ---- callbacks */

/* Auth level 0 lets SHA-1 chains through (79xx MICs, old LSCs) but would
 * accept anything; keep the rest of security level 1: keys of 80 bits of
 * security or more (RSA 1024: CAPF issued such LSCs), no MD2/MD4/MD5
 * signatures.  A trust anchor's own signature does not matter. */
static int weak_cert(X509 *cert, int depth)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	int mdnid = NID_undef;

	if (!pk || EVP_PKEY_get_security_bits(pk) < 80)
		return depth ? X509_V_ERR_CA_KEY_TOO_SMALL :
			       X509_V_ERR_EE_KEY_TOO_SMALL;
	if (X509_get_extension_flags(cert) & EXFLAG_SS)
		return X509_V_OK;
	if (!X509_get_signature_info(cert, &mdnid, NULL, NULL, NULL) ||
	    mdnid == NID_md5 || mdnid == NID_md4 || mdnid == NID_md2 ||
	    mdnid == NID_md5_sha1)
		return X509_V_ERR_CA_MD_TOO_WEAK; /* the issuer's digest */
	return X509_V_OK;
}

/* X509_V_FLAG_CRL_CHECK is a store-wide flag while CRLs are configured per
 * CA trustpoint: a chain whose issuing CA has no CRL configured is not
 * refused for the missing CRL.  A CA that has one is always checked. */
static int crl_not_configured(struct server *srv, X509_STORE_CTX *xs,
			      X509 *cert)
{
	if (X509_STORE_CTX_get_error(xs) != X509_V_ERR_UNABLE_TO_GET_CRL ||
	    !cert || !srv)
		return 0;
	return sk_X509_NAME_find(srv->crl_issuers, X509_get_issuer_name(cert)) <
	       0;
}

/* 717009's reason in the ASA's words.  Only the first is confirmed by a
 * Cisco text (a chain to no configured CA); the others follow the ASA's
 * PKI wording as we know it (sslvpnd-messages(7) says so). */
static const struct {
	int err;
	const char *asa;
} asa_reasons[] = {
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "No suitable trustpoints found to validate certificate" },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "No suitable trustpoints found to validate certificate" },
	{ X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "No suitable trustpoints found to validate certificate" },
	{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "No suitable trustpoints found to validate certificate" },
	{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "No suitable trustpoints found to validate certificate" },
	{ X509_V_ERR_CERT_HAS_EXPIRED, "Expired certificate" },
	{ X509_V_ERR_CERT_NOT_YET_VALID, "Certificate is not yet valid" },
	{ X509_V_ERR_CERT_REVOKED, "Certificate has been revoked" },
	{ X509_V_ERR_UNABLE_TO_GET_CRL, "Revocation status could not be determined" },
	{ X509_V_ERR_INVALID_PURPOSE, "Peer certificate key usage is invalid" },
};

static const char *asa_verify_reason(int err)
{
	for (size_t i = 0; i < sizeof(asa_reasons) / sizeof(asa_reasons[0]); i++)
		if (asa_reasons[i].err == err)
			return asa_reasons[i].asa;
	return "Certificate chain failed validation";
}

static void note_failure(SSL *ssl, X509_STORE_CTX *xs, X509 *cert)
{
	struct tls_conn_info *info = conn_info(ssl);

	if (!info || info->verify_failed)
		return;
	info->verify_failed = 1;
	snprintf(info->verify_reason, sizeof(info->verify_reason),
		 "%s (depth %d)",
		 X509_verify_cert_error_string(X509_STORE_CTX_get_error(xs)),
		 X509_STORE_CTX_get_error_depth(xs));
	util_strlcpy(info->verify_asa_reason,
		     asa_verify_reason(X509_STORE_CTX_get_error(xs)),
		     sizeof(info->verify_asa_reason));
	if (cert) {
		asa_name_str(X509_get_subject_name(cert), info->verify_subject,
			     sizeof(info->verify_subject));
		asa_name_str(X509_get_issuer_name(cert), info->verify_issuer,
			     sizeof(info->verify_issuer));
		serial_str(cert, info->verify_serial,
			   sizeof(info->verify_serial));
	}
}

/* The CA trustpoint a built chain ends at: the one holding its top
 * certificate (first in configuration order).  NULL while the chain does
 * not reach a trusted certificate. */
static const struct ca_anchor *chain_anchor(struct server *srv,
					    X509_STORE_CTX *xs)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(xs);
	int n = sk_X509_num(chain);
	X509 *top = n > 0 ? sk_X509_value(chain, n - 1) : NULL;
	size_t i;

	for (i = 0; srv && top && i < srv->anchors.n; i++)
		if (!X509_cmp(top, srv->anchors.v[i].cert))
			return &srv->anchors.v[i];
	return NULL;
}

/* Depth of the first SHA-1 signature below the trust anchor, or -1. */
static int sha1_depth(X509_STORE_CTX *xs)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(xs);
	int i, mdnid;

	for (i = 0; i < sk_X509_num(chain) - 1; i++) {
		mdnid = NID_undef;
		if (X509_get_signature_info(sk_X509_value(chain, i), &mdnid,
					    NULL, NULL, NULL) &&
		    mdnid == NID_sha1)
			return i;
	}
	return -1;
}

void tls_log_cert_ok(SSL *ssl)
{
	struct tls_conn_info *info = conn_info(ssl);
	X509 *cert = SSL_get0_peer_certificate(ssl);
	char subj[256], serial[64], peer[80];

	if (!info || !cert || !info->trustpoint[0] || info->verify_failed)
		return;
	asa_name_str(X509_get_subject_name(cert), subj, sizeof(subj));
	serial_str(cert, serial, sizeof(serial));
	snprintf(peer, sizeof(peer), "%s/%u", info->peer_host,
		 info->peer_port);
	log_event(LM_CERT_OK, serial, subj, peer);
}

/* The chain verified as far as OpenSSL goes (the last callback, for the
 * leaf): apply the trustpoint's own rules and remember its name. */
static int leaf_done(SSL *ssl, struct server *srv, X509_STORE_CTX *xs,
		     X509 *cert)
{
	const struct ca_anchor *a = chain_anchor(srv, xs);
	struct tls_conn_info *info = conn_info(ssl);
	int d;

	if (!a)
		return 1;
	if (!a->accept_sha1 && (d = sha1_depth(xs)) >= 0) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CA_MD_TOO_WEAK);
		note_failure(ssl, xs, cert);
		if (info)
			snprintf(info->verify_reason,
				 sizeof(info->verify_reason),
				 "SHA-1 signature refused by trustpoint %s (accept-sha1 false) (depth %d)",
				 a->name, d);
		return 0;
	}
	/* 717022 waits for the end of the handshake (tls_log_cert_ok): a
	 * later callback may still refuse the chain, and 717009 must then
	 * be the only certificate line. */
	if (info && !info->trustpoint[0])
		util_strlcpy(info->trustpoint, a->name,
			     sizeof(info->trustpoint));
	return 1;
}

/* ignore-expiry on the trustpoint the chain ends at: dates do not count. */
static int expiry_ignored(SSL *ssl, struct server *srv, X509_STORE_CTX *xs,
			  X509 *cert)
{
	int e = X509_STORE_CTX_get_error(xs);
	const struct ca_anchor *a;
	struct tls_conn_info *info;
	char subj[256];

	if (e != X509_V_ERR_CERT_HAS_EXPIRED &&
	    e != X509_V_ERR_CERT_NOT_YET_VALID)
		return 0;
	a = chain_anchor(srv, xs);
	if (!a || !a->ignore_expiry || !cert)
		return 0;
	info = conn_info(ssl);
	name_str(X509_get_subject_name(cert), subj, sizeof(subj));
	if (info && !info->expiry_ignored && !info->quiet)
		log_event(LM_CERT_EXPIRY_IGNORED, a->name, subj,
			  X509_verify_cert_error_string(e), info->peer_host);
	if (info)
		info->expiry_ignored = 1;
	X509_STORE_CTX_set_error(xs, X509_V_OK);
	return 1;
}

/* A presented certificate that fails aborts the handshake with an alert
 * (returning 0); the reason waits in the connection info for the log. */
static int verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct server *srv = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), srv_idx);
	X509 *cert = X509_STORE_CTX_get_current_cert(xs);
	int weak, depth = X509_STORE_CTX_get_error_depth(xs);

	if (ok && cert) {
		weak = weak_cert(cert, depth);
		if (weak != X509_V_OK) {
			X509_STORE_CTX_set_error(xs, weak);
			ok = 0;
		}
	}
	if (ok)
		return depth == 0 ? leaf_done(ssl, srv, xs, cert) : 1;
	if (crl_not_configured(srv, xs, cert) ||
	    expiry_ignored(ssl, srv, xs, cert)) {
		X509_STORE_CTX_set_error(xs, X509_V_OK);
		return depth == 0 ? leaf_done(ssl, srv, xs, cert) : 1;
	}
	note_failure(ssl, xs, cert);
	return 0;
}

/* Old phones send a ClientHello without supported_versions and with
 * legacy_version TLS 1.0 or 1.1.  Only that connection is relaxed: level 0
 * for MD5-SHA1/SHA-1 handshake signatures, the old version, the tlsv1 (or
 * tlsv1.1) cipher list.  Version negotiation and chain verification run
 * after this callback, so both follow the relaxed settings. */
static int legacy_relax(SSL *ssl, int *al, struct server *srv)
{
	struct tls_conn_info *info = conn_info(ssl);
	unsigned int ver = SSL_client_hello_get0_legacy_version(ssl);
	const unsigned char *ext;
	size_t extlen;
	char port[8];

	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &ext,
				      &extlen) ||
	    ver < TLS1_VERSION || ver > TLS1_1_VERSION)
		return SSL_CLIENT_HELLO_SUCCESS;
	if (!srv->legacy_min || (int)ver < srv->legacy_min) {
		ERR_raise_data(
			ERR_LIB_SSL, SSL_R_UNSUPPORTED_PROTOCOL,
			"client offers only %s; ssl server-version is %s",
			ver == TLS1_VERSION ? "TLS 1.0" : "TLS 1.1",
			srv->server_version);
		*al = SSL_AD_PROTOCOL_VERSION;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (!SSL_set_cipher_list(ssl,
				 srv->legacy_ciphers[ver - TLS1_VERSION])) {
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	/* after the cipher list: an @SECLEVEL in it must not undo this */
	SSL_set_security_level(ssl, 0);
	SSL_set_min_proto_version(ssl, srv->legacy_min);
	if (info) {
		info->legacy = 1;
		snprintf(port, sizeof(port), "%u", info->peer_port);
		log_event(LM_TLS_LEGACY_CLIENT, info->peer_host, port);
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* 725011 for each suite of a list; an unknown code is given in hex. */
static void log_cipher_item(int i, const SSL_CIPHER *c, unsigned code,
			    const struct tls_conn_info *info, const char *port,
			    const char *whose)
{
	char idx[12], hex[12];

	snprintf(idx, sizeof(idx), "%d", i + 1);
	snprintf(hex, sizeof(hex), "0x%04X", code);
	log_event(LM_TLS_CIPHER_ITEM, idx, c ? SSL_CIPHER_get_name(c) : hex,
		  info->peer_host, port, whose);
}

/* debug ssl: 725010 and the device's suites, then 725008 and the
 * ClientHello's (seed 001's order).  Built only when debug lines show:
 * the lists are long and every handshake passes here. */
static void log_cipher_lists(SSL *ssl, const struct tls_conn_info *info)
{
	STACK_OF(SSL_CIPHER) *dev = SSL_get_ciphers(ssl);
	const unsigned char *cs;
	size_t len = SSL_client_hello_get0_ciphers(ssl, &cs) & ~(size_t)1;
	char port[8], n[24];
	int i;

	if (!info || !log_event_wanted(LM_TLS_CLIENT_CIPHERS))
		return;
	snprintf(port, sizeof(port), "%u", info->peer_port);
	snprintf(n, sizeof(n), "%d", sk_SSL_CIPHER_num(dev));
	log_event(LM_TLS_DEVICE_CIPHERS, n, info->peer_host, port);
	for (i = 0; i < sk_SSL_CIPHER_num(dev); i++)
		log_cipher_item(i, sk_SSL_CIPHER_value(dev, i),
				SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(dev, i)),
				info, port, "device");
	snprintf(n, sizeof(n), "%zu", len / 2);
	log_event(LM_TLS_CLIENT_CIPHERS, info->ifname, info->peer_host, port, n);
	for (i = 0; (size_t)i < len / 2; i++)
		log_cipher_item(i, SSL_CIPHER_find(ssl, cs + 2 * i),
				(unsigned)(cs[2 * i] << 8 | cs[2 * i + 1]), info,
				port, "client");
}

static int client_hello_cb(SSL *ssl, int *al, void *arg)
{
	int r = legacy_relax(ssl, al, arg);

	log_cipher_lists(ssl, conn_info(ssl));
	return r;
}

/* ---- building the context */

/* list with the ECDSA-authenticated suites moved to the front, order kept
 * otherwise: the ASA prefers its EC certificate when the client offers
 * both kinds (CSCuu02848), whatever order the administrator wrote.  Also
 * checks the list, now rather than at the first handshake. */
int tls_ec_first(SSL_CTX *ctx, const char *what, const char *list,
		    char *out, size_t len, char *err, size_t errlen)
{
	SSL *probe = SSL_new(ctx);
	STACK_OF(SSL_CIPHER) *sk;
	size_t off = 0;
	int pass, i, n = 0;

	if (!probe || !SSL_set_cipher_list(probe, list)) {
		SSL_free(probe);
		return fail(err, errlen,
			    "ssl cipher %s: no usable cipher in \"%s\"", what,
			    list);
	}
	sk = SSL_get_ciphers(probe);
	out[0] = '\0';
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
			const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
			int ec = SSL_CIPHER_get_auth_nid(c) == NID_auth_ecdsa;
			int w;

			if (ec != (pass == 0) ||
			    !strcmp(SSL_CIPHER_get_version(c), "TLSv1.3"))
				continue;
			w = snprintf(out + off, len - off, "%s%s",
				     n ? ":" : "", SSL_CIPHER_get_name(c));
			if (w < 0 || (size_t)w >= len - off)
				break;
			off += (size_t)w;
			n++;
		}
	SSL_free(probe);
	if (n == 0)
		return fail(err, errlen,
			    "ssl cipher %s: no TLS 1.2 or older cipher in \"%s\"",
			    what, list);
	return 0;
}

/* ssl cipher tlsv1.3: OpenSSL's ciphersuite names, checked now. */
int tls_ciphersuites(SSL_CTX *ctx, const char *list, char *err, size_t errlen)
{
	if (!SSL_CTX_set_ciphersuites(ctx, list))
		return fail(err, errlen,
			    "ssl cipher tlsv1_3: no usable TLS 1.3 ciphersuite in \"%s\"",
			    list);
	return 0;
}

const char *tls_cipher_or(const char *cfg_list, const char *dflt)
{
	return cfg_list[0] ? cfg_list : dflt;
}

/* ssl server-version: "TLS [DTLS]" in the ASA's words (schema_map_sslver
 * lists every spelling the configuration accepts). */
int tls_versions_parse(const char *server_version, struct tls_versions *v)
{
	static const struct {
		const char *name;
		int min;
	} tls[] = {
		{ "", TLS1_VERSION },	     { "any", TLS1_VERSION },
		{ "tlsv1", TLS1_VERSION },   { "tlsv1.1", TLS1_1_VERSION },
		{ "tlsv1.2", TLS1_2_VERSION }, { "tlsv1.3", TLS1_3_VERSION },
	}, dtls[] = {
		{ "", DTLS1_BAD_VER },
		{ "dtlsv1", DTLS1_BAD_VER },
		{ "dtlsv1.2", DTLS1_2_VERSION },
	};
	const char *sp = strchr(server_version, ' ');
	size_t n = sp ? (size_t)(sp - server_version) : strlen(server_version);
	const char *rest = sp ? sp + 1 : "";
	size_t i;

	v->tls_min = v->dtls_min = 0;
	for (i = 0; i < ARRAY_SIZE(tls); i++)
		if (strlen(tls[i].name) == n && !strncmp(server_version, tls[i].name, n))
			v->tls_min = tls[i].min;
	for (i = 0; i < ARRAY_SIZE(dtls); i++)
		if (!strcmp(rest, dtls[i].name))
			v->dtls_min = dtls[i].min;
	return v->tls_min && v->dtls_min && (!sp || (n && *rest)) ? 0 : -1;
}

/* ssl server-version: how far down the client-hello callback may go
 * (legacy_min), and whether TLS 1.2 is still allowed at all. */
static int set_versions(struct server *srv, const char *server_version,
			char *err, size_t errlen)
{
	struct tls_versions v;

	if (tls_versions_parse(server_version, &v) < 0)
		return fail(err, errlen,
			    "ssl server-version \"%s\" (any, tlsv1, tlsv1.1, tlsv1.2 or "
			    "tlsv1.3, optionally followed by dtlsv1 or dtlsv1.2)",
			    server_version);
	srv->legacy_min = v.tls_min < TLS1_2_VERSION ? v.tls_min : 0;
	util_strlcpy(srv->server_version, server_version[0] ? server_version : "tlsv1",
		     sizeof(srv->server_version));
	/* TLS 1.2 and 1.3 here: the callback lowers single connections. */
	if (!SSL_CTX_set_min_proto_version(srv->pub.ctx, v.tls_min == TLS1_3_VERSION
								 ? TLS1_3_VERSION
								 : TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(srv->pub.ctx, TLS1_3_VERSION))
		return fail(err, errlen, "interface %s: TLS versions", srv->pub.ifname);
	return 0;
}

static int setup_protocol(struct server *srv, const struct tls_material *m,
			  char *err, size_t errlen)
{
	SSL_CTX *ctx = srv->pub.ctx;
	const char(*cipher)[CFG_CIPHERS_MAX] = m->cipher;
	const char *tls12 = tls_cipher_or(cipher[CFG_TLSV1_2], DEFAULT_TLS12_CIPHERS);
	const char *tls10 = tls_cipher_or(cipher[CFG_TLSV1], DEFAULT_LEGACY_CIPHERS);
	char ordered[CFG_CIPHERS_MAX];

	if (set_versions(srv, m->server_version, err, errlen) < 0 ||
	    tls_ec_first(ctx, "tlsv1", tls10, srv->legacy_ciphers[0],
		     CFG_CIPHERS_MAX, err, errlen) < 0 ||
	    tls_ec_first(ctx, "tlsv1_1", tls_cipher_or(cipher[CFG_TLSV1_1], tls10),
		     srv->legacy_ciphers[1], CFG_CIPHERS_MAX, err, errlen) < 0 ||
	    tls_ec_first(ctx, "tlsv1_2", tls12, ordered, sizeof(ordered), err,
		     errlen) < 0)
		return -1;
	if (!SSL_CTX_set_cipher_list(ctx, ordered))
		return fail(err, errlen,
			    "ssl cipher tlsv1_2: no usable cipher in \"%s\"",
			    tls12);
	if (tls_ciphersuites(ctx, tls_cipher_or(cipher[CFG_TLSV1_3], DEFAULT_TLS13_CIPHERS),
			     err, errlen) < 0)
		return -1;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_NO_TICKET);
	/* ssl session-resumption off: no tickets.  A TLS 1.3 ticket would
	 * only be state (stateful with SSL_OP_NO_TICKET) in one worker's
	 * cache.  On: stateless tickets under secmod's keys (tickets.c). */
	if (!SSL_CTX_set_num_tickets(ctx, 0) ||
	    !SSL_CTX_set_session_id_context(ctx, (const unsigned char *)SID_CTX,
					    sizeof(SID_CTX) - 1) ||
	    (m->ticket_lifetime && tls_tickets_enable(ctx, m->ticket_lifetime) < 0))
		return fail(err, errlen, "interface %s: TLS setup",
			    srv->pub.ifname);
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, srv);
	return 0;
}

/* ---- the assemble half: material -> SSL_CTX (workers, and main's checks) */

static int keys_remote;
static void (*key_sink)(void *arg, EVP_PKEY *key);
static void *key_sink_arg;

void tls_keys_remote(void)
{
	keys_remote = 1;
}

void tls_key_sink(void (*fn)(void *arg, EVP_PKEY *key), void *arg)
{
	key_sink = fn;
	key_sink_arg = arg;
}

/* The key a context gets: in a worker (tls_keys_remote) the remote twin of
 * the certificate's public key, whose private operations secmod does, so
 * the worker's memory never holds the private one (its material carries
 * none); in main (checks, secmod's key batches) the identity's own. */
static EVP_PKEY *identity_key(const struct tls_mat_id *mid, X509 *cert,
			      char *why, size_t whylen)
{
	const unsigned char *p = mid->key.p;
	EVP_PKEY *key;

	if (keys_remote)
		return keyprov_pkey(X509_get0_pubkey(cert), why, whylen);
	key = p ? d2i_AutoPrivateKey(NULL, &p, (long)mid->key.n) : NULL;
	if (!key)
		snprintf(why, whylen, "its key is missing or unreadable");
	else if (key_sink)
		key_sink(key_sink_arg, key);
	return key;
}

/* Install one identity: its certificate, the chain sent after it and its
 * key (identity_key: the only place a context gets one). */
static int use_identity(struct server *srv, const struct tls_mat_id *mid,
			X509 *cert, STACK_OF(X509) *chain, char *err,
			size_t errlen)
{
	const char *owner = mid->trustpoint[0] ? mid->trustpoint : "temporary";
	char why[160] = "";
	EVP_PKEY *key = identity_key(mid, cert, why, sizeof(why));
	int ok = key && SSL_CTX_use_cert_and_key(srv->pub.ctx, cert, key, chain, 1);

	EVP_PKEY_free(key);
	if (!key)
		return fail(err, errlen, "trustpoint %s: %s", owner, why);
	if (!ok)
		return fail(err, errlen,
			    "trustpoint %s: its certificate cannot be used with its key", owner);
	return 0;
}

static X509 *der_x509(const struct tls_blob *b)
{
	const unsigned char *p = b->p;

	return p ? d2i_X509(NULL, &p, (long)b->n) : NULL;
}

/* Hand one identity of the material to the context and remember what the
 * interface presents. */
static int install_identity(struct server *srv, const struct tls_mat_id *mid,
			    char *err, size_t errlen)
{
	struct tls_server_id *sid = &srv->pub.ids[srv->pub.n_ids];
	STACK_OF(X509) *chain = mid->n_chain ? sk_X509_new_null() : NULL;
	X509 *cert = der_x509(&mid->cert);
	const char *owner = mid->trustpoint[0] ? mid->trustpoint : "temporary";
	int rc = cert ? 0 : fail(err, errlen, "trustpoint %s: certificate unreadable", owner);

	for (size_t i = 0; rc == 0 && i < mid->n_chain; i++) {
		X509 *c = der_x509(&mid->chain[i]);

		if (!c || !chain || !sk_X509_push(chain, c)) {
			X509_free(c);
			rc = fail(err, errlen, "trustpoint %s: chain certificate unreadable", owner);
		}
	}
	if (rc == 0 && srv->pub.n_ids >= (int)ARRAY_SIZE(srv->pub.ids))
		rc = fail(err, errlen, "trustpoint %s: more than two identities", owner);
	if (rc == 0)
		rc = use_identity(srv, mid, cert, chain, err, errlen);
	if (rc == 0) {
		sid->cert = cert;
		cert = NULL;
		sid->ec = EVP_PKEY_get_base_id(X509_get0_pubkey(sid->cert)) == EVP_PKEY_EC;
		util_strlcpy(sid->trustpoint, mid->trustpoint, sizeof(sid->trustpoint));
		tls_cert_sha1(sid->cert, sid->sha1);
		srv->pub.n_ids++;
	}
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* ids[0] is what a client offering every suite gets: EC when present. */
static void order_ids(struct tls_server *pub)
{
	struct tls_server_id t;

	if (pub->n_ids == 2 && !pub->ids[0].ec && pub->ids[1].ec) {
		t = pub->ids[0];
		pub->ids[0] = pub->ids[1];
		pub->ids[1] = t;
	}
	pub->cert = pub->ids[0].cert;
	memcpy(pub->sha1, pub->ids[0].sha1, sizeof(pub->sha1));
	util_strlcpy(pub->trustpoint, pub->ids[0].trustpoint,
		     sizeof(pub->trustpoint));
}

/* The identities main chose by the ASA's table (CSCuu02848, gather half). */
static int setup_identity(struct server *srv, const struct tls_mat_ctx *ctx,
			  char *err, size_t errlen)
{
	for (size_t i = 0; i < ctx->n_ids; i++)
		if (install_identity(srv, &ctx->ids[i], err, errlen) < 0)
			return -1;
	order_ids(&srv->pub);
	return 0;
}

static void log_sni(struct tls_server *s)
{
	const struct server *srv = container_of(s, struct server, pub);
	char hex[41], subj[256];
	size_t i, k;

	for (i = 0; i < srv->n_sni; i++) {
		const struct tls_server *d = srv->sni[i].srv;

		util_hex(hex, d->sha1, 20, 1);
		X509_NAME_oneline(X509_get_subject_name(d->cert), subj,
				  sizeof(subj));
		for (k = 0; k < srv->sni[i].domains.n; k++)
			log_event(LM_IDENTITY_SNI, s->ifname,
				  srv->sni[i].domains.v[k], subj,
				  srv->sni[i].trustpoint, hex);
	}
}

const char *tls_server_first_clients(const struct tls_server *s)
{
	if (s->n_ids < 2)
		return "every client";
	return s->ids[0].ec ? "clients offering ECDSA suites (AnyConnect)" :
			      "clients offering RSA suites";
}

void tls_server_log_others(struct tls_server *s)
{
	char hex[41], subj[256];
	int i;

	log_sni(s);
	for (i = 1; i < s->n_ids; i++) {
		util_hex(hex, s->ids[i].sha1, 20, 1);
		X509_NAME_oneline(X509_get_subject_name(s->ids[i].cert), subj,
				  sizeof(subj));
		log_event(LM_IDENTITY_OTHER, s->ifname,
			  s->ids[i].ec ? "EC" : "RSA", subj,
			  s->ids[i].trustpoint[0] ?
				  s->ids[i].trustpoint :
				  "(temporary self-signed)",
			  hex);
	}
}

void tls_conn_sha1(SSL *ssl, const struct tls_server *s, uint8_t out[20])
{
	X509 *cert = ssl ? SSL_get_certificate(ssl) : NULL;

	if (cert)
		tls_cert_sha1(cert, out);
	else
		memcpy(out, s->sha1, 20);
}

static int anchor_push(struct ca_anchors *a, const struct tls_mat_ca *ca, X509 *cert)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct ca_anchor *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	struct ca_anchor *v = &a->v[a->n++];

	memset(v, 0, sizeof(*v));
	v->cert = cert;
	util_strlcpy(v->name, ca->name, sizeof(v->name));
	v->accept_sha1 = !!(ca->flags & TLS_CA_ACCEPT_SHA1);
	v->ignore_expiry = !!(ca->flags & TLS_CA_IGNORE_EXPIRY);
	return 0;
}

static int name_cmp(const X509_NAME *const *a, const X509_NAME *const *b)
{
	return X509_NAME_cmp(*a, *b);
}

/* The CA store from the material: every CA trustpoint's certificates
 * (anchors, with their trustpoint's flags) and the CRLs main checked. */
static int load_cas(struct server *srv, const struct tls_material *m,
		    X509_STORE *store, char *err, size_t errlen)
{
	srv->crl_issuers = sk_X509_NAME_new(name_cmp);
	if (!srv->crl_issuers)
		return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < m->n_cas; i++) {
		X509 *c = der_x509(&m->cas[i].der);

		if (!c || !X509_STORE_add_cert(store, c)) {
			X509_free(c);
			return fail(err, errlen, "trustpoint %s: CA certificate unusable",
				    m->cas[i].name);
		}
		if (anchor_push(&srv->anchors, &m->cas[i], c) < 0) {
			X509_free(c);
			return fail(err, errlen, "out of memory");
		}
	}
	for (size_t i = 0; i < m->n_crls; i++) {
		const unsigned char *p = m->crls[i].p;
		X509_CRL *crl = p ? d2i_X509_CRL(NULL, &p, (long)m->crls[i].n) : NULL;
		int ok = crl && X509_STORE_add_crl(store, crl) &&
			 sk_X509_NAME_push(srv->crl_issuers,
					   X509_NAME_dup(X509_CRL_get_issuer(crl)));

		X509_CRL_free(crl);
		if (!ok)
			return fail(err, errlen, "CRL %zu unusable", i + 1);
	}
	return 0;
}

/* Request, never require, a client certificate: certificate-less clients
 * (AAA tunnel groups) must complete the handshake.  SHA-1 chains verify at
 * auth level 0 on the chain check only (dtls-openssl.md section 6). */
static int setup_trust(struct server *srv, const struct tls_material *m,
		       char *err, size_t errlen)
{
	SSL_CTX *ctx = srv->pub.ctx;
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);

	if (load_cas(srv, m, store, err, errlen) < 0)
		return -1;
	if (sk_X509_NAME_num(srv->crl_issuers) > 0) {
		/* sorted once here: the verify callback only searches it */
		sk_X509_NAME_sort(srv->crl_issuers);
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	X509_VERIFY_PARAM_set_auth_level(SSL_CTX_get0_param(ctx), 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
			   verify_cb);
	return 0;
}

/* "vpn.example.com" matches itself; "*.example.com" one more label. */
static int domain_match(const char *pattern, const char *name)
{
	const char *dot;

	if (!strcasecmp(pattern, name))
		return 1;
	if (strncmp(pattern, "*.", 2) != 0 || !(dot = strchr(name, '.')) ||
	    dot == name)
		return 0;
	return !strcasecmp(pattern + 1, dot);
}

/* SNI: the trustpoint bound to the name the client asked for, else the
 * interface's own certificates. */
static int servername_cb(SSL *ssl, int *al, void *arg)
{
	struct server *srv = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	struct tls_conn_info *info = conn_info(ssl);
	size_t i, k;

	if (!name)
		return SSL_TLSEXT_ERR_NOACK;
	for (i = 0; i < srv->n_sni; i++)
		for (k = 0; k < srv->sni[i].domains.n; k++) {
			if (!domain_match(srv->sni[i].domains.v[k], name))
				continue;
			if (!SSL_set_SSL_CTX(ssl, srv->sni[i].srv->ctx)) {
				*al = SSL_AD_INTERNAL_ERROR;
				return SSL_TLSEXT_ERR_ALERT_FATAL;
			}
			/* the level lives with the certificates just replaced */
			if (info && info->legacy)
				SSL_set_security_level(ssl, 0);
			return SSL_TLSEXT_ERR_OK;
		}
	return SSL_TLSEXT_ERR_NOACK;
}

static struct tls_server *server_build(const struct tls_material *m,
				       const struct tls_mat_iface *f,
				       size_t ctx, char *err, size_t errlen);

/* One context per identity trustpoint that names domains (contexts 1.. of
 * the interface), built like the interface's but presenting that one. */
static int setup_sni(struct server *srv, const struct tls_material *m,
		     const struct tls_mat_iface *f, char *err, size_t errlen)
{
	if (f->n_ctx < 2)
		return 0;
	srv->sni = calloc(f->n_ctx - 1, sizeof(*srv->sni));
	if (!srv->sni)
		return fail(err, errlen, "out of memory");
	for (size_t c = 1; c < f->n_ctx; c++) {
		struct sni *e = &srv->sni[srv->n_sni];

		e->srv = server_build(m, f, c, err, errlen);
		if (!e->srv)
			return -1;
		util_strlcpy(e->trustpoint, f->ctx[c].trustpoint, sizeof(e->trustpoint));
		e->domains = f->ctx[c].domains;
		srv->n_sni++;
	}
	SSL_CTX_set_tlsext_servername_callback(srv->pub.ctx, servername_cb);
	SSL_CTX_set_tlsext_servername_arg(srv->pub.ctx, srv);
	return 0;
}

static struct tls_server *server_build(const struct tls_material *m,
				       const struct tls_mat_iface *f,
				       size_t ctx, char *err, size_t errlen)
{
	struct server *srv;

	if (tls_global_init() < 0) {
		fail(err, errlen, "OpenSSL initialisation failed");
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	util_strlcpy(srv->pub.ifname, f->name, sizeof(srv->pub.ifname));
	srv->pub.ctx = SSL_CTX_new(TLS_server_method());
	if (!srv->pub.ctx) {
		fail(err, errlen, "interface %s: SSL_CTX_new", f->name);
		goto fail;
	}
	SSL_CTX_set_ex_data(srv->pub.ctx, srv_idx, srv);
	if (setup_protocol(srv, m, err, errlen) < 0 ||
	    setup_identity(srv, &f->ctx[ctx], err, errlen) < 0 ||
	    setup_trust(srv, m, err, errlen) < 0 ||
	    (ctx == 0 && setup_sni(srv, m, f, err, errlen) < 0))
		goto fail;
	return &srv->pub;
fail:
	tls_server_free(&srv->pub);
	return NULL;
}

struct tls_server *tls_server_assemble(const struct tls_material *m, size_t iface,
				       char *err, size_t errlen)
{
	if (iface >= m->n_ifaces || m->ifaces[iface].n_ctx == 0) {
		fail(err, errlen, "interface %zu: no TLS material", iface);
		return NULL;
	}
	return server_build(m, &m->ifaces[iface], 0, err, errlen);
}

void tls_server_free(struct tls_server *s)
{
	struct server *srv;

	if (!s)
		return;
	srv = container_of(s, struct server, pub);
	SSL_CTX_free(s->ctx);
	while (s->n_ids > 0)
		X509_free(s->ids[--s->n_ids].cert);
	sk_X509_NAME_pop_free(srv->crl_issuers, X509_NAME_free);
	ca_anchors_free(&srv->anchors);
	while (srv->n_sni > 0)
		tls_server_free(srv->sni[--srv->n_sni].srv);
	free(srv->sni);
	free(srv);
}


void ca_anchors_free(struct ca_anchors *a)
{
	while (a->n > 0)
		X509_free(a->v[--a->n].cert);
	sk_X509_CRL_pop_free(a->crls, X509_CRL_free);
	a->crls = NULL;
	free(a->v);
	a->v = NULL;
	a->cap = 0;
}

/* ---- client chains: the worker's report, main's re-check */

/* The leaf's chain built against ssl's context now (its CA store,
 * parameters and our verify callback, as libssl's ssl_verify_cert_chain
 * does for a presented chain); NULL when it does not verify. */
static STACK_OF(X509) *resumed_chain(SSL *ssl)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	X509_STORE_CTX *xs = leaf ? X509_STORE_CTX_new() : NULL;
	STACK_OF(X509) *chain = NULL, *untrusted = xs ? tls_ticket_chain(ssl) : NULL;

	if (xs && untrusted &&
	    X509_STORE_CTX_init(xs, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), leaf,
				untrusted) &&
	    X509_STORE_CTX_set_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx(), ssl) &&
	    X509_STORE_CTX_set_default(xs, "ssl_client") &&
	    X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(xs), SSL_get0_param(ssl))) {
		X509_STORE_CTX_set_verify_cb(xs, verify_cb);
		if (X509_verify_cert(xs) > 0)
			chain = X509_STORE_CTX_get1_chain(xs);
	}
	X509_STORE_CTX_free(xs);
	sk_X509_pop_free(untrusted, X509_free);
	return chain;
}

int tls_resumed_verify(SSL *ssl)
{
	struct tls_conn_info *info = conn_info(ssl);
	STACK_OF(X509) *chain;
	int ok;

	if (!SSL_session_reused(ssl) || !SSL_get0_peer_certificate(ssl))
		return 0;
	chain = resumed_chain(ssl);
	ok = chain && !(info && info->verify_failed);
	sk_X509_pop_free(chain, X509_free);
	if (ok)
		return 0;
	if (info && !info->verify_failed) {  /* no callback said why */
		info->verify_failed = 1;
		util_strlcpy(info->verify_reason, "the resumed session's certificate does not verify",
			     sizeof(info->verify_reason));
		util_strlcpy(info->verify_asa_reason, asa_verify_reason(0),
			     sizeof(info->verify_asa_reason));
	}
	return -1;
}

static int chain_put(STACK_OF(X509) *chain, uint8_t *buf, size_t cap)
{
	size_t off = 0;

	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		int n = i2d_X509(sk_X509_value(chain, i), NULL);
		unsigned char *p = buf + off;

		if (n <= 0 || (size_t)n > cap - off)
			return -1;
		i2d_X509(sk_X509_value(chain, i), &p);
		off += (size_t)n;
	}
	return (int)off;
}

int tls_chain_der(SSL *ssl, uint8_t *buf, size_t cap)
{
	STACK_OF(X509) *chain;
	int n;

	if (!SSL_session_reused(ssl))
		return chain_put(SSL_get0_verified_chain(ssl), buf, cap);
	chain = resumed_chain(ssl);
	n = chain_put(chain, buf, cap);
	sk_X509_pop_free(chain, X509_free);
	return n;
}

/* Certificates main parsed before, by the SHA-256 of their DER: d2i_X509
 * in OpenSSL 3.0 decodes the public key through OSSL_DECODER, about half
 * of main's CPU per phone login (perf, 1,000 CP-8861), and the same CA
 * and intermediate certificates (and a phone's own on its next request)
 * come again and again.  Direct-mapped: a miss replaces the slot.  A
 * parsed X509 is only read by the verification (and its cached extension
 * flags are derived from its own bytes), so sharing one is safe. */
enum { CERT_CACHE_SLOTS = 64 };

struct cert_slot {
	uint8_t sha[32];
	X509 *x;
};

/* A trust-only server: the CA store and anchors of a material, the verify
 * callback's context (no identity, never handshakes). */
struct tls_verifier {
	struct tls_server *srv;
	unsigned refs;
	struct cert_slot cache[CERT_CACHE_SLOTS];
};

struct tls_verifier *tls_verifier_new(const struct tls_material *m, char *err,
				      size_t errlen)
{
	struct tls_verifier *v = calloc(1, sizeof(*v));
	struct server *srv = calloc(1, sizeof(*srv));

	if (!v || !srv || tls_global_init() < 0) {
		free(v);
		free(srv);
		fail(err, errlen, "client-chain verifier: out of memory");
		return NULL;
	}
	v->refs = 1;
	v->srv = &srv->pub;
	srv->pub.ctx = SSL_CTX_new(TLS_server_method());
	if (!srv->pub.ctx || !SSL_CTX_set_ex_data(srv->pub.ctx, srv_idx, srv) ||
	    setup_trust(srv, m, err, errlen) < 0) {
		if (!srv->pub.ctx)
			fail(err, errlen, "client-chain verifier: SSL_CTX_new");
		tls_verifier_free(v);
		return NULL;
	}
	return v;
}

struct tls_verifier *tls_verifier_ref(struct tls_verifier *v)
{
	if (v)
		v->refs++;
	return v;
}

/* A parsed certificate's heap, roughly (X509 with its name, key and
 * extension objects): the trim threshold's count, not an account. */
enum { CERT_PARSED_BYTES = 4608 };

size_t tls_verifier_forget(struct tls_verifier *v)
{
	size_t n = 0;

	for (size_t i = 0; v && i < CERT_CACHE_SLOTS; i++) {
		if (!v->cache[i].x)
			continue;
		X509_free(v->cache[i].x);
		v->cache[i].x = NULL;
		n += CERT_PARSED_BYTES;
	}
	return n;
}

void tls_verifier_free(struct tls_verifier *v)
{
	if (!v || --v->refs)
		return;
	tls_verifier_forget(v);
	tls_server_free(v->srv);
	free(v);
}

/* One certificate at *p (at most end - *p bytes), from the cache or parsed
 * (then cached); *p moves past it.  A new reference, or NULL. */
static X509 *cert_get(struct tls_verifier *v, const unsigned char **p,
		      const unsigned char *end)
{
	const unsigned char *q = *p;
	long clen;
	int tag, xclass;
	unsigned int shalen = 0;
	uint8_t sha[32];

	if (ASN1_get_object(&q, &clen, &tag, &xclass, end - *p) & 0x80 ||
	    clen > end - q ||
	    !EVP_Digest(*p, (size_t)(q - *p) + (size_t)clen, sha, &shalen, EVP_sha256(), NULL)) {
		ERR_clear_error();
		X509 *x = d2i_X509(NULL, p, (long)(end - *p)); /* it says why it fails */

		return x;
	}
	struct cert_slot *s = &v->cache[sha[0] % CERT_CACHE_SLOTS];
	size_t n = (size_t)(q - *p) + (size_t)clen;

	if (s->x && !memcmp(s->sha, sha, sizeof(sha)) && X509_up_ref(s->x)) {
		*p += n;
		return s->x;
	}
	const unsigned char *start = *p;
	X509 *x = d2i_X509(NULL, p, (long)n);

	if (!x || *p != start + n) { /* trailing bytes inside the element */
		X509_free(x);
		return NULL;
	}
	if (X509_up_ref(x)) {
		X509_free(s->x);
		s->x = x;
		memcpy(s->sha, sha, sizeof(sha));
	}
	return x;
}

/* Concatenated DER -> leaf + the rest; -1 on a byte that is not one. */
static int chain_parse(struct tls_verifier *v, const uint8_t *der, size_t len,
		       STACK_OF(X509) *out)
{
	const unsigned char *p = der, *end = der + len;

	while (p < end) {
		X509 *c = cert_get(v, &p, end);

		if (!c || !sk_X509_push(out, c)) {
			X509_free(c);
			return -1;
		}
	}
	return sk_X509_num(out) > 0 ? 0 : -1;
}

/* As libssl checks a client's chain (ssl_verify_cert_chain): the
 * context's store and parameters (auth level 0), purpose ssl_client, our
 * verify callback finding the trustpoint in the connection info. */
static int chain_verify(struct tls_verifier *v, STACK_OF(X509) *chain, time_t at,
			struct tls_conn_info *info, char *why, size_t whylen)
{
	SSL *ssl = SSL_new(v->srv->ctx);
	X509_STORE_CTX *xs = X509_STORE_CTX_new();
	int ok = 0, ready;

	if (ssl)
		tls_conn_attach(ssl, info);
	ready = ssl && xs &&
		X509_STORE_CTX_init(xs, SSL_CTX_get_cert_store(v->srv->ctx),
				    sk_X509_value(chain, 0), chain) &&
		X509_STORE_CTX_set_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx(), ssl) &&
		X509_STORE_CTX_set_default(xs, "ssl_client") &&
		X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(xs), SSL_get0_param(ssl));
	if (ready) {
		X509_STORE_CTX_set_verify_cb(xs, verify_cb);
		if (at)
			X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(xs), at);
		ok = X509_verify_cert(xs) > 0 && info->trustpoint[0];
		if (!ok)
			snprintf(why, whylen, "%s", info->verify_failed ? info->verify_reason :
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(xs)));
	} else {
		snprintf(why, whylen, "out of memory");
	}
	X509_STORE_CTX_free(xs);
	SSL_free(ssl);
	return ok ? 0 : -1;
}

int tls_verifier_check(struct tls_verifier *v, const uint8_t *der, size_t len, time_t at,
		       struct tls_peer_cert *out, char *why, size_t whylen)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	struct tls_conn_info info = { .quiet = 1 };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!v || !chain)
		snprintf(why, whylen, "no CA trustpoints to verify against");
	else if (chain_parse(v, der, len, chain) < 0)
		snprintf(why, whylen, "not a DER certificate chain");
	else if (chain_verify(v, chain, at, &info, why, whylen) == 0) {
		tls_cert_facts(sk_X509_value(chain, 0), out);
		out->verified = 1;
		util_strlcpy(out->trustpoint, info.trustpoint, sizeof(out->trustpoint));
		rc = 0;
	}
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return rc;
}
