/* TLS session tickets (S11, ssl session-resumption): stateless tickets
 * for TLS 1.2 and 1.3, sealed with the keys secmod makes and rotates
 * (tkeys.h) and main hands every worker (WORKER_TICKETS).  A client that
 * offers a ticket one of these keys opens resumes without a certificate
 * signature; one that no key opens (unknown, forged, expired, made before
 * the keys were lost) gets a full handshake.  The resumed connection's
 * client certificate is checked again by the caller (tls_resumed_verify). */
#include "config.h"

#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sslvpnd/tkeys.h"
#include "sslvpnd/tls.h"

/* One set per process (a worker is single-threaded; main never serves). */
static struct tkeys keys;
static uint32_t lifetime;

void tls_tickets_set(const struct tkeys *t, uint32_t life)
{
	OPENSSL_cleanse(&keys, sizeof(keys));
	keys = *t;
	lifetime = life;
}

static int mac_init(EVP_MAC_CTX *hctx, struct tkey *k)
{
	char digest[] = "SHA256";
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k->hmac, sizeof(k->hmac)),
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};

	return EVP_MAC_CTX_set_params(hctx, p);
}

/* OpenSSL's contract: encrypting, 1 = a ticket, 0 = none (no key yet);
 * opening, 0 = not ours (full handshake), 1 = resume, 2 = resume and
 * issue a new ticket under the current key (it was the previous one). */
static int ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *ctx,
		     EVP_MAC_CTX *hctx, int enc)
{
	int64_t now = (int64_t)time(NULL);
	struct tkey *k;
	int i;

	(void)ssl;
	if (enc) {
		if (!keys.n || tkeys_find(&keys, keys.k[0].name, now, lifetime) != 0)
			return 0;
		k = &keys.k[0];
		if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1)
			return -1;
		memcpy(name, k->name, TKEY_NAME_LEN);
		return EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, k->aes, iv) == 1 &&
		       mac_init(hctx, k) ? 1 : -1;
	}
	i = tkeys_find(&keys, name, now, lifetime);
	if (i < 0)
		return 0;
	k = &keys.k[i];
	if (!mac_init(hctx, k) || EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, k->aes, iv) != 1)
		return -1;
	return i == 0 ? 1 : 2;
}

/* The ticket carries the certificates between the client's own and its
 * trust anchor (its intermediates, as DER): OpenSSL keeps only the leaf
 * in a session, and a CA trustpoint often holds only the root, so a
 * resumed connection could not build the chain its full handshake had.
 * A renewed ticket keeps what the resumed session carried. */
static int ticket_gen_cb(SSL *ssl, void *arg)
{
	STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);
	SSL_SESSION *sess = SSL_get_session(ssl);
	unsigned char *buf, *p;
	size_t off = 0;
	int ok = 1;

	(void)arg;
	if (!sess || SSL_session_reused(ssl) || sk_X509_num(chain) < 3)
		return 1;
	/* From the heap: this runs inside the handshake, which runs on a
	 * libssl async job's 32 KB stack (SSL_MODE_ASYNC, wkey.c) */
	if (!(buf = OPENSSL_malloc(TLS_TICKET_CHAIN_MAX)))
		return 1;
	for (int i = 1; i < sk_X509_num(chain) - 1; i++) {
		int n = i2d_X509(sk_X509_value(chain, i), NULL);

		if (n <= 0 || (size_t)n > TLS_TICKET_CHAIN_MAX - off) {
			off = 0;  /* too long: the trustpoints must hold it */
			break;
		}
		p = buf + off;
		i2d_X509(sk_X509_value(chain, i), &p);
		off += (size_t)n;
	}
	if (off)
		ok = SSL_SESSION_set1_ticket_appdata(sess, buf, off);
	OPENSSL_free(buf);
	return ok;
}

static SSL_TICKET_RETURN ticket_dec_cb(SSL *ssl, SSL_SESSION *sess, const unsigned char *name,
				       size_t name_len, SSL_TICKET_STATUS status, void *arg)
{
	(void)ssl;
	(void)sess;
	(void)name;
	(void)name_len;
	(void)arg;
	switch (status) {
	case SSL_TICKET_SUCCESS: return SSL_TICKET_RETURN_USE;
	case SSL_TICKET_SUCCESS_RENEW: return SSL_TICKET_RETURN_USE_RENEW;
	case SSL_TICKET_EMPTY:
	case SSL_TICKET_NO_DECRYPT: return SSL_TICKET_RETURN_IGNORE_RENEW;
	default: return SSL_TICKET_RETURN_ABORT;
	}
}

STACK_OF(X509) *tls_ticket_chain(SSL *ssl)
{
	SSL_SESSION *sess = SSL_get_session(ssl);
	STACK_OF(X509) *sk = sk_X509_new_null();
	const unsigned char *p, *end;
	void *data = NULL;
	size_t len = 0;

	if (!sk || !sess || !SSL_SESSION_get0_ticket_appdata(sess, &data, &len) || !data)
		return sk;
	p = data;
	end = p + len;
	while (p < end) {
		X509 *x = d2i_X509(NULL, &p, (long)(end - p));

		if (!x || !sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	}
	return sk;
}

int tls_tickets_enable(SSL_CTX *ctx, uint32_t life)
{
	/* One ticket per TLS 1.3 handshake (a phone reconnects with one),
	 * none kept in the worker: the internal session cache stays off, so
	 * a held session costs no memory for its resumption. */
	SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_timeout(ctx, (long)life);
	return SSL_CTX_set_num_tickets(ctx, 1) &&
	       SSL_CTX_set_session_ticket_cb(ctx, ticket_gen_cb, ticket_dec_cb, NULL) &&
	       SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb) == 1 ? 0 : -1;
}
