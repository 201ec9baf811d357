/* keyprov: an OpenSSL 3 provider whose private-key operations are remote.
 *
 * A worker holds no private key: its SSL_CTX gets keyprov_pkey(public key
 * of the certificate), an EVP_PKEY of this provider that holds only the
 * public key and its key id.  libssl signs (TLS 1.3 CertificateVerify,
 * TLS 1.2/1.0 ServerKeyExchange) and decrypts (RSA key exchange) through
 * it; each such operation becomes one keyprov_req handed to the function
 * the process registered (the worker sends it to sslvpnd-secmod, which
 * holds the keys, and waits a bounded time).  Public operations (the key
 * check against the certificate, sizes, group, default digest) are
 * answered here from the public key. */
#ifndef SSLVPND_KEYPROV_H
#define SSLVPND_KEYPROV_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

enum { KEYPROV_ID_LEN = 32, KEYPROV_MD_MAX = 32, KEYPROV_IN_MAX = 1024,
       KEYPROV_OUT_MAX = 1024 };

enum keyprov_op { KEYPROV_SIGN = 1, KEYPROV_DECRYPT = 2 };

/* One private-key operation.  pad is an RSA_*_PADDING value (0 for ECDSA);
 * for KEYPROV_SIGN, in is the digest of md (already hashed here); for
 * KEYPROV_DECRYPT (RSA_PKCS1_WITH_TLS_PADDING) in is the ciphertext and
 * tls_version / tls_alt_version the client's version for the premaster
 * check (alt 0: none), as libssl passes them. */
struct keyprov_req {
	uint8_t key_id[KEYPROV_ID_LEN];
	uint8_t op;                     /* enum keyprov_op */
	int pad;
	char md[KEYPROV_MD_MAX];        /* digest name; "" for decrypt */
	char mgf1_md[KEYPROV_MD_MAX];   /* PSS: "" = md */
	int saltlen;                    /* PSS: RSA_PSS_SALTLEN_* or bytes */
	unsigned tls_version, tls_alt_version;
	const uint8_t *in;
	size_t inlen;
};

/* The process's transport: do rq, put the result in out (outcap bytes),
 * set *outlen; return 0, or -1 with err naming the cause (timeout,
 * refused by secmod...).  Called synchronously from inside libssl. */
typedef int keyprov_remote_fn(const struct keyprov_req *rq, uint8_t *out, size_t outcap,
			      size_t *outlen, char *err, size_t errlen);

/* keyprov_init: register and load the provider in the default library
 * context (the default provider stays loaded and is preferred for
 * everything else: "?provider=default" becomes the default property
 * query) and route its operations to fn.  Returns 0 or -1 with err. */
int keyprov_init(keyprov_remote_fn *fn, char *err, size_t errlen);

/* keyprov_pkey: the remote twin of pub (RSA or EC; only its public part is
 * used), or NULL with err. */
EVP_PKEY *keyprov_pkey(EVP_PKEY *pub, char *err, size_t errlen);

/* keyprov_key_id: SHA-256 of the DER SubjectPublicKeyInfo of pk (public
 * or private), the name of a key between a worker and secmod.  0 or -1. */
int keyprov_key_id(EVP_PKEY *pk, uint8_t id[KEYPROV_ID_LEN]);

#endif
