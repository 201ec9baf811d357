/* Cisco DTLS 0.9 server on libcrypto: see include/sslvpnd/dtls09.h.
 *
 * Wire format, crypto and pitfalls: dtls-openssl.md 3 and 9 (P1, P2, P7,
 * P11), anyconnect-protocol.md 4.1.  Differences from DTLS 1.0 that this
 * file exists for: record and hello version 0x0100, a 3-byte CCS body that
 * consumes handshake sequence 1 (so both Finished messages carry
 * message_seq 2), and a Finished transcript over handshake bodies without
 * their 12-byte DTLS headers.
 */
#include "config.h"

/* The plain path keeps HMAC-SHA1 as two SHA_CTX states copied per record
 * (SHA1_Init & co., deprecated in 3.0, present in every 3.x): libcrypto
 * 3.0's EVP digest and HMAC contexts allocate on every re-initialisation
 * and copy, which is per record here. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/dtls09.h"
#include "sslvpnd/dtlsrec.h"

enum {
	CT_CCS = 20,
	CT_ALERT = 21,
	CT_HANDSHAKE = 22,
	CT_APP = 23,
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_FINISHED = 20,
	HS_HDR_LEN = 12,
	RANDOM_LEN = 32,
	VERIFY_LEN = 12,
	MAC_HDR_LEN = 13,
	PRE_LEN = DTLS09_HDR_LEN + DTLS09_IV_LEN, /* before the ciphertext */
	/* version, random, session id, suite, compression; no extensions:
	 * GnuTLS accepts a ServerHello without renegotiation_info (P4). */
	SH_BODY_LEN = 2 + RANDOM_LEN + 1 + DTLS09_SESSION_ID_LEN + 2 + 1,
	KEY_BLOCK_MAX = 2 * DTLS09_MAC_LEN + 2 * 32,
	SCRATCH_LEN = 256, /* epoch-1 Finished and alerts, decrypted */
	/* Explicit IVs are drawn from RAND_bytes 64 at a time: a call costs
	 * microseconds whatever its size, as much as sealing a record. */
	IV_POOL_LEN = 64 * DTLS09_IV_LEN,
	WINDOW_BITS = 64,
	RTO_INITIAL_MS = 1000,
	RTO_MAX_MS = 8000,
	MAX_RETRANSMITS = 5,
	/* A ClientHello duplicated by the network must not cost two flights;
	 * openconnect's own retransmission comes after about 1 s. */
	RESEND_MIN_MS = 100,
	PEER_SEQ_START_SHIFT = 32,
};

#define SEQ_LIMIT ((uint64_t)1 << 48)

enum state {
	ST_WAIT_HELLO,	/* no keys yet */
	ST_FLIGHT_SENT, /* keys installed, waiting for the Finished */
	ST_ESTABLISHED,
	ST_FAILED,
};

/* The record paths' verdicts besides the negative enum dtls09_err. */
enum { RL_OK = 0, RL_BAD_MAC = 1 };

struct suite_info {
	uint16_t id;
	size_t key_len;
	const char *cbc;
	const char *stitched;
};

static const struct suite_info suites[] = {
	{ DTLS09_AES128_SHA, 16, "AES-128-CBC", "AES-128-CBC-HMAC-SHA1" },
	{ DTLS09_AES256_SHA, 32, "AES-256-CBC", "AES-256-CBC-HMAC-SHA1" },
};

struct rec {
	uint8_t type;
	uint16_t epoch;
	uint64_t seq;
	const uint8_t *body;
	size_t len;
};

/* HMAC-SHA1 keyed once: the states after the key's inner and outer pad
 * blocks; a record's MAC starts from copies (no allocation, two
 * compressions fewer per record than hashing the pads again). */
struct hmac_sha1 {
	SHA_CTX inner;
	SHA_CTX outer;
};

struct hello {
	const uint8_t *body; /* handshake body, for the transcript */
	size_t len;
	const uint8_t *random;
};

struct dtls09 {
	enum state state;
	const struct suite_info *suite;
	int plain; /* 1: AES-CBC + HMAC, 0: stitched cipher */
	uint8_t master[DTLS09_MASTER_LEN];
	uint8_t session_id[DTLS09_SESSION_ID_LEN];
	uint8_t client_random[RANDOM_LEN];
	uint8_t server_random[RANDOM_LEN];
	uint8_t sh_body[SH_BODY_LEN];
	uint8_t server_verify[VERIFY_LEN];
	uint8_t client_verify[VERIFY_LEN];
	/* client MAC, server MAC, client key, server key */
	uint8_t key_block[KEY_BLOCK_MAX];

	/* record layer: every object allocated in dtls09_new */
	EVP_CIPHER *cbc;
	EVP_CIPHER *stitched; /* NULL where libcrypto lacks it */
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
	struct hmac_sha1 wr_mac; /* plain path only */
	struct hmac_sha1 rd_mac;
	uint64_t wr_seq0;  /* next sequence number in epoch 0 */
	uint64_t wr_seq1;  /* ... and in epoch 1; never reused */
	uint64_t rd_top;   /* highest epoch-1 sequence accepted */
	uint64_t rd_bits;  /* bit i: rd_top - i accepted */
	int rd_any;

	uint64_t deadline_ms;
	uint64_t last_tx_ms;
	unsigned int rto_ms;
	unsigned int retransmits;

	size_t iv_used; /* bytes of iv_pool handed out */
	uint8_t iv_pool[IV_POOL_LEN];

	struct dtls09_stats stats;
	uint8_t scratch[SCRATCH_LEN];
};

/* --- constant-time helpers (masks are all ones for true) --- */

static size_t ct_msb(size_t a)
{
	return 0 - (a >> (sizeof(a) * 8 - 1));
}

static size_t ct_lt(size_t a, size_t b)
{
	return ct_msb(a ^ ((a ^ b) | ((a - b) ^ b)));
}

static size_t ct_ge(size_t a, size_t b)
{
	return ~ct_lt(a, b);
}

