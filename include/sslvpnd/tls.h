/* TLS front: server contexts, identities (trustpoints), client certificates.
 *
 * Identity selection (design.md): an interface presents the identity
 * certificates of its trustpoints, or - when it has none - the temporary
 * self-signed certificate ("ASA Temporary Self Signed Certificate") kept in
 * <state-dir>/identity so its SHA-1 stays stable across restarts.
 *
 * Client certificates are requested (not required) on every handshake and
 * verified against the CA trustpoints.  A presented certificate that fails
 * verification aborts the handshake with an alert and the reason is kept in
 * the connection's struct tls_conn_info for the log.  Clients that offer only
 * TLS 1.0/1.1 (old phones) are relaxed on that connection only (security
 * level 0, TLS 1.0, the tlsv1 cipher list) from the client-hello callback.
 */
#ifndef SSLVPND_TLS_H
#define SSLVPND_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sslvpnd/config.h"
#include "sslvpnd/tlsmat.h"

#define TLS_TEMP_SUBJECT_RSA "CN=ASA Temporary Self Signed Certificate"
#define TLS_TEMP_SUBJECT_EC TLS_TEMP_SUBJECT_RSA

/* Per-connection information shared between the worker and the callbacks.
 * The worker owns it; tls_conn_attach stores a pointer in the SSL. */
struct tls_conn_info {
	char peer_host[64];
	uint16_t peer_port;
	char ifname[CFG_NAME_MAX];
	int legacy;                 /* relaxed as a TLS 1.0 phone */
	int verify_failed;          /* a presented client certificate failed */
	char verify_reason[160];    /* X509_verify_cert_error_string + depth */
	char verify_asa_reason[80]; /* the same in the ASA's words (717009) */
	char verify_subject[256];   /* subject of the failing certificate,
				     * issuer: the ASA's form (cn=..,o=..) */
	char verify_issuer[256];
	char verify_serial[64];
	char trustpoint[CFG_NAME_MAX]; /* CA trustpoint the verified chain ends at */
	int expiry_ignored;         /* accepted under ignore-expiry */
	int quiet;                  /* main's re-check (tls_verifier_check):
				     * the worker logged the chain already */
};

struct tls_peer_cert {
	int present;                /* a certificate was presented */
	int verified;               /* chain verified against the CA trustpoints */
	char subject[512];          /* one-line RFC 2253 subject */
	char issuer[512];
	char serial[64];            /* hex */
	char cn[256];
	char o[256];
	char ou[256];
	char email[256];
	char upn[256];              /* otherName UPN from SAN, if any */
	char trustpoint[CFG_NAME_MAX]; /* CA trustpoint that validated it */
};

/* One certificate an interface presents. */
struct tls_server_id {
	char trustpoint[CFG_NAME_MAX]; /* "" for a temporary certificate */
	X509 *cert;                  /* leaf (owned) */
	uint8_t sha1[20];
	int ec;                      /* EC key (else RSA) */
};

/* An interface's TLS server context and what it presents.  The ASA rule
 * (CSCuu02848, asa-behaviour.md section 5): configured identities (one RSA,
 * one EC at most) always win; without an RSA one the RSA temporary
 * certificate serves clients offering only RSA suites; with no identity at
 * all the EC temporary certificate serves everybody else; EC is preferred
 * when the client offers both.  ids[0] is the certificate a client offering
 * every suite gets (EC when there is one): its SHA-1 is the interface's
 * certHash; ids[1] the other key type, if any. */
struct tls_server {
	SSL_CTX *ctx;
	char ifname[CFG_NAME_MAX];
	char trustpoint[CFG_NAME_MAX]; /* of ids[0]; "" when temporary */
	X509 *cert;                  /* ids[0].cert (not a second reference) */
	uint8_t sha1[20];            /* SHA-1 of the leaf DER (phone certHash) */
	struct tls_server_id ids[2];
	int n_ids;
};

/* ssl server-version read: the lowest TLS version (TLS1_VERSION ..
 * TLS1_3_VERSION) and the lowest DTLS one (DTLS1_BAD_VER: 0.9 and up;
 * DTLS1_2_VERSION: 1.2 only).  "" is the default (tlsv1).  Returns 0, or -1
 * for a spelling the schema does not list. */
struct tls_versions {
	int tls_min;
	int dtls_min;
};
int tls_versions_parse(const char *server_version, struct tls_versions *v);

/* tls_global_init: OpenSSL init, ex_data index; call once per process. */
int tls_global_init(void);

