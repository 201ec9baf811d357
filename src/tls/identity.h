/* Private to src/tls: the files behind trustpoints.
 *
 * identity.c reads and writes every file a trustpoint names (identity key
 * pairs, certificate chains, CA certificates, CRLs); tlsctx.c turns the
 * result into an SSL_CTX.  Errors always name the trustpoint and the file.
 */
#ifndef SSLVPND_TLS_IDENTITY_H
#define SSLVPND_TLS_IDENTITY_H

#include <stddef.h>

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

/* identity_temporary: the RSA temporary identity (tls_identity_temporary)
 * as a struct identity. */
int identity_temporary(const char *state_dir, struct identity *id, char *err,
		       size_t errlen);

/* identity_clear: free what id holds; safe on a zeroed or cleared id. */
void identity_clear(struct identity *id);

/* identity_ca_store: add the certificates of every CA trustpoint (enrollment
 * terminal) to store, and their CRLs when configured.  The issuer name of
 * every CRL loaded is appended to *crl_issuers (created when NULL) so the
 * verify callback can tell "no CRL configured for this CA" from "CRL
 * missing".  Returns 0, or -1 with err filled. */
int identity_ca_store(const struct sslvpnd_config *cfg, X509_STORE *store,
		      STACK_OF(X509_NAME) **crl_issuers, char *err,
		      size_t errlen);

#endif