static size_t ct_is_zero(size_t a)
{
	return ct_msb(~a & (a - 1));
}

static size_t ct_eq(size_t a, size_t b)
{
	return ct_is_zero(a ^ b);
}

static size_t ct_sel(size_t mask, size_t a, size_t b)
{
	return (mask & a) | (~mask & b);
}

/* --- byte order --- */

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t ld24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint64_t ld48(const uint8_t *p)
{
	return (uint64_t)ld16(p) << 32 | (uint64_t)ld16(p + 2) << 16 |
	       ld16(p + 4);
}

static void st16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void st48(uint8_t *p, uint64_t v)
{
	st16(p, (size_t)(v >> 32));
	st16(p + 2, (size_t)(v >> 16));
	st16(p + 4, (size_t)v);
}

static int get_u24(struct rbuf *b, uint32_t *v)
{
	const uint8_t *p = rbuf_peek(b, 3);

	if (!p)
		return -1;
	*v = ld24(p);
	return 0;
}

static void put_u24(struct wbuf *b, size_t v)
{
	wbuf_put_u8(b, (uint8_t)(v >> 16));
	wbuf_put_u16(b, (uint16_t)v);
}

static void put_rec_hdr(struct wbuf *b, uint8_t type, uint16_t epoch,
			uint64_t seq, size_t len)
{
	wbuf_put_u8(b, type);
	wbuf_put_u16(b, DTLS09_VERSION);
	wbuf_put_u16(b, epoch);
	wbuf_put_u16(b, (uint16_t)(seq >> 32));
	wbuf_put_u32(b, (uint32_t)seq);
	wbuf_put_u16(b, (uint16_t)len);
}

/* Unfragmented handshake header: fragment offset 0, fragment = whole. */
static void put_hs_hdr(struct wbuf *b, uint8_t type, uint16_t msg_seq,
		       size_t len)
{
	wbuf_put_u8(b, type);
	put_u24(b, len);
	wbuf_put_u16(b, msg_seq);
	put_u24(b, 0);
	put_u24(b, len);
}

/* HMAC input prefix: epoch || seq || type || version || length. */
static void mac_hdr(uint8_t m[MAC_HDR_LEN], uint8_t type, uint16_t epoch,
		    uint64_t seq, size_t len)
{
	st16(m, epoch);
	st48(m + 2, seq);
	m[8] = type;
	st16(m + 9, DTLS09_VERSION);
	st16(m + 11, len);
}

/* --- demultiplexing --- */

int dtls09_hello_session_id(const uint8_t *pkt, size_t len,
			    uint8_t id[DTLS09_SESSION_ID_LEN])
{
	/* record header 13 + handshake header 12 + version 2 + random 32 */
	enum { SID_LEN_AT = 59, SID_AT = 60, FRAG_OFF_AT = 19 };
	uint16_t version;

	if (!pkt || len < SID_AT + DTLS09_SESSION_ID_LEN)
		return -1;
	version = ld16(pkt + 1);
	if (pkt[0] != CT_HANDSHAKE ||
	    (version != DTLS09_VERSION && version != 0xfeff &&
	     version != 0xfefd) ||
	    ld16(pkt + 3) != 0 || ld16(pkt + 11) > len - DTLS09_HDR_LEN ||
	    ld16(pkt + 11) < SID_AT + DTLS09_SESSION_ID_LEN - DTLS09_HDR_LEN)
		return -1;
	if (pkt[DTLS09_HDR_LEN] != HS_CLIENT_HELLO ||
	    ld24(pkt + FRAG_OFF_AT) != 0 ||
	    pkt[SID_LEN_AT] != DTLS09_SESSION_ID_LEN)
		return -1;
	memcpy(id, pkt + SID_AT, DTLS09_SESSION_ID_LEN);
	return 0;
}

/* --- TLS 1.0 PRF --- */

int dtls09_prf(const uint8_t master[DTLS09_MASTER_LEN], const char *label,
	       const uint8_t *seed, size_t seed_len, uint8_t *out,
	       size_t out_len)
{
	if (strlen(label) > 256 || seed_len > 256 - strlen(label))
		return DTLS09_ERR_INVAL;
	return dtlsrec_prf("MD5-SHA1", master, DTLS09_MASTER_LEN, label, seed,
			   seed_len, out, out_len)
		       ? DTLS09_ERR_INTERNAL
		       : 0;
}

/* --- record layer: key installation --- */

static int install_stitched(struct dtls09 *d, uint8_t *wmac, uint8_t *wkey,
			    uint8_t *rmac, uint8_t *rkey)
{
	if (!EVP_CipherInit_ex(d->enc, d->stitched, NULL, wkey, NULL, 1) ||
	    EVP_CIPHER_CTX_ctrl(d->enc, EVP_CTRL_AEAD_SET_MAC_KEY,
				DTLS09_MAC_LEN, wmac) <= 0 ||
	    !EVP_CipherInit_ex(d->dec, d->stitched, NULL, rkey, NULL, 0) ||
	    EVP_CIPHER_CTX_ctrl(d->dec, EVP_CTRL_AEAD_SET_MAC_KEY,
				DTLS09_MAC_LEN, rmac) <= 0)
		return DTLS09_ERR_INTERNAL;
	return 0;
}

static int hmac_pad(SHA_CTX *c, const uint8_t key[DTLS09_MAC_LEN],
		    uint8_t with)
{
	uint8_t pad[SHA_CBLOCK];
	size_t i;
	int ok;

	memset(pad, with, sizeof(pad));
	for (i = 0; i < DTLS09_MAC_LEN; i++)
		pad[i] ^= key[i];
	ok = SHA1_Init(c) && SHA1_Update(c, pad, sizeof(pad));
	explicit_bzero(pad, sizeof(pad));
	return ok;
}

static int hmac_key(struct hmac_sha1 *h, const uint8_t key[DTLS09_MAC_LEN])
{
	return hmac_pad(&h->inner, key, 0x36) && hmac_pad(&h->outer, key, 0x5c);
}

