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

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sslvpnd/config.h"

#define TLS_TEMP_SUBJECT_RSA "CN=ASA Temporary Self Signed Certificate"

/* Per-connection information shared between the worker and the callbacks.
 * The worker owns it; tls_conn_attach stores a pointer in the SSL. */
struct tls_conn_info {
	char peer_host[64];
	uint16_t peer_port;
	char ifname[CFG_NAME_MAX];
	int legacy;                 /* relaxed as a TLS 1.0 phone */
	int verify_failed;          /* a presented client certificate failed */
	char verify_reason[160];    /* X509_verify_cert_error_string + depth */
	char verify_subject[256];   /* subject of the failing certificate */
	char verify_serial[64];
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
};

/* An interface's TLS server context and what it presents. */
struct tls_server {
	SSL_CTX *ctx;
	char ifname[CFG_NAME_MAX];
	char trustpoint[CFG_NAME_MAX]; /* "" for the temporary certificate */
	X509 *cert;                  /* identity leaf (owned) */
	uint8_t sha1[20];            /* SHA-1 of the leaf DER (phone certHash) */
};

/* tls_global_init: OpenSSL init, ex_data index; call once per process. */
int tls_global_init(void);

/* tls_identity_temporary: load <state_dir>/identity/temporary-rsa.pem (key +
 * certificate) or, when absent, generate an RSA 2048 key and a self-signed
 * certificate with subject TLS_TEMP_SUBJECT_RSA valid 10 years, and write it
 * there atomically with mode 0600.  *generated is set to 1 when it was made
 * now.  Returns 0, or -1 with err filled. */
int tls_identity_temporary(const char *state_dir, X509 **cert, EVP_PKEY **key,
			   int *generated, char *err, size_t errlen);

/* tls_server_new: build the context of interface ifc from cfg: identity
 * (trustpoints or temporary), CA store (every CA trustpoint), verify mode,
 * cipher lists and minimum version from cfg->ssl, session-id context,
 * client-hello callback.  Returns NULL with err filled (names the trustpoint
 * and file at fault). */
struct tls_server *tls_server_new(const struct sslvpnd_config *cfg,
				  const struct cfg_interface *ifc,
				  char *err, size_t errlen);
void tls_server_free(struct tls_server *s);

/* tls_conn_attach: remember info for the callbacks of ssl. */
void tls_conn_attach(SSL *ssl, struct tls_conn_info *info);

/* tls_peer_cert_get: describe the verified client certificate of ssl (after
 * a completed handshake).  present=0 when none was sent. */
void tls_peer_cert_get(SSL *ssl, struct tls_peer_cert *out);

/* SHA-1 of a certificate's DER encoding. */
void tls_cert_sha1(X509 *cert, uint8_t out[20]);

/* OpenSSL error queue as one line (and clears it). */
void tls_error_string(char *buf, size_t len);

#endif