/* tls_keys_remote: from now on the TLS contexts of this process hold no
 * private key (its material from main carries none): each context gets
 * keyprov_pkey(the certificate's public key), whose private operations
 * go to sslvpnd-secmod.  The worker calls it after keyprov_init. */
void tls_keys_remote(void);

/* tls_key_sink: while fn is set, every identity key a context of this
 * process installs is handed to fn (main collects the keys it sends to
 * secmod); fn must not keep key beyond the call.  NULL stops it. */
void tls_key_sink(void (*fn)(void *arg, EVP_PKEY *key), void *arg);

/* tls_identity_temporary: load <state_dir>/identity/temporary-rsa.pem (key +
 * certificate) or, when absent, generate an RSA 2048 key and a self-signed
 * certificate with subject TLS_TEMP_SUBJECT_RSA valid 10 years, and write it
 * there atomically with mode 0600.  *generated is set to 1 when it was made
 * now.  The EC twin (temporary-ec.pem, P-256) is made too when absent
 * (and logged as 100005 here).  Returns 0, or -1 with err filled. */
int tls_identity_temporary(const char *state_dir, X509 **cert, EVP_PKEY **key,
			   int *generated, char *err, size_t errlen);

/* tls_material_gather (main only: reads the trustpoint files, makes the
 * temporary identities unless dry): the TLS material of every interface of
 * cfg, or of interface only when not NULL (then ifaces[0]).  dry: the
 * configuration check; nothing is generated, identities still to be
 * generated are left out.  Returns 0, or -1 with err filled (names the
 * trustpoint and file at fault); m is the caller's to tls_material_free. */
int tls_material_gather(const struct sslvpnd_config *cfg, const struct cfg_interface *only,
			int dry, struct tls_material *m, char *err, size_t errlen);

/* tls_server_assemble: the context of interface iface of m (workers; main
 * through tls_server_new): protocol settings and cipher lists, identities,
 * CA store and CRLs, SNI contexts.  Opens no file.  NULL with err filled. */
struct tls_server *tls_server_assemble(const struct tls_material *m, size_t iface,
				       char *err, size_t errlen);

/* tls_server_new: gather + assemble the context of interface ifc: identity
 * (trustpoints or temporary), CA store (every CA trustpoint), verify mode,
 * cipher lists and minimum version from cfg->ssl, session-id context,
 * client-hello callback.  Returns NULL with err filled (names the trustpoint
 * and file at fault). */
struct tls_server *tls_server_new(const struct sslvpnd_config *cfg,
				  const struct cfg_interface *ifc,
				  char *err, size_t errlen);
void tls_server_free(struct tls_server *s);

/* tls_server_first_clients: which clients get ids[0] (the 100006 line):
 * "every client" when the interface has one certificate, else "clients
 * offering ECDSA suites (AnyConnect)" (ids[1], RSA, goes to RSA-only
 * clients such as phones: 100120).  A static string. */
const char *tls_server_first_clients(const struct tls_server *s);

/* tls_server_log_others: one 100120 line per certificate beyond ids[0]
 * (the caller logs ids[0] as 100006), naming who gets it, and one 100124
 * per SNI domain. */
void tls_server_log_others(struct tls_server *s);

/* tls_conn_sha1: SHA-1 of the certificate this connection presented (after
 * the handshake); falls back to the interface's certHash. */
void tls_conn_sha1(SSL *ssl, const struct tls_server *s, uint8_t out[20]);

/* tls_conn_attach: remember info for the callbacks of ssl. */
void tls_conn_attach(SSL *ssl, struct tls_conn_info *info);

/* tls_peer_cert_get: describe the verified client certificate of ssl (after
 * a completed handshake).  present=0 when none was sent. */
void tls_peer_cert_get(SSL *ssl, struct tls_peer_cert *out);

/* tls_cert_facts: the subject fields of cert (subject, issuer, serial, CN,
 * O, OU, e-mail, UPN) as tls_peer_cert_get reports them; present = 1
 * (0 and all empty when cert is NULL), verified and trustpoint left 0. */
void tls_cert_facts(X509 *cert, struct tls_peer_cert *out);

/* tls_chain_der: the client chain ssl's handshake verified
 * (SSL_get0_verified_chain), leaf first, as concatenated DER in buf; for a
 * resumed session (no chain: OpenSSL keeps only the leaf in a session)
 * the chain tls_resumed_verify builds from the leaf and the CA store.
 * Returns its length, 0 when there is none, -1 when it needs more than
 * cap bytes. */