/* HMAC(key, mh || p) into mac. */
static int hmac_rec(const struct hmac_sha1 *h, const uint8_t *mh,
		    const uint8_t *p, size_t len, uint8_t mac[DTLS09_MAC_LEN])
{
	SHA_CTX c = h->inner;
	int ok = SHA1_Update(&c, mh, MAC_HDR_LEN) && SHA1_Update(&c, p, len) &&
		 SHA1_Final(mac, &c);

	c = h->outer;
	ok = ok && SHA1_Update(&c, mac, DTLS09_MAC_LEN) && SHA1_Final(mac, &c);
	explicit_bzero(&c, sizeof(c));
	return ok ? 0 : DTLS09_ERR_INTERNAL;
}

static int install_plain(struct dtls09 *d, uint8_t *wmac, uint8_t *wkey,
			 uint8_t *rmac, uint8_t *rkey)
{
	/* No EVP padding: TLS padding is written and checked here, and a
	 * padding decryptor would hold back the last block. */
	if (!EVP_CipherInit_ex(d->enc, d->cbc, NULL, wkey, NULL, 1) ||
	    !EVP_CIPHER_CTX_set_padding(d->enc, 0) ||
	    !EVP_CipherInit_ex(d->dec, d->cbc, NULL, rkey, NULL, 0) ||
	    !EVP_CIPHER_CTX_set_padding(d->dec, 0) ||
	    !hmac_key(&d->wr_mac, wmac) || !hmac_key(&d->rd_mac, rmac))
		return DTLS09_ERR_INTERNAL;
	return 0;
}

/* Key block layout: client MAC, server MAC, client key, server key (the
 * derived IVs are never used: every record carries its own). */
static int keys_install(struct dtls09 *d, int as_client)
{
	uint8_t *kb = d->key_block;
	size_t kl = d->suite->key_len;
	uint8_t *cmac = kb, *smac = kb + DTLS09_MAC_LEN;
	uint8_t *ckey = kb + 2 * DTLS09_MAC_LEN, *skey = ckey + kl;
	int rc;

	if (as_client)
		rc = d->plain ? install_plain(d, cmac, ckey, smac, skey)
			      : install_stitched(d, cmac, ckey, smac, skey);
	else
		rc = d->plain ? install_plain(d, smac, skey, cmac, ckey)
			      : install_stitched(d, smac, skey, cmac, ckey);
	d->rd_any = 0;
	d->rd_top = 0;
	d->rd_bits = 0;
	return rc;
}

static int keys_derive(struct dtls09 *d)
{
	uint8_t seed[2 * RANDOM_LEN];

	memcpy(seed, d->server_random, RANDOM_LEN);
	memcpy(seed + RANDOM_LEN, d->client_random, RANDOM_LEN);
	return dtls09_prf(d->master, "key expansion", seed, sizeof(seed),
			  d->key_block,
			  2 * DTLS09_MAC_LEN + 2 * d->suite->key_len);
}

/* --- record layer: seal --- */

size_t dtls09_sealed_len(size_t len)
{
	/* MAC, then at least one byte of padding, to a block boundary. */
	return PRE_LEN + ((len + DTLS09_MAC_LEN + 1 + 15) & ~(size_t)15);
}

size_t dtls09_data_mtu(size_t link_mtu)
{
	size_t room, max;

	if (link_mtu < dtls09_sealed_len(1))
		return 0;
	room = (link_mtu - PRE_LEN) & ~(size_t)15;
	max = room - DTLS09_MAC_LEN - 1;
	return max > DTLS09_MAX_FRAME ? DTLS09_MAX_FRAME : max;
}

/* p holds len bytes of plaintext, the IV sits right before it; encrypt
 * plaintext || MAC || padding (total bytes) in place. */
static int seal_plain(struct dtls09 *d, const uint8_t *mh, uint8_t *p,
		      size_t len, size_t total)
{
	size_t pad = total - len - DTLS09_MAC_LEN - 1;
	int outl;

	if (hmac_rec(&d->wr_mac, mh, p, len, p + len))
		return DTLS09_ERR_INTERNAL;
	memset(p + len + DTLS09_MAC_LEN, (int)pad, pad + 1);
	if (!EVP_CipherInit_ex(d->enc, NULL, NULL, NULL, p - DTLS09_IV_LEN,
			       1) ||
	    !EVP_CipherUpdate(d->enc, p, &outl, p, (int)total) ||
	    (size_t)outl != total)
		return DTLS09_ERR_INTERNAL;
	return 0;
}

/* The stitched cipher in "TLS mode": the 13-byte AAD arms the MAC, one
 * EVP_Cipher call MACs, pads and encrypts.  Version 0x0100 is below TLS
 * 1.1, so the cipher leaves the explicit IV to us: we set it per record
 * and send it in clear (interoperates with GnuTLS, dtls-openssl.md 3.5). */
/* The AAD goes in as a parameter, not by EVP_CIPHER_CTX_ctrl: the ctrl
 * builds a parameter array, sets it and reads the padding back, a third of
 * the cost outside the cipher itself for a voice-sized record.  Our padding
 * (dtls09_sealed_len) is the cipher's minimal one, which the round trip
 * and cross-path unit tests check. */
static int stitched_aad(EVP_CIPHER_CTX *x, uint8_t mh[MAC_HDR_LEN])
{
	OSSL_PARAM p[2] = {
		OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD,
						  mh, MAC_HDR_LEN),
		OSSL_PARAM_construct_end(),
	};

	return EVP_CIPHER_CTX_set_params(x, p) > 0 ? 0 : DTLS09_ERR_INTERNAL;
}

static int seal_stitched(struct dtls09 *d, uint8_t *mh, uint8_t *p, size_t len,
			 size_t total)
{
	(void)len;
	if (!EVP_CipherInit_ex(d->enc, NULL, NULL, NULL, p - DTLS09_IV_LEN, 1) ||
	    stitched_aad(d->enc, mh) ||
	    EVP_Cipher(d->enc, p, p, (unsigned int)total) <= 0)
		return DTLS09_ERR_INTERNAL;
	return 0;
}

