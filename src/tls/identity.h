/* Private to src/tls: the files behind trustpoints.
 *
 * identity.c reads and writes every file a trustpoint names (identity key
 * pairs, certificate chains, CA certificates, CRLs); tlsctx.c turns the
 * result into an SSL_CTX.  Errors always name the trustpoint and the file.
 */
#ifndef SSLVPND_TLS_IDENTITY_H
#define SSLVPND_TLS_IDENTITY_H

#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sslvpnd/config.h"

/* An identity as presented on the wire: leaf, its key and the certificates
 * sent after it.  path is the file the leaf came from (for logs). */
struct identity {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain; /* NULL when the leaf is sent alone */
	int generated; /* created by this call (enrollment self) */
	char path[CFG_PATH_MAX + 64];
};

/* identity_load: the identity of trustpoint tp (enrollment self: load or
 * generate <state_dir>/identity/<name>.pem; enrollment file: tp->key and the
 * chain in tp->certificate).  Checks that key and certificate match and that
 * the certificate is valid now.  Returns 0, or -1 with err filled and id
 * left empty.  Release with identity_clear. */
int identity_load(const struct sslvpnd_config *cfg,
		  const struct cfg_trustpoint *tp, struct identity *id,
		  char *err, size_t errlen);

/* identity_peek: the identity as it is now, for the crypto ca commands:
 * never generates (an enrollment self trustpoint without its file is an
 * error saying to enroll it) and does not check the dates. */
int identity_peek(const struct sslvpnd_config *cfg,
		  const struct cfg_trustpoint *tp, struct identity *id,
		  char *err, size_t errlen);
/* identity_check: identity_peek for the configuration check: returns 1
 * (id empty) when an enrollment self trustpoint has no file yet (the start
 * generates it), 0 with id loaded, -1 with err.  An enrollment self
 * trustpoint's key-size, and its subject-name when it is still to be
 * generated, are checked as the start would.  Dates are not checked. */
int identity_check(const struct sslvpnd_config *cfg,
		   const struct cfg_trustpoint *tp, struct identity *id,
		   char *err, size_t errlen);
int identity_peek_temporary(const char *state_dir, enum cfg_key_type type,
			    struct identity *id, char *err, size_t errlen);

/* identity_enroll: crypto ca enroll: generate the self-signed identity of
 * an enrollment self trustpoint; refused when it already has one. */
int identity_enroll(const struct sslvpnd_config *cfg,
		    const struct cfg_trustpoint *tp, struct identity *id,
		    char *err, size_t errlen);

/* identity_crl_check: read the CRL file of CA trustpoint tp (tp->crl set)
 * and check each CRL is signed by one of certs, as identity_ca_store
 * would, into a scratch store.  Returns 0, or -1 with err filled. */
int identity_crl_check(const struct cfg_trustpoint *tp, STACK_OF(X509) *certs,
		       char *err, size_t errlen);

/* identity_ca_certs: the certificates of a CA trustpoint (file or folder). */
int identity_ca_certs(const struct cfg_trustpoint *tp, STACK_OF(X509) *sk,
		      char *err, size_t errlen);

/* identity_temporary: the temporary identity of key type (RSA 2048 in
 * <state-dir>/identity/temporary-rsa.pem, EC P-256 in temporary-ec.pem),
 * loaded or generated. */
int identity_temporary(const char *state_dir, enum cfg_key_type type,
		       struct identity *id, char *err, size_t errlen);

/* identity_clear: free what id holds; safe on a zeroed or cleared id. */
void identity_clear(struct identity *id);

/* identity_ca_store: add the certificates of every CA trustpoint (enrollment
 * terminal) to store, and their CRLs when configured.  The issuer name of
 * every CRL loaded is appended to *crl_issuers (created when NULL) so the
 * verify callback can tell "no CRL configured for this CA" from "CRL
 * missing".  Every certificate is also appended to anchors with its
 * trustpoint's settings, so a verified chain can be told which trustpoint
 * it ends at.  Returns 0, or -1 with err filled. */
struct ca_anchor {
	X509 *cert; /* a certificate of the trustpoint (owned) */
	char name[CFG_NAME_MAX];
	int accept_sha1, ignore_expiry;
};

struct ca_anchors {
	struct ca_anchor *v;
	size_t n, cap;
	STACK_OF(X509_CRL) *crls; /* identity_ca_store: the CRLs it added */
};

int identity_ca_store(const struct sslvpnd_config *cfg, X509_STORE *store,
		      STACK_OF(X509_NAME) **crl_issuers,
		      struct ca_anchors *anchors, char *err, size_t errlen);

/* ca_anchors_free: release what identity_ca_store put in anchors. */
void ca_anchors_free(struct ca_anchors *a);

/* AES-SHA stays at the end for phones that have nothing else. */
#define DEFAULT_TLS12_CIPHERS                                          \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"     \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:" \
	"AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA"
/* TLS 1.3 ciphersuites (ssl cipher tlsv1.3): OpenSSL's, AES-256 first as
 * the ASA 9.19 lists them. */
#define DEFAULT_TLS13_CIPHERS \
	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
/* What a 7962G offers; DTLS 0.9 must then agree with it (phones.md). */
#define DEFAULT_LEGACY_CIPHERS "AES256-SHA:AES128-SHA"

/* tls_ec_first (tlsctx.c): list with the ECDSA suites moved to the front,
 * checked by OpenSSL; tls_cipher_or: the configured list or dflt. */
int tls_ec_first(SSL_CTX *ctx, const char *what, const char *list,
		 char *out, size_t len, char *err, size_t errlen);
const char *tls_cipher_or(const char *cfg_list, const char *dflt);
/* tls_ciphersuites (tlsctx.c): set the TLS 1.3 ciphersuites of ctx. */
int tls_ciphersuites(SSL_CTX *ctx, const char *list, char *err, size_t errlen);

/* tls_fail (tlsctx.c): fills err and appends OpenSSL's reason when it has
 * one; returns -1. */
int tls_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