int tls_chain_der(SSL *ssl, uint8_t *buf, size_t cap);

/* tls_resumed_verify: after a resumed handshake, checks the client
 * certificate the session carries (leaf only) against the context's CA
 * trustpoints, CRLs and rules now, as a full handshake would have (the
 * verify callback: trustpoint, accept-sha1, ignore-expiry; a refusal
 * fills the connection info as for a full handshake).  0: no certificate
 * or it verifies; -1: refused. */
int tls_resumed_verify(SSL *ssl);

/* Session tickets (tickets.c).  tls_tickets_enable: ctx issues one ticket
 * per handshake and opens tickets with the process's keys, sessions live
 * life seconds, no server-side cache.  tls_tickets_set: the keys to use
 * from now on (WORKER_TICKETS); none yet: no ticket is issued. */
struct tkeys;
enum { TLS_TICKET_CHAIN_MAX = 8192 };  /* intermediates carried in a ticket */
int tls_tickets_enable(SSL_CTX *ctx, uint32_t life);
/* tls_ticket_chain: the intermediates a resumed session's ticket carried
 * (a new stack, empty when none; NULL out of memory). */
STACK_OF(X509) *tls_ticket_chain(SSL *ssl);
void tls_tickets_set(const struct tkeys *t, uint32_t life);

/* A client-chain verifier built from the CA part of TLS material (CA
 * trustpoints with accept-sha1 / ignore-expiry, CRLs): main checks the
 * chain a worker reports with the very rules of the workers' handshake
 * (the same verify callback), without a connection and without logging.
 * Reference counted: tls_verifier_ref adds one, tls_verifier_free drops
 * one (NULL is fine for both). */
struct tls_verifier;
struct tls_verifier *tls_verifier_new(const struct tls_material *m, char *err,
				      size_t errlen);
struct tls_verifier *tls_verifier_ref(struct tls_verifier *v);
void tls_verifier_free(struct tls_verifier *v);
/* tls_verifier_forget (S11, memory): drops the certificates the verifier
 * keeps parsed (mostly phones' own, each a few kB scattered over the heap
 * where the burst that brought it left it, pinning pages a trim would
 * otherwise give back).  Returns about how many bytes that freed (for
 * util_heap_freed), 0 when it kept none. */
size_t tls_verifier_forget(struct tls_verifier *v);
/* tls_verifier_check: der is a chain as tls_chain_der makes it, checked
 * at time at (0: now; dates, CRLs).  0: it verifies; out holds the leaf's
 * facts, verified = 1 and the trustpoint the chain ends at.  -1: it does
 * not (why says what; out zeroed). */
int tls_verifier_check(struct tls_verifier *v, const uint8_t *der, size_t len, time_t at,
		       struct tls_peer_cert *out, char *why, size_t whylen);

/* SHA-1 of a certificate's DER encoding. */
void tls_cert_sha1(X509 *cert, uint8_t out[20]);

/* tls_sha1_forms: a certificate's SHA-1 as "E5:7E:..." and as base64
 * ("5X6B...=", CUCM's certHash). */
void tls_sha1_forms(X509 *cert, char hex[60], char b64[32]);

/* tls_phone_sha1s (S16, the fleet's node record): the SHA-1 (40 upper-case
 * hex digits) of the RSA identity certificate each interface presents to
 * phones (they offer only RSA suites: the configured RSA identity, else the
 * temporary RSA one; the 100006/100120 certificate), distinct ones joined
 * by ',' into out.  Reads the certificate files (main only).  Returns how
 * many hashes, -1 when none could be read (out then ""). */
int tls_phone_sha1s(const struct sslvpnd_config *cfg, char *out, size_t len);

/* One live node of the fleet as its record in Redis says (certhash: the
 * comma-separated SHA-1 hex tls_phone_sha1s made on that node). */
struct tls_fleet_node {
	const char *name, *url, *certhash;
	int slice;
};

/* tls_certhash_fleet: `certhash --fleet [--tunnel-group NAME]`: each node's
 * hashes (hex and base64, as certhash prints them), then the CUCM
 * <vpnGroup> with url1..url3 = the first three nodes (the caller's order:
 * slice order) and certHash1.. = the distinct hashes; the authMethod of the
 * tunnel group certhash would choose on this node.  -1 with err: no node, a
 * node without url or hash, more than 10 distinct hashes. */
int tls_certhash_fleet(const struct sslvpnd_config *cfg, const char *tgname,
		       const struct tls_fleet_node *nodes, size_t n, FILE *out, char *err,
		       size_t errlen);