/* A fresh unpredictable IV per record (TLS 1.1 style explicit IV; a
 * predictable one would reopen BEAST-type chosen-plaintext attacks). */
static int iv_next(struct dtls09 *d, uint8_t *iv)
{
	if (d->iv_used == 0 && RAND_bytes(d->iv_pool, IV_POOL_LEN) <= 0)
		return DTLS09_ERR_INTERNAL;
	memcpy(iv, d->iv_pool + d->iv_used, DTLS09_IV_LEN);
	d->iv_used = (d->iv_used + DTLS09_IV_LEN) % IV_POOL_LEN;
	return 0;
}

static int rl_seal(struct dtls09 *d, uint8_t type, const uint8_t *pt,
		   size_t len, uint8_t *out, size_t cap)
{
	size_t rlen = dtls09_sealed_len(len), total = rlen - PRE_LEN;
	uint8_t mh[MAC_HDR_LEN];
	struct wbuf b;
	int rc;

	if (rlen > cap)
		return DTLS09_ERR_INVAL;
	if (d->wr_seq1 >= SEQ_LIMIT)
		return DTLS09_ERR_STATE;
	if (pt != out + PRE_LEN) /* the worker seals in place */
		memmove(out + PRE_LEN, pt, len);
	if (iv_next(d, out + DTLS09_HDR_LEN))
		return DTLS09_ERR_INTERNAL;
	mac_hdr(mh, type, 1, d->wr_seq1, len);
	rc = d->plain ? seal_plain(d, mh, out + PRE_LEN, len, total)
		      : seal_stitched(d, mh, out + PRE_LEN, len, total);
	if (rc) {
		ERR_clear_error();
		return rc;
	}
	wbuf_init(&b, out, DTLS09_HDR_LEN);
	put_rec_hdr(&b, type, 1, d->wr_seq1, DTLS09_IV_LEN + total);
	d->wr_seq1++;
	d->stats.tx++;
	return (int)rlen;
}

int dtls09_seal(struct dtls09 *d, const uint8_t *frame, size_t len,
		uint8_t *out, size_t cap)
{
	if (d->state != ST_ESTABLISHED)
		return DTLS09_ERR_STATE;
	if (!frame || !out || len == 0 || len > DTLS09_MAX_FRAME)
		return DTLS09_ERR_INVAL;
	return rl_seal(d, CT_APP, frame, len, out, cap);
}

/* --- record layer: open --- */

/* All TLS 1.0 padding bytes equal the pad value.  Scans the longest
 * possible padding whatever the pad byte says (the loop count depends on
 * the public record length only). */
static size_t pad_check(const uint8_t *p, size_t n, size_t pad, size_t maxpad)
{
	size_t good = ct_ge(maxpad, pad), i;

	for (i = 0; i <= maxpad; i++) {
		size_t in_pad = ct_ge(pad, i);

		good &= ~in_pad | ct_eq(p[n - 1 - i], pad);
	}
	return good;
}

/* Copy the MAC at the secret offset mac_at out of p without a
 * secret-dependent address: collect it rotated while scanning every
 * position it could start at, then rotate it back (20 x 20 steps). */
static void mac_extract(uint8_t rx[DTLS09_MAC_LEN], const uint8_t *p, size_t n,
			size_t mac_at, size_t maxpad)
{
	uint8_t rot[DTLS09_MAC_LEN] = { 0 };
	size_t i, j = 0, k, t, rotate = 0;

	for (i = n - DTLS09_MAC_LEN - 1 - maxpad; i < n - 1; i++) {
		size_t in_mac =
			ct_ge(i, mac_at) & ct_lt(i, mac_at + DTLS09_MAC_LEN);

		rotate |= ct_eq(i, mac_at) & j;
		rot[j] |= p[i] & (uint8_t)in_mac;
		j = (j + 1) & ~ct_eq(j + 1, DTLS09_MAC_LEN);
	}
	for (k = 0; k < DTLS09_MAC_LEN; k++) {
		size_t idx = rotate + k;
		uint8_t v = 0;

		idx -= DTLS09_MAC_LEN & ct_ge(idx, DTLS09_MAC_LEN);
		for (t = 0; t < DTLS09_MAC_LEN; t++)
			v |= rot[t] & (uint8_t)ct_eq(t, idx);
		rx[k] = v;
	}
}

static size_t sha1_blocks(size_t n)
{
	return (n + 8) / 64 + 1;
}

/* Lucky 13: the HMAC above hashed 64 + 13 + len bytes, and len depends on
 * the secret padding.  Run a throw-away SHA-1 over as many blocks as that
 * HMAC saved against the longest possible plaintext (plus one, so the
 * length passed is never zero), keeping the number of compression calls
 * per record a function of the public record length only. */
static int mac_equalise(size_t len, size_t max_len)
{
	static const uint8_t zero[64 * 6];
	size_t extra = sha1_blocks(64 + MAC_HDR_LEN + max_len) -
		       sha1_blocks(64 + MAC_HDR_LEN + len);
	uint8_t md[SHA_DIGEST_LENGTH];
	SHA_CTX c;

	if (!SHA1_Init(&c) || !SHA1_Update(&c, zero, 64 * extra + 55) ||
	    !SHA1_Final(md, &c))
		return DTLS09_ERR_INTERNAL;
	return 0;
}

/* The plain path's MAC-then-encrypt check in constant time: padding and
 * MAC are judged together and only the final verdict branches. */
