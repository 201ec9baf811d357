/* DTLS 1.2 AES-GCM records of our own: see include/sslvpnd/dtlsrec.h. */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>
#include <openssl/params.h>

#include "sslvpnd/dtlsrec.h"

enum {
	FIXED_IV = 4,  /* RFC 5288 3: the implicit part of the nonce */
	AAD = 13,
	MAX_PLAIN = 16384,
	SEQ_LIMIT_BITS = 48,
	WINDOW = 64,
	DTLS12_WIRE = 0xfefd,
	PRF_ROOM = 256,
};

/* The suites whose records are ours, by libssl's bulk cipher. */
static const struct gcm_suite {
	int nid;
	const char *cipher;
	size_t key_len;
} gcm_suites[] = {
	{ NID_aes_128_gcm, "AES-128-GCM", 16 },
	{ NID_aes_256_gcm, "AES-256-GCM", 32 },
};

static const struct gcm_suite *suite_of(const SSL_CIPHER *c)
{
	int nid = c ? SSL_CIPHER_get_cipher_nid(c) : NID_undef;

	for (size_t i = 0; i < sizeof(gcm_suites) / sizeof(gcm_suites[0]); i++)
		if (gcm_suites[i].nid == nid)
			return &gcm_suites[i];
	return NULL;
}

int dtlsrec_covers(const SSL_CIPHER *c)
{
	return suite_of(c) != NULL;
}

int dtlsrec_prf(const char *digest, const uint8_t *secret, size_t secret_len,
		const char *label, const uint8_t *seed, size_t seed_len,
		uint8_t *out, size_t out_len)
{
	uint8_t sec[PRF_ROOM], ls[PRF_ROOM];
	size_t llen = strlen(label);
	char md[64];
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[4];
	int rc = -1;

	if (llen > sizeof(ls) || seed_len > sizeof(ls) - llen ||
	    secret_len > sizeof(sec) || strlen(digest) >= sizeof(md))
		return -1;
	/* OSSL_PARAM wants writable buffers: hand it copies. */
	memcpy(sec, secret, secret_len);
	memcpy(ls, label, llen);
	memcpy(ls + llen, seed, seed_len);
	strcpy(md, digest);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, md,
						     0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
						      sec, secret_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, ls,
						      llen + seed_len);
	params[3] = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL)) &&
	    (kctx = EVP_KDF_CTX_new(kdf)) &&
	    EVP_KDF_derive(kctx, out, out_len, params) > 0)
		rc = 0;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

/* The implicit part of the nonce; sealing also draws a random start for
 * libcrypto's explicit-nonce counter. */
static int iv_fixed(EVP_CIPHER_CTX *x, uint8_t *iv)
{
	OSSL_PARAM p[2];

	p[0] = OSSL_PARAM_construct_octet_string(
		OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, iv, FIXED_IV);
	p[1] = OSSL_PARAM_construct_end();
	return EVP_CIPHER_CTX_set_params(x, p) > 0;
}

/* RFC 5246 6.3: client_write_MAC_key, server_write_MAC_key (none for
 * AEAD), client_write_key, server_write_key, client_write_IV,
 * server_write_IV.  The server seals with the server's half. */
static int keys_install(struct dtlsrec *r, const struct gcm_suite *s,
			const char *digest, const uint8_t *master,
			size_t master_len, const uint8_t *cr, const uint8_t *sr)
{
	uint8_t seed[2 * DTLSREC_RANDOM], kb[2 * 32 + 2 * FIXED_IV];
	size_t k = s->key_len;
	EVP_CIPHER *ciph = EVP_CIPHER_fetch(NULL, s->cipher, NULL);
	int ok;

	memcpy(seed, sr, DTLSREC_RANDOM);
	memcpy(seed + DTLSREC_RANDOM, cr, DTLSREC_RANDOM);
	ok = ciph && (r->seal = EVP_CIPHER_CTX_new()) &&
	     (r->open = EVP_CIPHER_CTX_new()) &&
	     dtlsrec_prf(digest, master, master_len, "key expansion", seed,
			 sizeof(seed), kb, 2 * k + 2 * FIXED_IV) == 0 &&
	     EVP_CipherInit_ex(r->open, ciph, NULL, kb, NULL, 0) &&
	     EVP_CipherInit_ex(r->seal, ciph, NULL, kb + k, NULL, 1);
	ok = ok && iv_fixed(r->open, kb + 2 * k) &&
	     iv_fixed(r->seal, kb + 2 * k + FIXED_IV);
	OPENSSL_cleanse(kb, sizeof(kb));
	EVP_CIPHER_free(ciph);
	return ok ? 0 : -1;
}

int dtlsrec_init(struct dtlsrec *r, const SSL_CIPHER *c,
		 const uint8_t *master, size_t master_len,
		 const uint8_t client_random[DTLSREC_RANDOM],
		 const uint8_t server_random[DTLSREC_RANDOM], uint16_t epoch,
		 uint64_t tx_seq, uint64_t rx_seen)
{
	const struct gcm_suite *s = suite_of(c);
	const EVP_MD *md = c ? SSL_CIPHER_get_handshake_digest(c) : NULL;

	memset(r, 0, sizeof(*r));
	if (!s || !md || !master || !client_random || !server_random ||
	    tx_seq >> SEQ_LIMIT_BITS || rx_seen >> SEQ_LIMIT_BITS)
		return -1;
	r->epoch = epoch;
	r->tx_seq = tx_seq;
	/* Everything the handshake's record layer may have delivered is
	 * old: a copy of it must not be delivered a second time. */
	r->rx_top = rx_seen;
	r->rx_mask = ~(uint64_t)0;
	if (keys_install(r, s, EVP_MD_get0_name(md), master, master_len,
			 client_random, server_random) == 0)
		return 0;
	ERR_clear_error();
	dtlsrec_wipe(r);
	return -1;
}