/* tls_ca_command: run one of the ASA certificate commands (words of argv):
 *   show crypto ca certificates [TP] | show crypto ca expiry [DAYS] |
 *   crypto ca enroll TP | crypto ca authenticate TP (PEM from in) |
 *   crypto ca import TP pkcs12 FILE (pass phrase: first line of in) |
 *   crypto ca export TP identity-certificate | certhash TP [TP...]
 * Output goes to out; in may be NULL (authenticate is then refused).
 * Returns 0, or -1 with err filled. */
int tls_ca_command(const struct sslvpnd_config *cfg, int argc, char **argv,
		   FILE *out, FILE *in, char *err, size_t errlen);

/* tls_expiry_alerts: certificates of every trustpoint that expire within
 * days (or have expired): printed to out, or logged as 100121/100122 when
 * out is NULL.  Returns how many. */
int tls_expiry_alerts(const struct sslvpnd_config *cfg, int days, FILE *out);

/* tls_trustpoints_report: read every trustpoint and report what is wrong,
 * naming the trustpoint: errors (unreadable file, key/certificate mismatch,
 * identity expired or not yet valid) and warnings (chain out of order or
 * missing an intermediate, CA certificate expired or not a CA).  Printed to
 * out as "error: ..." / "warning: ...", or logged when out is NULL.
 * Returns the number of errors. */
int tls_trustpoints_report(const struct sslvpnd_config *cfg, FILE *out);

/* tls_doctor_facts: what the doctor (doctor.h) needs of every trustpoint's
 * certificates: key type, signature digest, dates, subject, SANs; a
 * trustpoint whose files cannot be read is listed with the reason.  Read
 * only (an enrollment self identity not generated yet is skipped). */
struct doc_facts;
void tls_doctor_facts(const struct sslvpnd_config *cfg, struct doc_facts *f);

/* tls_trustpoints_check: tls_trustpoints_report for the configuration
 * check: errors go to errs as "<cfg->source>:<trustpoint line>: ...",
 * warnings are dropped.  Returns the number of errors. */
int tls_trustpoints_check(const struct sslvpnd_config *cfg, struct cfg_errors *errs);

/* tls_config_check: everything of cfg that only OpenSSL and the files can
 * judge, read only (nothing is generated: identities not enrolled yet and
 * the temporary certificates are made at start).  The TLS cipher lists as
 * the server contexts compile them, the DTLS lists, every trustpoint's
 * files (identity key and certificate, dates, CA certificates, CRL and its
 * signer), then each interface's context.  Every problem is appended to
 * errs with the line of the key or object at fault; nothing stops at the
 * first.  sslvpnd -t, the start and a reload all run it (src/main/reload.c
 * reload_load).  Returns the number of errors added. */
int tls_config_check(const struct sslvpnd_config *cfg, struct cfg_errors *errs);

/* A Cisco phone's identity from its certificate CN: CP-<model>-SEP<mac>
 * (MIC) or SEP<mac> (LSC).  model "" for an LSC; mac 12 upper-case hex
 * digits; device "SEP<mac>" (the CUCM device name). */
struct tls_phone {
	char model[32];
	char mac[13];
	char device[16];
};

/* tls_phone_cn: 0 when cn is a phone name, else -1 (out zeroed). */
int tls_phone_cn(const char *cn, struct tls_phone *out);

/* tls_dn_field: the value of attribute attr ("C", "ST", "L", "serialNumber",
 * ...) in an RFC 2253 subject string (as tls_peer_cert.subject), unescaped.
 * Returns 0, or -1 (buf "") when absent or longer than len. */
int tls_dn_field(const char *subject, const char *attr, char *buf, size_t len);

/* OpenSSL error queue as one line (and clears it). */
void tls_error_string(char *buf, size_t len);
/* tls_error_log: tls_error_string, and one 725014 line per error, for the
 * handshake with peer that just failed. */
void tls_error_log(char *buf, size_t len, const char *peer);
/* tls_log_cert_ok: 717022 for the client certificate of a completed
 * handshake, when one verified against a CA trustpoint. */
void tls_log_cert_ok(SSL *ssl);
/* tls_asa_cert_names: subject and issuer of cert as the ASA's 717xxx lines
 * print them ("cn=x,ou=y,o=z", len bytes each), serial in lower-case hex
 * (717054/717055). */
void tls_asa_cert_names(X509 *cert, char *subject, char *issuer, size_t len,
			char *serial, size_t slen);

#endif