static int open_plain(struct dtls09 *d, const struct rec *r, uint8_t *out,
		      size_t *plen)
{
	size_t n = r->len - DTLS09_IV_LEN, maxpad, pad, good, len;
	uint8_t mh[MAC_HDR_LEN], mac[DTLS09_MAC_LEN], rx[DTLS09_MAC_LEN];
	int outl;

	if (!EVP_CipherInit_ex(d->dec, NULL, NULL, NULL, r->body, 0) ||
	    !EVP_CipherUpdate(d->dec, out, &outl, r->body + DTLS09_IV_LEN,
			      (int)n) ||
	    (size_t)outl != n)
		return DTLS09_ERR_INTERNAL;
	maxpad = n - DTLS09_MAC_LEN - 1;
	if (maxpad > 255)
		maxpad = 255;
	pad = out[n - 1];
	good = pad_check(out, n, pad, maxpad);
	pad = ct_sel(good, pad, 0);
	len = n - DTLS09_MAC_LEN - 1 - pad;
	mac_hdr(mh, r->type, r->epoch, r->seq, len);
	if (hmac_rec(&d->rd_mac, mh, out, len, mac) ||
	    mac_equalise(len, n - DTLS09_MAC_LEN - 1))
		return DTLS09_ERR_INTERNAL;
	mac_extract(rx, out, n, len, maxpad);
	good &= ct_is_zero(
		(size_t)(unsigned int)CRYPTO_memcmp(mac, rx, sizeof(mac)));
	if (!good)
		return RL_BAD_MAC;
	*plen = len;
	return RL_OK;
}

/* The stitched cipher checks MAC and padding in constant time itself
 * (its Lucky-13 code); the length field of the AAD is ignored when
 * decrypting, the cipher derives it. */
static int open_stitched(struct dtls09 *d, const struct rec *r, uint8_t *out,
			 size_t *plen)
{
	size_t n = r->len - DTLS09_IV_LEN;
	uint8_t mh[MAC_HDR_LEN];

	mac_hdr(mh, r->type, r->epoch, r->seq, n);
	if (!EVP_CipherInit_ex(d->dec, NULL, NULL, NULL, r->body, 0) ||
	    stitched_aad(d->dec, mh))
		return DTLS09_ERR_INTERNAL;
	if (EVP_Cipher(d->dec, out, r->body + DTLS09_IV_LEN, (unsigned int)n) <=
	    0) {
		ERR_clear_error();
		return RL_BAD_MAC;
	}
	/* Verified, so the pad byte is no longer secret. */
	*plen = n - DTLS09_MAC_LEN - 1 - out[n - 1];
	return RL_OK;
}

static int rl_open(struct dtls09 *d, const struct rec *r, uint8_t *out,
		   size_t *plen)
{
	int rc = d->plain ? open_plain(d, r, out, plen)
			  : open_stitched(d, r, out, plen);

	if (rc < 0)
		ERR_clear_error();
	return rc;
}

/* IV plus at least two blocks (MAC + padding need 21 bytes), whole
 * blocks only, and room to decrypt into. */
static int rl_shape_ok(const struct rec *r, size_t cap)
{
	size_t n;

	if (r->len < DTLS09_IV_LEN + 32)
		return 0;
	n = r->len - DTLS09_IV_LEN;
	return n % 16 == 0 && n <= cap;
}

/* --- anti-replay window (P7) --- */

static int window_check(const struct dtls09 *d, uint64_t seq)
{
	uint64_t age;

	if (!d->rd_any || seq > d->rd_top)
		return 0;
	age = d->rd_top - seq;
	if (age >= WINDOW_BITS)
		return -1;
	return (d->rd_bits >> age) & 1 ? -1 : 0;
}

/* Only after the MAC verified: forged records must not move the window. */
static void window_update(struct dtls09 *d, uint64_t seq)
{
	uint64_t shift;

	if (!d->rd_any) {
		d->rd_any = 1;
		d->rd_top = seq;
		d->rd_bits = 1;
	} else if (seq > d->rd_top) {
		shift = seq - d->rd_top;
		d->rd_bits = shift >= WINDOW_BITS ? 0 : d->rd_bits << shift;
		d->rd_bits |= 1;
		d->rd_top = seq;
	} else {
		d->rd_bits |= (uint64_t)1 << (d->rd_top - seq);
	}
}

/* --- handshake --- */

/* One whole, unfragmented handshake message of the given type filling
 * the rest of b.  message_seq is not checked: openconnect sends 0 and 2,
 * the Cisco stacks are unverified, and the session id / verify_data are
 * what authenticate. */
static int hs_header(struct rbuf *b, uint8_t type, size_t *len)
{
	uint8_t t = 0;
	uint16_t msg_seq;
	uint32_t l = 0, off = 0, flen = 0;

	rbuf_get_u8(b, &t);
	get_u24(b, &l);
	rbuf_get_u16(b, &msg_seq);
	get_u24(b, &off);
	get_u24(b, &flen);
	if (rbuf_ok(b) || t != type || off != 0 || flen != l ||
	    l != rbuf_left(b))
		return -1;
	*len = l;
	return 0;
}

static int skip_vec8(struct rbuf *b)
{
	uint8_t n;

	if (rbuf_get_u8(b, &n) || !rbuf_peek(b, n))
		return -1;
	return 0;
}

static int hello_suites(struct rbuf *b, uint16_t want)
{
	uint16_t n, i;
	const uint8_t *p;
	int found = 0;

	if (rbuf_get_u16(b, &n) || n < 2 || n % 2 || !(p = rbuf_peek(b, n)))
		return -1;
	for (i = 0; i < n; i += 2)
		found |= ld16(p + i) == want;
	return found ? 0 : -1;
}

static int hello_compression(struct rbuf *b)
{
	uint8_t n, i;
	const uint8_t *p;

	if (rbuf_get_u8(b, &n) || n < 1 || !(p = rbuf_peek(b, n)))
		return -1;
	for (i = 0; i < n; i++)
		if (p[i] == 0)
			return 0;
	return -1;
}

/* Extensions are ignored (session_ticket, renegotiation_info,
 * record_size_limit from GnuTLS) but their framing must be exact. */
static int hello_extensions(struct rbuf *b)
{
	uint16_t total, type, len;

	if (rbuf_left(b) == 0)
		return 0;
	if (rbuf_get_u16(b, &total) || total != rbuf_left(b))
		return -1;
	while (rbuf_left(b) > 0)
		if (rbuf_get_u16(b, &type) || rbuf_get_u16(b, &len) ||
		    !rbuf_peek(b, len))
			return -1;
	return 0;
}