void dtlsrec_wipe(struct dtlsrec *r)
{
	EVP_CIPHER_CTX_free(r->seal);
	EVP_CIPHER_CTX_free(r->open);
	OPENSSL_cleanse(r, sizeof(*r));
}

static void put48(uint8_t *p, uint64_t v)
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get48(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* libcrypto's TLS mode of AES-GCM, the one libssl uses: the implicit IV
 * is set once, the AAD per record (epoch || seq || type || version ||
 * length of nonce + text, + tag when opening: libcrypto takes off what is
 * not text), then one EVP_Cipher in place over nonce || text || tag.
 * Sealing draws the explicit nonce from libcrypto's counter (a random
 * start, +1 a record); opening takes it from the record.  This costs
 * half the instructions of EVP_CipherInit_ex + Update + Final per record
 * (the IV-length and tag parameter look-ups). */
static int gcm_tls(EVP_CIPHER_CTX *x, const uint8_t *hdr, size_t aad_len,
		   uint8_t *buf, size_t len)
{
	uint8_t aad[AAD];
	OSSL_PARAM p[2];

	memcpy(aad, hdr + 3, 8);
	memcpy(aad + 8, hdr, 3);
	aad[11] = (uint8_t)(aad_len >> 8);
	aad[12] = (uint8_t)aad_len;
	p[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD,
						 aad, AAD);
	p[1] = OSSL_PARAM_construct_end();
	return EVP_CIPHER_CTX_set_params(x, p) > 0 &&
	       EVP_Cipher(x, buf, buf, (unsigned int)len) > 0 ? 0 : -1;
}

size_t dtlsrec_seal(struct dtlsrec *r, uint8_t type, const uint8_t *pt,
		    size_t len, uint8_t *out, size_t cap)
{
	size_t body = DTLSREC_NONCE + len + DTLSREC_TAG;

	if (len > MAX_PLAIN || cap < DTLSREC_HDR + body ||
	    r->tx_seq >> SEQ_LIMIT_BITS || !r->seal)
		return 0;
	out[0] = type;
	out[1] = DTLS12_WIRE >> 8;
	out[2] = DTLS12_WIRE & 0xff;
	out[3] = (uint8_t)(r->epoch >> 8);
	out[4] = (uint8_t)r->epoch;
	put48(out + 5, r->tx_seq);
	out[11] = (uint8_t)(body >> 8);
	out[12] = (uint8_t)body;
	memmove(out + DTLSREC_HDR + DTLSREC_NONCE, pt, len);
	if (gcm_tls(r->seal, out, DTLSREC_NONCE + len, out + DTLSREC_HDR,
		    body)) {
		ERR_clear_error();
		return 0;
	}
	r->tx_seq++;
	return DTLSREC_HDR + body;
}

/* RFC 6347 4.1.2.6: newer than the window's top, or inside it and not
 * seen yet. */
static int window_fresh(const struct dtlsrec *r, uint64_t seq)
{
	uint64_t back;

	if (seq > r->rx_top)
		return 1;
	back = r->rx_top - seq;
	return back < WINDOW && !(r->rx_mask >> back & 1);
}

static void window_mark(struct dtlsrec *r, uint64_t seq)
{
	uint64_t shift;

	if (seq <= r->rx_top) {
		r->rx_mask |= (uint64_t)1 << (r->rx_top - seq);
		return;
	}
	shift = seq - r->rx_top;
	r->rx_mask = shift >= WINDOW ? 1 : r->rx_mask << shift | 1;
	r->rx_top = seq;
}

long dtlsrec_open(struct dtlsrec *r, const uint8_t *rec, size_t rec_len,
		  uint8_t *out, size_t cap, uint8_t *type)
{
	size_t body;
	uint64_t seq;

	if (rec_len < DTLSREC_OVERHEAD || !r->open)
		return -1;
	body = (size_t)rec[11] << 8 | rec[12];
	seq = get48(rec + 5);
	if (body != rec_len - DTLSREC_HDR || body > cap ||
	    body - DTLSREC_NONCE - DTLSREC_TAG > MAX_PLAIN ||
	    ((unsigned)rec[1] << 8 | rec[2]) != DTLS12_WIRE ||
	    ((unsigned)rec[3] << 8 | rec[4]) != r->epoch ||
	    !window_fresh(r, seq))
		return -1;
	/* TLS mode works in place: out gets nonce || text || tag */
	memcpy(out, rec + DTLSREC_HDR, body);
	if (gcm_tls(r->open, rec, body, out, body)) {
		ERR_clear_error();
		return -1;
	}
	window_mark(r, seq);
	*type = rec[0];
	return (long)(body - DTLSREC_NONCE - DTLSREC_TAG);
}