static int hello_parse(const struct dtls09 *d, const uint8_t *p, size_t n,
		       struct hello *h)
{
	struct rbuf b;
	uint16_t version;
	uint8_t sid_len;
	const uint8_t *sid;

	rbuf_init(&b, p, n);
	if (hs_header(&b, HS_CLIENT_HELLO, &h->len))
		return -1;
	h->body = p + HS_HDR_LEN;
	if (rbuf_get_u16(&b, &version) || version != DTLS09_VERSION ||
	    !(h->random = rbuf_peek(&b, RANDOM_LEN)) ||
	    rbuf_get_u8(&b, &sid_len) || sid_len != DTLS09_SESSION_ID_LEN ||
	    !(sid = rbuf_peek(&b, DTLS09_SESSION_ID_LEN)) ||
	    CRYPTO_memcmp(sid, d->session_id, DTLS09_SESSION_ID_LEN))
		return -1;
	/* A cookie can only echo a HelloVerifyRequest, which we never send
	 * (P2); skip whatever is there. */
	if (skip_vec8(&b) || hello_suites(&b, d->suite->id) ||
	    hello_compression(&b) || hello_extensions(&b))
		return -1;
	return rbuf_done(&b);
}

static void sh_body_build(struct dtls09 *d)
{
	struct wbuf b;

	wbuf_init(&b, d->sh_body, sizeof(d->sh_body));
	wbuf_put_u16(&b, DTLS09_VERSION);
	wbuf_put_bytes(&b, d->server_random, RANDOM_LEN);
	wbuf_put_u8(&b, DTLS09_SESSION_ID_LEN);
	wbuf_put_bytes(&b, d->session_id, DTLS09_SESSION_ID_LEN);
	wbuf_put_u16(&b, d->suite->id);
	wbuf_put_u8(&b, 0);
}

/* Both verify_data values at once: the transcript is complete as soon as
 * our Finished is known.  DTLS 0.9 hashes bodies only, no 12-byte
 * handshake headers (dtls-openssl.md 3.3). */
static int finished_compute(struct dtls09 *d, const struct hello *h)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new(), *cp = EVP_MD_CTX_new();
	uint8_t hash[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	int ok;

	ok = md && cp && EVP_DigestInit_ex(md, EVP_md5_sha1(), NULL) &&
	     EVP_DigestUpdate(md, h->body, h->len) &&
	     EVP_DigestUpdate(md, d->sh_body, sizeof(d->sh_body)) &&
	     EVP_MD_CTX_copy_ex(cp, md) && EVP_DigestFinal_ex(cp, hash, &hl) &&
	     !dtls09_prf(d->master, "server finished", hash, hl,
			 d->server_verify, VERIFY_LEN) &&
	     EVP_DigestUpdate(md, d->server_verify, VERIFY_LEN) &&
	     EVP_DigestFinal_ex(md, hash, &hl) &&
	     !dtls09_prf(d->master, "client finished", hash, hl,
			 d->client_verify, VERIFY_LEN);
	EVP_MD_CTX_free(md);
	EVP_MD_CTX_free(cp);
	return ok ? 0 : DTLS09_ERR_INTERNAL;
}

/* ServerHello (epoch 0) + CCS (epoch 0) + Finished (epoch 1), rebuilt on
 * every send so that each copy has fresh record sequence numbers: GnuTLS
 * drops a byte-identical resend as a replay and the handshake then hangs
 * when only its Finished was lost (P1). */
static int flight_build(struct dtls09 *d, uint8_t *tx, size_t cap)
{
	uint8_t fin[HS_HDR_LEN + VERIFY_LEN];
	struct wbuf b, f;
	int n;

	if (cap < DTLS09_FLIGHT_LEN)
		return DTLS09_ERR_INVAL;
	wbuf_init(&b, tx, cap);
	put_rec_hdr(&b, CT_HANDSHAKE, 0, d->wr_seq0++,
		    HS_HDR_LEN + SH_BODY_LEN);
	put_hs_hdr(&b, HS_SERVER_HELLO, 0, SH_BODY_LEN);
	wbuf_put_bytes(&b, d->sh_body, SH_BODY_LEN);
	/* DTLS 0.9 CCS: 01 plus the handshake sequence it consumes (1), so
	 * our Finished is message 2. */
	put_rec_hdr(&b, CT_CCS, 0, d->wr_seq0++, 3);
	wbuf_put_u8(&b, 1);
	wbuf_put_u16(&b, 1);
	wbuf_init(&f, fin, sizeof(fin));
	put_hs_hdr(&f, HS_FINISHED, 2, VERIFY_LEN);
	wbuf_put_bytes(&f, d->server_verify, VERIFY_LEN);
	if (wbuf_ok(&b) || wbuf_ok(&f))
		return DTLS09_ERR_INTERNAL;
	n = rl_seal(d, CT_HANDSHAKE, fin, sizeof(fin), tx + b.len, cap - b.len);
	if (n < 0)
		return n;
	d->stats.tx += 2;
	d->stats.hs_flights++;
	return (int)b.len + n;
}

static int flight_send(struct dtls09 *d, uint64_t now, struct dtls09_out *out)
{
	int n = flight_build(d, out->tx, out->tx_cap);

	if (n < 0)
		return n;
	out->tx_len = (size_t)n;
	out->events |= DTLS09_EV_TX;
	d->last_tx_ms = now;
	d->deadline_ms = now + d->rto_ms;
	return 0;
}

static int hs_start(struct dtls09 *d, const struct hello *h, uint64_t now,
		    struct dtls09_out *out)
{
	int rc;

	memcpy(d->client_random, h->random, RANDOM_LEN);
	if (RAND_bytes(d->server_random, RANDOM_LEN) <= 0)
		return DTLS09_ERR_INTERNAL;
	sh_body_build(d);
	if ((rc = keys_derive(d)) || (rc = keys_install(d, 0)) ||
	    (rc = finished_compute(d, h)))
		return rc;
	d->state = ST_FLIGHT_SENT;
	d->rto_ms = RTO_INITIAL_MS;
	d->retransmits = 0;
	d->stats.rx++;
	return flight_send(d, now, out);
}

static int on_hello(struct dtls09 *d, const struct rec *r, uint64_t now,
		    struct dtls09_out *out)
{
	struct hello h;

	if (hello_parse(d, r->body, r->len, &h)) {
		d->stats.rx_malformed++;
		return 0;
	}
	/* Established: a duplicate, or a new handshake that belongs in a
	 * new dtls09 (P11); answering would let anyone who saw the session
	 * id rekey a working tunnel. */
	if (d->state == ST_ESTABLISHED) {
		d->stats.rx_ignored++;
		return 0;
	}
	if (d->state == ST_WAIT_HELLO ||
	    memcmp(h.random, d->client_random, RANDOM_LEN))
		return hs_start(d, &h, now, out);
	/* The client lost our flight and repeats its hello. */
	if (now - d->last_tx_ms < RESEND_MIN_MS) {
		d->stats.rx_ignored++;
		return 0;
	}
	d->stats.rx++;
	return flight_send(d, now, out);
}

/* The CCS only announces epoch 1; the Finished (or data, P1) in epoch 1 is
 * what completes the handshake, so a lost CCS does not matter.  Late
 * duplicates after establishment are ignored, never answered: ASAs are
 * known to dislike CCS retransmissions after setup (P7). */
static int on_ccs(struct dtls09 *d, const struct rec *r)
{
	if (r->len != 3 || r->body[0] != 1) {
		d->stats.rx_malformed++;
		return 0;
	}
	if (d->state != ST_FLIGHT_SENT) {
		d->stats.rx_ignored++;
		return 0;
	}
	d->stats.rx++;
	return 0;
}

static void established(struct dtls09 *d, struct dtls09_out *out)
{
	d->state = ST_ESTABLISHED;
	out->events |= DTLS09_EV_ESTABLISHED;
}

static int on_finished(struct dtls09 *d, size_t len, struct dtls09_out *out)
{
	struct rbuf b;
	size_t l;
	const uint8_t *v;

	rbuf_init(&b, d->scratch, len);
	if (hs_header(&b, HS_FINISHED, &l) || l != VERIFY_LEN ||
	    !(v = rbuf_peek(&b, VERIFY_LEN))) {
		d->stats.rx_malformed++;
		return 0;
	}
	/* Authentic (the MAC verified) yet a different transcript: nothing
	 * will ever make this handshake succeed. */
	if (CRYPTO_memcmp(v, d->client_verify, VERIFY_LEN)) {
		d->state = ST_FAILED;
		return DTLS09_ERR_HANDSHAKE;
	}
	d->stats.rx++;
	established(d, out);
	return 0;
}

/* The client's first data record while we still wait for its Finished:
 * the Finished was lost and the client, already up, will not resend it
 * unless our flight comes again.  Its MAC proves it holds the keys
 * derived from both randoms, so accept it as the confirmation (P1). */
static int on_app(struct dtls09 *d, size_t len, struct dtls09_out *out)
{
	if (d->state == ST_FLIGHT_SENT) {
		d->stats.hs_implicit++;
		established(d, out);
	}
	d->stats.rx++;
	/* An empty record is legal TLS; an AnyConnect frame never is. */
	if (len > 0) {
		out->frame_len = len;
		out->events |= DTLS09_EV_FRAME;
	}
	return 0;
}

static int on_alert(struct dtls09 *d, size_t len, struct dtls09_out *out)
{
	enum { LEVEL_FATAL = 2, CLOSE_NOTIFY = 0 };

	if (len != 2) {
		d->stats.rx_malformed++;
		return 0;
	}
	d->stats.rx++;
	if (d->scratch[0] == LEVEL_FATAL || d->scratch[1] == CLOSE_NOTIFY)
		out->events |= DTLS09_EV_CLOSED;
	return 0;
}

/* --- record dispatch --- */

static int rec_parse(const uint8_t *p, size_t n, struct rec *r)
{
	if (n < DTLS09_HDR_LEN || ld16(p + 1) != DTLS09_VERSION)
		return -1;
	r->type = p[0];
	r->epoch = ld16(p + 3);
	r->seq = ld48(p + 5);
	r->len = ld16(p + 11);
	r->body = p + DTLS09_HDR_LEN;
	return r->len <= n - DTLS09_HDR_LEN ? 0 : -1;
}

/* Epoch 0 is plaintext: only the ClientHello and the CCS mean anything.
 * A plaintext alert is unauthenticated; the retransmission timer decides
 * the handshake's fate instead. */
static int on_epoch0(struct dtls09 *d, const struct rec *r, uint64_t now,
		     struct dtls09_out *out)
{
	switch (r->type) {
	case CT_HANDSHAKE:
		return on_hello(d, r, now, out);
	case CT_CCS:
		return on_ccs(d, r);
	default:
		d->stats.rx_ignored++;
		return 0;
	}
}

static int on_epoch1(struct dtls09 *d, const struct rec *r,
		     struct dtls09_out *out)
{
	int app = r->type == CT_APP, rc;
	uint8_t *buf = app ? out->frame : d->scratch;
	size_t cap = app ? out->frame_cap : sizeof(d->scratch), len = 0;

	if (r->type == CT_HANDSHAKE && d->state == ST_ESTABLISHED) {
		d->stats.rx_ignored++; /* late Finished duplicate (P7) */
		return 0;
	}
	if ((!app && r->type != CT_HANDSHAKE && r->type != CT_ALERT) || !buf ||
	    !rl_shape_ok(r, cap)) {
		d->stats.rx_malformed++;
		return 0;
	}
	if (window_check(d, r->seq)) {
		d->stats.rx_replay++;
		return 0;
	}
	if ((rc = rl_open(d, r, buf, &len)) < 0)
		return rc;
	if (rc == RL_BAD_MAC) {
		d->stats.rx_bad_mac++;
		return 0;
	}
	window_update(d, r->seq);
	if (app)
		return on_app(d, len, out);
	return r->type == CT_HANDSHAKE ? on_finished(d, len, out)
				       : on_alert(d, len, out);
}

static int rec_dispatch(struct dtls09 *d, const struct rec *r, uint64_t now,
			struct dtls09_out *out)
{
	if (r->epoch == 0)
		return on_epoch0(d, r, now, out);
	if (r->epoch != 1 || d->state == ST_WAIT_HELLO) {
		d->stats.rx_bad_epoch++;
		return 0;
	}
	return on_epoch1(d, r, out);
}

int dtls09_handle(struct dtls09 *d, const uint8_t *pkt, size_t len,
		  uint64_t now_ms, struct dtls09_out *out)
{
	size_t off = 0;
	struct rec r;
	int rc;

	if (!out || !out->tx || out->tx_cap < DTLS09_FLIGHT_LEN ||
	    (!pkt && len) || len > INT32_MAX)
		return DTLS09_ERR_INVAL;
	out->tx_len = out->frame_len = 0;
	out->events = 0;
	if (d->state == ST_FAILED)
		return DTLS09_ERR_HANDSHAKE;
	while (off < len && !out->events) {
		if (rec_parse(pkt + off, len - off, &r)) {
			/* No trustworthy length: the rest is unparseable. */
			d->stats.rx_malformed++;
			return (int)len;
		}
		off += DTLS09_HDR_LEN + r.len;
		if ((rc = rec_dispatch(d, &r, now_ms, out)) < 0)
			return rc;
	}
	return (int)off;
}

/* --- timer --- */

uint64_t dtls09_next_timeout(const struct dtls09 *d)
{
	return d->state == ST_FLIGHT_SENT ? d->deadline_ms : UINT64_MAX;
}

int dtls09_timeout(struct dtls09 *d, uint64_t now_ms, uint8_t *tx, size_t cap)
{
	int n;

	if (d->state == ST_FAILED)
		return DTLS09_ERR_HANDSHAKE;
	if (d->state != ST_FLIGHT_SENT || now_ms < d->deadline_ms)
		return 0;
	if (d->retransmits >= MAX_RETRANSMITS) {
		d->state = ST_FAILED;
		return DTLS09_ERR_HANDSHAKE;
	}
	if (!tx)
		return DTLS09_ERR_INVAL;
	if ((n = flight_build(d, tx, cap)) < 0)
		return n;
	d->retransmits++;
	d->rto_ms = d->rto_ms * 2 > RTO_MAX_MS ? RTO_MAX_MS : d->rto_ms * 2;
	d->last_tx_ms = now_ms;
	d->deadline_ms = now_ms + d->rto_ms;
	return n;
}

/* --- object --- */

static const struct suite_info *suite_find(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

static int fetch_all(struct dtls09 *d)
{
	d->cbc = EVP_CIPHER_fetch(NULL, d->suite->cbc, NULL);
	/* Only on x86-64 with AES-NI; the plain path serves elsewhere. */
	d->stitched = EVP_CIPHER_fetch(NULL, d->suite->stitched, NULL);
	d->plain = d->stitched == NULL;
	d->enc = EVP_CIPHER_CTX_new();
	d->dec = EVP_CIPHER_CTX_new();
	ERR_clear_error();
	if (!d->cbc || !d->enc || !d->dec)
		return DTLS09_ERR_INTERNAL;
	return 0;
}

struct dtls09 *dtls09_new(const uint8_t master[DTLS09_MASTER_LEN],
			  const uint8_t session_id[DTLS09_SESSION_ID_LEN],
			  uint16_t suite)
{
	const struct suite_info *s = suite_find(suite);
	struct dtls09 *d;

	if (!s || !master || !session_id || !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->suite = s;
	d->state = ST_WAIT_HELLO;
	d->rto_ms = RTO_INITIAL_MS;
	memcpy(d->master, master, DTLS09_MASTER_LEN);
	memcpy(d->session_id, session_id, DTLS09_SESSION_ID_LEN);
	if (fetch_all(d)) {
		dtls09_free(d);
		return NULL;
	}
	return d;
}

void dtls09_free(struct dtls09 *d)
{
	if (!d)
		return;
	EVP_CIPHER_CTX_free(d->enc);
	EVP_CIPHER_CTX_free(d->dec);
	EVP_CIPHER_free(d->cbc);
	EVP_CIPHER_free(d->stitched);
	explicit_bzero(d, sizeof(*d));
	free(d);
}

int dtls09_established(const struct dtls09 *d)
{
	return d->state == ST_ESTABLISHED;
}

int dtls09_stitched(const struct dtls09 *d)
{
	return !d->plain;
}

const struct dtls09_stats *dtls09_stats(const struct dtls09 *d)
{
	return &d->stats;
}

int dtls09_force_plain(struct dtls09 *d)
{
	if (d->state != ST_WAIT_HELLO)
		return DTLS09_ERR_STATE;
	d->plain = 1;
	return 0;
}

struct dtls09 *dtls09_test_peer(const struct dtls09 *d, int plain)
{
	struct dtls09 *p;

	if (d->state != ST_FLIGHT_SENT && d->state != ST_ESTABLISHED)
		return NULL;
	if (!(p = dtls09_new(d->master, d->session_id, d->suite->id)))
		return NULL;
	p->plain |= plain;
	memcpy(p->key_block, d->key_block, sizeof(p->key_block));
	memcpy(p->client_random, d->client_random, RANDOM_LEN);
	memcpy(p->server_random, d->server_random, RANDOM_LEN);
	if (keys_install(p, 1)) {
		dtls09_free(p);
		return NULL;
	}
	/* Far above anything a real client of d used, so the peer's records
	 * are never replays in d's window. */
	p->wr_seq1 = (uint64_t)1 << PEER_SEQ_START_SHIFT;
	p->state = ST_ESTABLISHED;
	return p;
}
