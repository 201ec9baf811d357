/* Unit tests for src/tls/dtls09.c (Cisco DTLS 0.9 server).
 *
 * The server is driven by a small test client written here from the wire
 * description in dtls-openssl.md 3, independently of the module: its PRF is
 * P_MD5 xor P_SHA1 built from HMAC(), its transcript uses separate MD5 and
 * SHA-1 digests, and its record layer is EVP AES-CBC without padding plus
 * HMAC-SHA1 over EVP_Q_mac.  The PRF known answers were produced with
 * Python's hmac/hashlib from RFC 2246 section 5.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "sslvpnd/dtls09.h"

enum {
	FRAME_CAP = 20000,
	MAX_OUT = 4,
	PKT_MAX = 20000,
	CH_BODY_LEN = 91, /* openconnect 9.01 / GnuTLS 3.7.9 */
};

/* --- allocation counter (installed first thing in main) --- */

static unsigned long n_alloc;

static void *count_malloc(size_t n, const char *file, int line)
{
	n_alloc++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	n_alloc++;
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	free(p);
}

/* --- small helpers --- */

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

static size_t unhex(uint8_t *out, const char *hex)
{
	size_t i, n = strlen(hex) / 2;
	unsigned int v;

	for (i = 0; i < n; i++) {
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

struct tw {
	uint8_t *p;
	size_t n;
};

static void w8(struct tw *w, unsigned int v)
{
	w->p[w->n++] = (uint8_t)v;
}

static void w16(struct tw *w, unsigned int v)
{
	w8(w, v >> 8);
	w8(w, v);
}

static void w24(struct tw *w, size_t v)
{
	w8(w, (unsigned int)(v >> 16));
	w16(w, (unsigned int)(v & 0xffff));
}

static void w48(struct tw *w, uint64_t v)
{
	w16(w, (unsigned int)(v >> 32));
	w16(w, (unsigned int)((v >> 16) & 0xffff));
	w16(w, (unsigned int)(v & 0xffff));
}

static void wb(struct tw *w, const void *p, size_t n)
{
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

static void w_rec(struct tw *w, unsigned int type, unsigned int epoch,
		  uint64_t seq, size_t len)
{
	w8(w, type);
	w16(w, 0x0100);
	w16(w, epoch);
	w48(w, seq);
	w16(w, (unsigned int)len);
}

static void w_hs(struct tw *w, unsigned int type, unsigned int msg_seq,
		 size_t len)
{
	w8(w, type);
	w24(w, len);
	w16(w, msg_seq);
	w24(w, 0);
	w24(w, len);
}

/* --- the test's own TLS 1.0 PRF (RFC 2246 section 5) --- */

static void t_p_hash(const EVP_MD *md, const uint8_t *sec, size_t slen,
		     const uint8_t *seed, size_t seedlen, uint8_t *out,
		     size_t n)
{
	uint8_t a[EVP_MAX_MD_SIZE], next[EVP_MAX_MD_SIZE], blk[EVP_MAX_MD_SIZE];
	uint8_t buf[EVP_MAX_MD_SIZE + 512];
	unsigned int alen, blen;
	size_t done = 0, k;

	HMAC(md, sec, (int)slen, seed, seedlen, a, &alen); /* A(1) */
	while (done < n) {
		memcpy(buf, a, alen);
		memcpy(buf + alen, seed, seedlen);
		HMAC(md, sec, (int)slen, buf, alen + seedlen, blk, &blen);
		k = n - done < blen ? n - done : blen;
		memcpy(out + done, blk, k);
		done += k;
		HMAC(md, sec, (int)slen, a, alen, next, &alen);
		memcpy(a, next, alen);
	}
}

static void t_prf10(const uint8_t *sec, size_t slen, const char *label,
		    const uint8_t *seed, size_t seedlen, uint8_t *out, size_t n)
{
	uint8_t ls[512], a[1024], b[1024];
	size_t half = (slen + 1) / 2, ll = strlen(label), i;

	memcpy(ls, label, ll);
	memcpy(ls + ll, seed, seedlen);
	t_p_hash(EVP_md5(), sec, half, ls, ll + seedlen, a, n);
	t_p_hash(EVP_sha1(), sec + slen - half, half, ls, ll + seedlen, b, n);
	for (i = 0; i < n; i++)
		out[i] = a[i] ^ b[i];
}

/* MD5(m) || SHA1(m) for m = p1 || p2 || p3. */
static void t_hash(uint8_t out[36], const uint8_t *p1, size_t l1,
		   const uint8_t *p2, size_t l2, const uint8_t *p3, size_t l3)
{
	uint8_t buf[1024];

	memcpy(buf, p1, l1);
	memcpy(buf + l1, p2, l2);
	if (l3)
		memcpy(buf + l1 + l2, p3, l3);
	EVP_Digest(buf, l1 + l2 + l3, out, NULL, EVP_md5(), NULL);
	EVP_Digest(buf, l1 + l2 + l3, out + 16, NULL, EVP_sha1(), NULL);
}

static void t_hmac(const uint8_t *key, const uint8_t *mh, const uint8_t *p,
		   size_t len, uint8_t mac[20])
{
	static uint8_t buf[PKT_MAX];
	size_t ml;

	memcpy(buf, mh, 13);
	memcpy(buf + 13, p, len);
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key,
					20, buf, len + 13, mac, 20, &ml));
}

static void t_mac_hdr(uint8_t mh[13], unsigned int type, unsigned int epoch,
		      uint64_t seq, size_t len)
{
	struct tw w = { mh, 0 };

	w16(&w, epoch);
	w48(&w, seq);
	w8(&w, type);
	w16(&w, 0x0100);
	w16(&w, (unsigned int)len);
}

/* --- the test client --- */

struct tclient {
	uint16_t suite;
	size_t key_len;
	uint8_t master[48];
	uint8_t sid[32];
	uint8_t crandom[32];
	uint8_t srandom[32];
	uint8_t ch_body[128];
	size_t ch_len;
	uint8_t sh_body[128];
	size_t sh_len;
	uint8_t kb[104];
	uint8_t sverify[12];
	uint8_t cverify[12];
	uint64_t seq0, seq1; /* next client record sequence numbers */
	uint64_t fl_seq[3];  /* record sequences of the last flight */
	int have_srv1;
	uint64_t srv1_top; /* highest server epoch-1 sequence seen */
	int bad_verify;	   /* send a wrong client Finished */
};

#define TC(x)                             \
	do {                              \
		if (!(x))                 \
			return -__LINE__; \
	} while (0)

static const EVP_CIPHER *t_cbc(size_t key_len)
{
	return key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
}

static uint8_t *t_cmac(struct tclient *c)
{
	return c->kb;
}

static uint8_t *t_smac(struct tclient *c)
{
	return c->kb + 20;
}

static uint8_t *t_ckey(struct tclient *c)
{
	return c->kb + 40;
}

static uint8_t *t_skey(struct tclient *c)
{
	return c->kb + 40 + c->key_len;
}

static void tc_hello_body(struct tclient *c)
{
	struct tw w = { c->ch_body, 0 };

	w16(&w, 0x0100);
	wb(&w, c->crandom, 32);
	w8(&w, 32);
	wb(&w, c->sid, 32);
	w8(&w, 0); /* cookie */
	w16(&w, 2);
	w16(&w, c->suite);
	w8(&w, 1);
	w8(&w, 0);
	/* what GnuTLS sends despite GNUTLS_NO_EXTENSIONS */
	w16(&w, 15);
	w16(&w, 0x0023);
	w16(&w, 0);
	w16(&w, 0xff01);
	w16(&w, 1);
	w8(&w, 0);
	w16(&w, 0x001c);
	w16(&w, 2);
	w16(&w, 0x4000);
	c->ch_len = w.n;
}

static void tc_init(struct tclient *c, uint16_t suite, const uint8_t *master,
		    const uint8_t *sid)
{
	memset(c, 0, sizeof(*c));
	c->suite = suite;
	c->key_len = suite == DTLS09_AES128_SHA ? 16 : 32;
	memcpy(c->master, master, 48);
	memcpy(c->sid, sid, 32);
	RAND_bytes(c->crandom, 32);
	tc_hello_body(c);
}

/* The ClientHello datagram; a resend repeats the body with a new record
 * sequence number, as GnuTLS does. */
static size_t tc_hello(struct tclient *c, uint8_t *out)
{
	struct tw w = { out, 0 };

	w_rec(&w, 22, 0, c->seq0++, 12 + c->ch_len);
	w_hs(&w, 1, 0, c->ch_len);
	wb(&w, c->ch_body, c->ch_len);
	return w.n;
}

/* Seal with the client keys.  pad < 0 means minimal padding; flip_xor is
 * applied to the byte flip_at positions before the end of
 * plaintext || MAC || padding (0 = the pad length byte). */
static size_t tc_seal_ex(struct tclient *c, unsigned int type,
			 unsigned int epoch, uint64_t seq, const uint8_t *pt,
			 size_t len, int pad, int flip_at, uint8_t flip_xor,
			 uint8_t *out)
{
	static uint8_t buf[PKT_MAX];
	uint8_t mh[13];
	size_t total;
	int outl;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	struct tw w = { out, 0 };

	if (pad < 0)
		pad = (int)(15 - (len + 20) % 16);
	total = len + 20 + (size_t)pad + 1;
	ck_assert_uint_eq(total % 16, 0);
	t_mac_hdr(mh, type, epoch, seq, len);
	memcpy(buf, pt, len);
	t_hmac(t_cmac(c), mh, pt, len, buf + len);
	memset(buf + len + 20, pad, (size_t)pad + 1);
	if (flip_at >= 0)
		buf[total - 1 - (size_t)flip_at] ^= flip_xor;
	w_rec(&w, type, epoch, seq, 16 + total);
	RAND_bytes(out + 13, 16);
	ck_assert(EVP_EncryptInit_ex(x, t_cbc(c->key_len), NULL, t_ckey(c),
				     out + 13));
	EVP_CIPHER_CTX_set_padding(x, 0);
	ck_assert(EVP_EncryptUpdate(x, out + 29, &outl, buf, (int)total));
	ck_assert_int_eq(outl, (int)total);
	EVP_CIPHER_CTX_free(x);
	return 29 + total;
}

static size_t tc_seal(struct tclient *c, unsigned int type, const uint8_t *pt,
		      size_t len, uint8_t *out)
{
	return tc_seal_ex(c, type, 1, c->seq1++, pt, len, -1, -1, 0, out);
}

/* Open exactly one server record (server keys) the simple way; server
 * epoch-1 sequence numbers must only grow (what GnuTLS's replay window
 * demands of a retransmitted flight, P1). */
static int tc_open(struct tclient *c, const uint8_t *p, size_t n, uint8_t *pt,
		   size_t *ptlen, uint8_t *type)
{
	static uint8_t buf[PKT_MAX];
	uint8_t mh[13], mac[20];
	size_t m, pad, i, len;
	uint64_t seq;
	int outl;
	EVP_CIPHER_CTX *x;

	TC(n >= 13 + 16 + 32 && ld16(p + 1) == 0x0100 && ld16(p + 3) == 1);
	TC(ld16(p + 11) == n - 13);
	m = n - 29;
	TC(m % 16 == 0);
	seq = ld48(p + 5);
	TC(!c->have_srv1 || seq > c->srv1_top);
	x = EVP_CIPHER_CTX_new();
	EVP_DecryptInit_ex(x, t_cbc(c->key_len), NULL, t_skey(c), p + 13);
	EVP_CIPHER_CTX_set_padding(x, 0);
	EVP_DecryptUpdate(x, buf, &outl, p + 29, (int)m);
	EVP_CIPHER_CTX_free(x);
	TC((size_t)outl == m);
	pad = buf[m - 1];
	TC(pad + 21 <= m);
	for (i = 0; i <= pad; i++)
		TC(buf[m - 1 - i] == pad);
	len = m - 21 - pad;
	t_mac_hdr(mh, p[0], 1, seq, len);
	t_hmac(t_smac(c), mh, buf, len, mac);
	TC(memcmp(mac, buf + len, 20) == 0);
	memcpy(pt, buf, len);
	*ptlen = len;
	if (type)
		*type = p[0];
	c->have_srv1 = 1;
	c->srv1_top = seq;
	return 0;
}

static int tc_server_hello(struct tclient *c, const uint8_t *p, size_t n)
{
	const uint8_t *hs = p + 13, *body = p + 25;

	TC(n >= 95 && p[0] == 22 && ld16(p + 1) == 0x0100 && ld16(p + 3) == 0);
	TC(ld16(p + 11) == 82);
	TC(hs[0] == 2 && ld24(hs + 1) == 70 && ld16(hs + 4) == 0);
	TC(ld24(hs + 6) == 0 && ld24(hs + 9) == 70);
	TC(ld16(body) == 0x0100 && body[34] == 32);
	TC(memcmp(body + 35, c->sid, 32) == 0);
	TC(ld16(body + 67) == c->suite && body[69] == 0);
	/* a resent flight repeats the same ServerHello */
	TC(!c->sh_len || memcmp(c->sh_body, body, 70) == 0);
	memcpy(c->sh_body, body, 70);
	c->sh_len = 70;
	memcpy(c->srandom, body + 2, 32);
	c->fl_seq[0] = ld48(p + 5);
	return 0;
}

static void tc_keys(struct tclient *c)
{
	uint8_t seed[64];

	memcpy(seed, c->srandom, 32);
	memcpy(seed + 32, c->crandom, 32);
	t_prf10(c->master, 48, "key expansion", seed, 64, c->kb,
		40 + 2 * c->key_len);
}

/* Parse and check the whole 188-byte server flight. */
static int tc_flight(struct tclient *c, const uint8_t *p, size_t n)
{
	uint8_t pt[256], h[36], type;
	size_t ptlen;
	int rc;

	TC(n == DTLS09_FLIGHT_LEN);
	if ((rc = tc_server_hello(c, p, n)))
		return rc;
	tc_keys(c);
	p += 95;
	TC(p[0] == 20 && ld16(p + 1) == 0x0100 && ld16(p + 3) == 0);
	TC(ld16(p + 11) == 3 && p[13] == 1 && ld16(p + 14) == 1);
	c->fl_seq[1] = ld48(p + 5);
	p += 16;
	c->fl_seq[2] = ld48(p + 5);
	if ((rc = tc_open(c, p, n - 111, pt, &ptlen, &type)))
		return rc;
	TC(type == 22 && ptlen == 24);
	TC(pt[0] == 20 && ld24(pt + 1) == 12 && ld16(pt + 4) == 2);
	TC(ld24(pt + 6) == 0 && ld24(pt + 9) == 12);
	t_hash(h, c->ch_body, c->ch_len, c->sh_body, 70, NULL, 0);
	t_prf10(c->master, 48, "server finished", h, 36, c->sverify, 12);
	TC(memcmp(pt + 12, c->sverify, 12) == 0);
	t_hash(h, c->ch_body, c->ch_len, c->sh_body, 70, c->sverify, 12);
	t_prf10(c->master, 48, "client finished", h, 36, c->cverify, 12);
	return 0;
}

/* CCS (01 00 01) + Finished (message_seq 2) in one datagram. */
static size_t tc_finished(struct tclient *c, uint8_t *out)
{
	uint8_t fin[24];
	struct tw w = { out, 0 }, f = { fin, 0 };

	w_rec(&w, 20, 0, c->seq0++, 3);
	w8(&w, 1);
	w16(&w, 1);
	w_hs(&f, 20, 2, 12);
	wb(&f, c->cverify, 12);
	if (c->bad_verify)
		fin[12] ^= 1;
	return w.n + tc_seal(c, 22, fin, sizeof(fin), out + w.n);
}

/* --- driving the server like the worker does --- */

struct drv {
	uint8_t tx[MAX_OUT][DTLS09_FLIGHT_LEN];
	size_t txl[MAX_OUT];
	int ntx;
	uint8_t frame[MAX_OUT][FRAME_CAP];
	size_t fl[MAX_OUT];
	int nfr;
	unsigned int ev;
	int calls;
};

static struct drv V;

static void drv_collect(const struct dtls09_out *o)
{
	V.ev |= o->events;
	if (o->events & DTLS09_EV_TX) {
		ck_assert_int_lt(V.ntx, MAX_OUT);
		memcpy(V.tx[V.ntx], o->tx, o->tx_len);
		V.txl[V.ntx++] = o->tx_len;
	}
	if (o->events & DTLS09_EV_FRAME) {
		ck_assert_int_lt(V.nfr, MAX_OUT);
		memcpy(V.frame[V.nfr], o->frame, o->frame_len);
		V.fl[V.nfr++] = o->frame_len;
	}
}

static int drive(struct dtls09 *d, const uint8_t *p, size_t len, uint64_t now)
{
	static uint8_t fb[FRAME_CAP];
	uint8_t txb[DTLS09_FLIGHT_LEN];
	struct dtls09_out o;
	size_t off = 0;
	int n;

	memset(&V, 0, sizeof(V));
	while (off < len) {
		memset(&o, 0, sizeof(o));
		o.tx = txb;
		o.tx_cap = sizeof(txb);
		o.frame = fb;
		o.frame_cap = sizeof(fb);
		n = dtls09_handle(d, p + off, len - off, now, &o);
		V.calls++;
		if (n < 0)
			return n;
		ck_assert_int_gt(n, 0);
		off += (size_t)n;
		drv_collect(&o);
	}
	return 0;
}

static int have_stitched(uint16_t suite)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL,
					 suite == DTLS09_AES128_SHA
						 ? "AES-128-CBC-HMAC-SHA1"
						 : "AES-256-CBC-HMAC-SHA1",
					 NULL);

	EVP_CIPHER_free(c);
	return c != NULL;
}

/* Server + client up to the point where the client parsed the flight. */
static struct dtls09 *hs_flight(struct tclient *c, uint16_t suite, int plain)
{
	uint8_t master[48], sid[32], pkt[512];
	struct dtls09 *d;
	size_t n;
	int rc;

	RAND_bytes(master, 48);
	RAND_bytes(sid, 32);
	d = dtls09_new(master, sid, suite);
	ck_assert_ptr_nonnull(d);
	if (plain)
		ck_assert_int_eq(dtls09_force_plain(d), 0);
	ck_assert_int_eq(dtls09_stitched(d), !plain && have_stitched(suite));
	tc_init(c, suite, master, sid);
	n = tc_hello(c, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 0), 0);
	ck_assert_int_eq(V.ntx, 1);
	ck_assert_uint_eq(V.ev, DTLS09_EV_TX);
	rc = tc_flight(c, V.tx[0], V.txl[0]);
	ck_assert_msg(rc == 0,
		      "test client rejected the flight (check at line %d)",
		      -rc);
	ck_assert_int_eq(dtls09_established(d), 0);
	return d;
}

static struct dtls09 *hs_setup(struct tclient *c, uint16_t suite, int plain)
{
	struct dtls09 *d = hs_flight(c, suite, plain);
	uint8_t pkt[512];
	size_t n = tc_finished(c, pkt);

	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_uint_eq(V.ev, DTLS09_EV_ESTABLISHED);
	ck_assert_int_eq(dtls09_established(d), 1);
	ck_assert_uint_eq(dtls09_next_timeout(d), UINT64_MAX);
	return d;
}

/* Client -> server: one frame must come out unchanged. */
static void send_up(struct tclient *c, struct dtls09 *d, const uint8_t *f,
		    size_t len)
{
	static uint8_t pkt[PKT_MAX];
	size_t n = tc_seal(c, 23, f, len, pkt);

	ck_assert_int_eq(drive(d, pkt, n, 20), 0);
	ck_assert_int_eq(V.nfr, 1);
	ck_assert_uint_eq(V.fl[0], len);
	ck_assert_mem_eq(V.frame[0], f, len);
}

/* Server -> client. */
static void send_down(struct tclient *c, struct dtls09 *d, const uint8_t *f,
		      size_t len)
{
	static uint8_t rec[PKT_MAX], pt[PKT_MAX];
	size_t ptlen = 0;
	int n = dtls09_seal(d, f, len, rec, sizeof(rec)), rc;

	ck_assert_int_eq(n, (int)dtls09_sealed_len(len));
	rc = tc_open(c, rec, (size_t)n, pt, &ptlen, NULL);
	ck_assert_msg(rc == 0, "test client rejected a record (line %d)", -rc);
	ck_assert_uint_eq(ptlen, len);
	ck_assert_mem_eq(pt, f, len);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7);
}

static const struct variant {
	uint16_t suite;
	int plain;
} variants[] = {
	{ DTLS09_AES128_SHA, 0 },
	{ DTLS09_AES128_SHA, 1 },
	{ DTLS09_AES256_SHA, 0 },
	{ DTLS09_AES256_SHA, 1 },
};

#define NVARIANTS ((int)(sizeof(variants) / sizeof(variants[0])))

/* ======================= core ======================= */

static const struct prf_kat {
	const char *secret;
	const char *label;
	const char *seed;
	const char *out;
} prf_kats[] = {
	/* The TLS 1.0/1.1 PRF test vector circulated on the IETF TLS list. */
	{ "abababababababababababababababababababababababababababababababababab"
	  "abababababababababababababab",
	  "PRF Testvector",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754443b"
	  "cf9a296519bc289abcbc1187e4ebd31e602353776c408aafb74cbc85eff69255f978"
	  "8faa184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f1afbc655a8c9"
	  "a013" },
	/* AES256-SHA key block: server_random || client_random */
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021"
	  "22232425262728292a2b2c2d2e2f",
	  "key expansion",
	  "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061"
	  "62636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f",
	  "cc470c2c8e9a1b135f861ad509b3062d811a30c9d3870654b56e16fa9d69b811c22b"
	  "c8553532fbb55962914edfe1edfffe1b607a8bd35652c4ff850e0f973b2d4674c7f3"
	  "9d435e1f68bebfeeedeaebf4d9a354ee3bcb54da0692254b2a564a8b2d981e2d2518"
	  "3f01" },
	/* AES128-SHA key block */
	{ "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0dfde"
	  "dddcdbdad9d8d7d6d5d4d3d2d1d0",
	  "key expansion",
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f4041"
	  "42434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
	  "b3010086122b6a617f92e0475d2073650e18400c61e815b638572b269ac03b94bd91"
	  "f39cc3626822d5bc92d991db6fb73384b77d4459880cfc7909c416cd93265688ad66"
	  "8ba9dab8" },
	/* verify_data over MD5("abc") || SHA1("abc") */
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021"
	  "22232425262728292a2b2c2d2e2f",
	  "server finished",
	  "900150983cd24fb0d6963f7d28e17f72a9993e364706816aba3e25717850c26c9cd0"
	  "d89d",
	  "24b76590fc44ca188b5575b1" },
	{ "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0dfde"
	  "dddcdbdad9d8d7d6d5d4d3d2d1d0",
	  "client finished",
	  "11111111111111111111111111111111111111111111111111111111111111111111"
	  "1111",
	  "8499a27eafd1e07b460d78e5" },
};

START_TEST(test_prf_kat)
{
	const struct prf_kat *k = &prf_kats[_i];
	uint8_t secret[48], seed[128], want[128], got[128], mine[128];
	size_t sl = unhex(secret, k->secret), seedl = unhex(seed, k->seed);
	size_t n = unhex(want, k->out);

	ck_assert_uint_eq(sl, 48);
	ck_assert_int_eq(dtls09_prf(secret, k->label, seed, seedl, got, n), 0);
	ck_assert_mem_eq(got, want, n);
	/* and the test's own PRF agrees with the table */
	t_prf10(secret, 48, k->label, seed, seedl, mine, n);
	ck_assert_mem_eq(mine, want, n);
}
END_TEST

static const struct prf_len {
	size_t seed_len;
	size_t out_len;
	const char *label;
} prf_lens[] = {
	{ 64, 72, "key expansion" },
	{ 64, 104, "key expansion" },
	{ 36, 12, "server finished" },
	{ 36, 12, "client finished" },
	{ 1, 1, "x" },
	{ 100, 500, "a longer label here" },
	{ 0, 20, "empty seed" },
	{ 33, 65, "odd" },
};

START_TEST(test_prf_vs_p_hash)
{
	const struct prf_len *p = &prf_lens[_i];
	uint8_t master[48], seed[128], got[512], want[512];

	RAND_bytes(master, 48);
	RAND_bytes(seed, sizeof(seed));
	ck_assert_int_eq(dtls09_prf(master, p->label, seed, p->seed_len, got,
				    p->out_len),
			 0);
	t_prf10(master, 48, p->label, seed, p->seed_len, want, p->out_len);
	ck_assert_mem_eq(got, want, p->out_len);
}
END_TEST

START_TEST(test_handshake)
{
	const struct variant *v = &variants[_i];
	struct tclient c;
	struct dtls09 *d;
	const struct dtls09_stats *st;
	uint8_t f[1400];

	d = hs_setup(&c, v->suite, v->plain);
	ck_assert_uint_eq(c.ch_len, CH_BODY_LEN);
	st = dtls09_stats(d);
	ck_assert_uint_eq(st->rx, 3); /* hello, CCS, Finished */
	ck_assert_uint_eq(st->tx, 3);
	ck_assert_uint_eq(st->hs_flights, 1);
	ck_assert_uint_eq(st->hs_implicit, 0);
	/* the server's Finished was epoch 1 seq 0, its CCS epoch 0 seq 1 */
	ck_assert_uint_eq(c.fl_seq[0], 0);
	ck_assert_uint_eq(c.fl_seq[1], 1);
	ck_assert_uint_eq(c.fl_seq[2], 0);
	fill(f, sizeof(f), 1);
	f[0] = 0; /* AnyConnect DATA */
	send_up(&c, d, f, sizeof(f));
	send_down(&c, d, f, sizeof(f));
	f[0] = 3; /* DPD request, then its response */
	send_up(&c, d, f, 1);
	f[0] = 4;
	send_down(&c, d, f, 1);
	ck_assert_uint_eq(st->rx, 5);
	ck_assert_uint_eq(st->tx, 5);
	ck_assert_uint_eq(st->rx_bad_mac + st->rx_replay + st->rx_malformed +
				  st->rx_bad_epoch + st->rx_ignored,
			  0);
	dtls09_free(d);
}
END_TEST

static const size_t rt_sizes[] = { 1,	 2,    15,   16,
				   17,	 31,   32,   63,
				   64,	 100,  1339, 1419,
				   1500, 4096, 9000, DTLS09_MAX_FRAME };

START_TEST(test_roundtrip)
{
	const struct variant *v = &variants[_i];
	static uint8_t f[DTLS09_MAX_FRAME];
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, v->suite, v->plain);
	size_t i;

	for (i = 0; i < sizeof(rt_sizes) / sizeof(rt_sizes[0]); i++) {
		fill(f, rt_sizes[i], (unsigned int)i);
		send_up(&c, d, f, rt_sizes[i]);
		send_down(&c, d, f, rt_sizes[i]);
	}
	dtls09_free(d);
}
END_TEST

/* Records sealed by one record path open with the other, both ways. */
START_TEST(test_cross_path)
{
	uint16_t suite = _i ? DTLS09_AES256_SHA : DTLS09_AES128_SHA;
	static uint8_t rec[PKT_MAX], f[2000];
	struct tclient c;
	struct dtls09 *s, *p, *pair[2][2];
	int k, dir, n;
	size_t len;

	if (!have_stitched(suite)) {
		printf("test_cross_path: no stitched cipher here, skipped\n");
		return;
	}
	for (k = 0; k < 2; k++) {
		/* k = 0: stitched server, plain peer; k = 1: the reverse */
		s = hs_setup(&c, suite, k);
		p = dtls09_test_peer(s, !k);
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(dtls09_stitched(s), !k);
		ck_assert_int_eq(dtls09_stitched(p), k);
		pair[k][0] = s;
		pair[k][1] = p;
	}
	for (k = 0; k < 2; k++) {
		for (dir = 0; dir < 2; dir++) {
			for (len = 1; len < sizeof(f); len += 97) {
				fill(f, len, (unsigned int)(len + dir));
				n = dtls09_seal(pair[k][dir], f, len, rec,
						sizeof(rec));
				ck_assert_int_gt(n, 0);
				ck_assert_int_eq(drive(pair[k][!dir], rec,
						       (size_t)n, 30),
						 0);
				ck_assert_int_eq(V.nfr, 1);
				ck_assert_uint_eq(V.fl[0], len);
				ck_assert_mem_eq(V.frame[0], f, len);
			}
		}
	}
	for (k = 0; k < 2; k++) {
		dtls09_free(pair[k][0]);
		dtls09_free(pair[k][1]);
	}
}
END_TEST

/* The flight is lost; the client repeats its hello after 1 s; the resent
 * flight carries the same ServerHello in fresh records (P1). */
START_TEST(test_lost_server_flight)
{
	const struct variant *v = &variants[_i];
	struct tclient c, first;
	struct dtls09 *d = hs_flight(&c, v->suite, v->plain);
	uint8_t pkt[512];
	size_t n;
	int rc;

	/* pretend the client never saw that flight: the parsed copy keeps
	 * its sequence numbers, the client starts over */
	first = c;
	c.sh_len = 0;
	c.have_srv1 = 0;
	n = tc_hello(&c, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 1000), 0);
	ck_assert_int_eq(V.ntx, 1);
	rc = tc_flight(&c, V.tx[0], V.txl[0]);
	ck_assert_msg(rc == 0, "resent flight rejected (line %d)", -rc);
	ck_assert_mem_eq(c.sh_body, first.sh_body, 70);
	ck_assert_uint_gt(c.fl_seq[0], first.fl_seq[1]);
	ck_assert_uint_gt(c.fl_seq[1], c.fl_seq[0]);
	ck_assert_uint_gt(c.fl_seq[2], first.fl_seq[2]);
	n = tc_finished(&c, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 1010), 0);
	ck_assert_uint_eq(V.ev, DTLS09_EV_ESTABLISHED);
	ck_assert_uint_eq(dtls09_stats(d)->hs_flights, 2);
	send_up(&c, d, (const uint8_t *)"\0ping", 5);
	dtls09_free(d);
}
END_TEST

/* The client's Finished is lost; the timer resends the flight in fresh
 * records, which the client (replay window and all) accepts and answers
 * with a new CCS + Finished (P1). */
START_TEST(test_lost_client_finished)
{
	const struct variant *v = &variants[_i];
	struct tclient c;
	struct dtls09 *d = hs_flight(&c, v->suite, v->plain);
	uint8_t pkt[512], tx[DTLS09_FLIGHT_LEN];
	uint64_t before[3];
	int n, rc;

	tc_finished(&c, pkt); /* lost */
	memcpy(before, c.fl_seq, sizeof(before));
	ck_assert_uint_eq(dtls09_next_timeout(d), 1000);
	ck_assert_int_eq(dtls09_timeout(d, 999, tx, sizeof(tx)), 0);
	n = dtls09_timeout(d, 1000, tx, sizeof(tx));
	ck_assert_int_eq(n, DTLS09_FLIGHT_LEN);
	rc = tc_flight(&c, tx, (size_t)n);
	ck_assert_msg(rc == 0, "retransmitted flight rejected (line %d)", -rc);
	ck_assert_uint_gt(c.fl_seq[0], before[1]);
	ck_assert_uint_gt(c.fl_seq[2], before[2]);
	n = (int)tc_finished(&c, pkt);
	ck_assert_int_eq(drive(d, pkt, (size_t)n, 1100), 0);
	ck_assert_uint_eq(V.ev, DTLS09_EV_ESTABLISHED);
	ck_assert_uint_eq(dtls09_next_timeout(d), UINT64_MAX);
	ck_assert_int_eq(dtls09_timeout(d, 100000, tx, sizeof(tx)), 0);
	send_up(&c, d, (const uint8_t *)"\0data", 5);
	send_down(&c, d, (const uint8_t *)"\0back", 5);
	dtls09_free(d);
}
END_TEST

/* The Finished is lost and the client, already up, sends data: the first
 * authentic data record completes the handshake (P1). */
START_TEST(test_implicit_confirmation)
{
	const struct variant *v = &variants[_i];
	struct tclient c;
	struct dtls09 *d = hs_flight(&c, v->suite, v->plain);
	uint8_t fin[512], pkt[512];
	size_t nfin = tc_finished(&c, fin), n;
	const uint8_t frame[] = { 0, 0x45, 0, 0, 20 };

	n = tc_seal(&c, 23, frame, sizeof(frame), pkt);
	ck_assert_int_eq(drive(d, pkt, n, 500), 0);
	ck_assert_uint_eq(V.ev, DTLS09_EV_ESTABLISHED | DTLS09_EV_FRAME);
	ck_assert_uint_eq(V.fl[0], sizeof(frame));
	ck_assert_mem_eq(V.frame[0], frame, sizeof(frame));
	ck_assert_uint_eq(dtls09_stats(d)->hs_implicit, 1);
	ck_assert_uint_eq(dtls09_next_timeout(d), UINT64_MAX);
	/* the "lost" Finished turns up late: ignored, never answered */
	ck_assert_int_eq(drive(d, fin, nfin, 600), 0);
	ck_assert_uint_eq(V.ev, 0);
	ck_assert_uint_eq(dtls09_stats(d)->rx_ignored, 2);
	send_down(&c, d, frame, sizeof(frame));
	dtls09_free(d);
}
END_TEST

/* After establishment, duplicates of the client's CCS + Finished and of its
 * hello are ignored and never answered (P7). */
START_TEST(test_late_duplicates)
{
	const struct variant *v = &variants[_i];
	struct tclient c;
	struct dtls09 *d = hs_flight(&c, v->suite, v->plain);
	uint8_t fin[512], hello[512], pkt[512];
	size_t nfin = tc_finished(&c, fin), nh, n;
	const struct dtls09_stats *st = dtls09_stats(d);

	ck_assert_int_eq(drive(d, fin, nfin, 10), 0);
	ck_assert_uint_eq(V.ev, DTLS09_EV_ESTABLISHED);
	ck_assert_int_eq(drive(d, fin, nfin, 20), 0); /* byte-identical */
	ck_assert_uint_eq(V.ev, 0);
	ck_assert_uint_eq(st->rx_ignored, 2);
	n = tc_finished(&c, pkt); /* a GnuTLS-style resend, fresh sequence */
	ck_assert_int_eq(drive(d, pkt, n, 30), 0);
	ck_assert_uint_eq(V.ev, 0);
	ck_assert_uint_eq(st->rx_ignored, 4);
	nh = tc_hello(&c, hello);
	ck_assert_int_eq(drive(d, hello, nh, 5000), 0);
	ck_assert_uint_eq(V.ev, 0);
	ck_assert_uint_eq(st->rx_ignored, 5);
	ck_assert_uint_eq(st->hs_flights, 1);
	ck_assert_int_eq(dtls09_established(d), 1);
	send_up(&c, d, (const uint8_t *)"\0x", 2);
	dtls09_free(d);
}
END_TEST

/* Retransmissions at 1, 3, 7, 15, 23 s (1 s doubling to 8 s), then the
 * handshake fails at 31 s. */
START_TEST(test_retransmit_schedule)
{
	static const uint64_t due[] = { 1000, 3000, 7000, 15000, 23000 };
	struct tclient c;
	struct dtls09 *d = hs_flight(&c, DTLS09_AES256_SHA, 0);
	uint8_t tx[DTLS09_FLIGHT_LEN], pkt[64];
	uint64_t last_seq1 = c.fl_seq[2];
	size_t i;
	int n, rc;

	for (i = 0; i < sizeof(due) / sizeof(due[0]); i++) {
		ck_assert_uint_eq(dtls09_next_timeout(d), due[i]);
		ck_assert_int_eq(dtls09_timeout(d, due[i] - 1, tx, sizeof(tx)),
				 0);
		n = dtls09_timeout(d, due[i], tx, sizeof(tx));
		ck_assert_int_eq(n, DTLS09_FLIGHT_LEN);
		rc = tc_flight(&c, tx, (size_t)n);
		ck_assert_msg(rc == 0, "resend %zu rejected (line %d)", i, -rc);
		ck_assert_uint_gt(c.fl_seq[2], last_seq1);
		last_seq1 = c.fl_seq[2];
	}
	ck_assert_uint_eq(dtls09_next_timeout(d), 31000);
	ck_assert_int_eq(dtls09_timeout(d, 30999, tx, sizeof(tx)), 0);
	ck_assert_int_eq(dtls09_timeout(d, 31000, tx, sizeof(tx)),
			 DTLS09_ERR_HANDSHAKE);
	ck_assert_int_eq(dtls09_timeout(d, 40000, tx, sizeof(tx)),
			 DTLS09_ERR_HANDSHAKE);
	ck_assert_int_eq(drive(d, pkt, tc_finished(&c, pkt), 40000),
			 DTLS09_ERR_HANDSHAKE);
	ck_assert_uint_eq(dtls09_stats(d)->hs_flights, 6);
	dtls09_free(d);
}
END_TEST

/* A different hello before establishment restarts the handshake with a
 * new server random; records under the old keys no longer verify. */
START_TEST(test_hello_restart)
{
	struct tclient c1, c2;
	struct dtls09 *d = hs_flight(&c1, DTLS09_AES128_SHA, 0);
	uint8_t pkt[512];
	size_t n;
	int rc;

	tc_init(&c2, c1.suite, c1.master, c1.sid);
	n = tc_hello(&c2, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 20), 0);
	ck_assert_int_eq(V.ntx, 1);
	rc = tc_flight(&c2, V.tx[0], V.txl[0]);
	ck_assert_msg(rc == 0, "restarted flight rejected (line %d)", -rc);
	ck_assert_int_ne(memcmp(c1.srandom, c2.srandom, 32), 0);
	n = tc_finished(&c1, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 30), 0);
	ck_assert_uint_eq(V.ev, 0);
	ck_assert_uint_eq(dtls09_stats(d)->rx_bad_mac, 1);
	n = tc_finished(&c2, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 40), 0);
	ck_assert_uint_eq(V.ev, DTLS09_EV_ESTABLISHED);
	dtls09_free(d);
}
END_TEST

/* A hello duplicated by the network within 100 ms costs one flight. */
START_TEST(test_hello_duplicate_rate)
{
	struct tclient c;
	struct dtls09 *d = hs_flight(&c, DTLS09_AES128_SHA, 1);
	uint8_t pkt[512];
	size_t n = tc_hello(&c, pkt);

	ck_assert_int_eq(drive(d, pkt, n, 99), 0);
	ck_assert_uint_eq(V.ev, 0);
	ck_assert_uint_eq(dtls09_stats(d)->rx_ignored, 1);
	ck_assert_int_eq(drive(d, pkt, n, 100), 0);
	ck_assert_uint_eq(V.ev, DTLS09_EV_TX);
	dtls09_free(d);
}
END_TEST

static const struct alert_case {
	uint8_t level, desc;
	unsigned int events;
} alert_cases[] = {
	{ 1, 0, DTLS09_EV_CLOSED },  /* close_notify */
	{ 2, 40, DTLS09_EV_CLOSED }, /* fatal handshake_failure */
	{ 1, 100, 0 },		     /* warning no_renegotiation */
};

START_TEST(test_alert)
{
	const struct alert_case *a = &alert_cases[_i];
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES256_SHA, _i % 2);
	uint8_t body[2] = { a->level, a->desc }, pkt[128];
	size_t n = tc_seal(&c, 21, body, 2, pkt);

	ck_assert_int_eq(drive(d, pkt, n, 50), 0);
	ck_assert_uint_eq(V.ev, a->events);
	ck_assert_uint_eq(dtls09_stats(d)->rx, 4);
	dtls09_free(d);
}
END_TEST

/* An authentic Finished with the wrong verify_data kills the session. */
START_TEST(test_bad_finished)
{
	struct tclient c;
	struct dtls09 *d = hs_flight(&c, DTLS09_AES256_SHA, _i);
	uint8_t pkt[512], tx[DTLS09_FLIGHT_LEN];
	size_t n;

	c.bad_verify = 1;
	n = tc_finished(&c, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 10), DTLS09_ERR_HANDSHAKE);
	ck_assert_int_eq(drive(d, pkt, n, 20), DTLS09_ERR_HANDSHAKE);
	ck_assert_int_eq(dtls09_timeout(d, 5000, tx, sizeof(tx)),
			 DTLS09_ERR_HANDSHAKE);
	ck_assert_int_eq(dtls09_seal(d, pkt, 10, tx, sizeof(tx)),
			 DTLS09_ERR_STATE);
	ck_assert_int_eq(dtls09_established(d), 0);
	dtls09_free(d);
}
END_TEST

/* CCS + Finished + two data records in one datagram: one event per call. */
START_TEST(test_multi_record_datagram)
{
	struct tclient c;
	struct dtls09 *d = hs_flight(&c, DTLS09_AES128_SHA, _i);
	uint8_t pkt[1024];
	size_t n = tc_finished(&c, pkt);

	n += tc_seal(&c, 23, (const uint8_t *)"\0one", 4, pkt + n);
	n += tc_seal(&c, 23, (const uint8_t *)"\0two!", 5, pkt + n);
	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_int_eq(V.calls, 3);
	ck_assert_uint_eq(V.ev, DTLS09_EV_ESTABLISHED | DTLS09_EV_FRAME);
	ck_assert_int_eq(V.nfr, 2);
	ck_assert_mem_eq(V.frame[0], "\0one", 4);
	ck_assert_mem_eq(V.frame[1], "\0two!", 5);
	dtls09_free(d);
}
END_TEST

/* ======================= limits ======================= */

/* Frame of 100 bytes: minimal pad 7 (100 + 20 + 8 = 128).  at/xor damage
 * the byte at that distance from the end of plaintext||MAC||padding. */
static const struct bad_case {
	const char *what;
	int pad;
	int at;
	uint8_t xor ;
	int ok;
} bad_cases[] = {
	{ "minimal padding", -1, -1, 0, 1 },
	{ "one extra padding block", 23, -1, 0, 1 },
	{ "247 bytes of padding", 247, -1, 0, 1 },
	{ "pad length byte off by one", -1, 0, 0x01, 0 },
	{ "pad length beyond the record", -1, 0, 0x80, 0 },
	{ "last padding byte", -1, 1, 0x01, 0 },
	{ "first padding byte", -1, 7, 0x01, 0 },
	{ "padding byte deep in 247", 247, 200, 0x10, 0 },
	{ "last MAC byte", -1, 8, 0x01, 0 },
	{ "first MAC byte", -1, 27, 0x80, 0 },
	{ "last plaintext byte", -1, 28, 0x01, 0 },
	{ "first plaintext byte", -1, 127, 0x01, 0 },
};

#define NBAD ((int)(sizeof(bad_cases) / sizeof(bad_cases[0])))

START_TEST(test_bad_record)
{
	const struct bad_case *b = &bad_cases[_i / 2];
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES256_SHA, _i % 2);
	uint8_t f[100], pkt[1024];
	uint64_t seq = c.seq1++;
	size_t n;

	fill(f, sizeof(f), 9);
	n = tc_seal_ex(&c, 23, 1, seq, f, sizeof(f), b->pad, b->at, b->xor,
		       pkt);
	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_msg(V.nfr == b->ok, "%s (%s path): expected %s, got %s",
		      b->what, _i % 2 ? "plain" : "stitched",
		      b->ok ? "accepted" : "dropped",
		      V.nfr ? "accepted" : "dropped");
	ck_assert_uint_eq(dtls09_stats(d)->rx_bad_mac, !b->ok);
	if (b->ok)
		ck_assert_mem_eq(V.frame[0], f, sizeof(f));
	/* a failed record leaves the window alone: its sequence number is
	 * still good for an authentic record */
	n = tc_seal_ex(&c, 23, 1, seq, f, sizeof(f), -1, -1, 0, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_int_eq(V.nfr, !b->ok);
	dtls09_free(d);
}
END_TEST

/* The sequence number is authenticated: change it and the MAC fails. */
START_TEST(test_bad_header_seq)
{
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES128_SHA, _i);
	uint8_t pkt[256];
	size_t n = tc_seal(&c, 23, (const uint8_t *)"\0abc", 4, pkt);

	pkt[10] ^= 0x04;
	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_int_eq(V.nfr, 0);
	ck_assert_uint_eq(dtls09_stats(d)->rx_bad_mac, 1);
	dtls09_free(d);
}
END_TEST

START_TEST(test_replay)
{
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES256_SHA, _i);
	uint8_t pkt[256];
	size_t n = tc_seal(&c, 23, (const uint8_t *)"\0abc", 4, pkt);

	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_int_eq(V.nfr, 1);
	ck_assert_int_eq(drive(d, pkt, n, 11), 0);
	ck_assert_int_eq(V.nfr, 0);
	ck_assert_uint_eq(dtls09_stats(d)->rx_replay, 1);
	dtls09_free(d);
}
END_TEST

/* 64 records delivered in a scrambled order: each accepted exactly once. */
START_TEST(test_reorder_window)
{
	static uint8_t pkts[64][128];
	size_t lens[64];
	unsigned int order[64], i, j, t, seen = 0;
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES128_SHA, _i);
	uint8_t f[8] = { 0 };

	for (i = 0; i < 64; i++) {
		f[1] = (uint8_t)i;
		lens[i] = tc_seal(&c, 23, f, sizeof(f), pkts[i]);
		order[i] = i;
	}
	for (i = 63; i > 0; i--) { /* fixed Fisher-Yates */
		j = (i * 2654435761u) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(drive(d, pkts[order[i]], lens[order[i]], 10),
				 0);
		ck_assert_msg(V.nfr == 1, "record %u dropped", order[i]);
		ck_assert_uint_eq(V.frame[0][1], order[i]);
		seen++;
	}
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(drive(d, pkts[i], lens[i], 10), 0);
		ck_assert_int_eq(V.nfr, 0);
	}
	ck_assert_uint_eq(seen, 64);
	ck_assert_uint_eq(dtls09_stats(d)->rx_replay, 64);
	dtls09_free(d);
}
END_TEST

/* Window edges, applied in order after seq 100 was accepted. */
static const struct seq_step {
	uint64_t seq;
	int ok;
} seq_steps[] = {
	{ 100, 1 },  { 37, 1 }, /* age 63: inside */
	{ 36, 0 },		/* age 64: too old */
	{ 0, 0 },    { 99, 1 },	 { 100, 0 }, { 37, 0 },	 { 101, 1 },
	{ 1000, 1 }, { 937, 1 }, { 936, 0 }, { 999, 1 }, { 5000, 1 },
};

START_TEST(test_too_old)
{
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES256_SHA, _i);
	uint8_t pkt[256];
	size_t i, n;

	for (i = 0; i < sizeof(seq_steps) / sizeof(seq_steps[0]); i++) {
		n = tc_seal_ex(&c, 23, 1, seq_steps[i].seq,
			       (const uint8_t *)"\0z", 2, -1, -1, 0, pkt);
		ck_assert_int_eq(drive(d, pkt, n, 10), 0);
		ck_assert_msg(V.nfr == seq_steps[i].ok,
			      "step %zu seq %llu: expected %s, got %s", i,
			      (unsigned long long)seq_steps[i].seq,
			      seq_steps[i].ok ? "accepted" : "replay",
			      V.nfr ? "accepted" : "dropped");
	}
	dtls09_free(d);
}
END_TEST

static const struct epoch_case {
	unsigned int epoch;
	unsigned int type;
	int before_hello;
	int bad_epoch, ignored;
} epoch_cases[] = {
	{ 2, 23, 0, 1, 0 }, { 0xffff, 23, 0, 1, 0 },
	{ 1, 23, 1, 1, 0 }, /* epoch 1 before any keys */
	{ 0, 23, 0, 0, 1 }, /* plaintext data: meaningless */
	{ 0, 21, 0, 0, 1 }, /* plaintext alert: unauthenticated */
};

START_TEST(test_wrong_epoch)
{
	const struct epoch_case *e = &epoch_cases[_i];
	struct tclient c;
	struct dtls09 *d;
	uint8_t pkt[256], dummy[48] = { 0 };
	size_t n;

	if (e->before_hello) {
		d = dtls09_new(dummy, dummy, DTLS09_AES128_SHA);
		tc_init(&c, DTLS09_AES128_SHA, dummy, dummy);
	} else {
		d = hs_setup(&c, DTLS09_AES128_SHA, 0);
	}
	n = tc_seal_ex(&c, e->type, e->epoch, 5, (const uint8_t *)"\0e", 2, -1,
		       -1, 0, pkt);
	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_uint_eq(V.ev, 0);
	ck_assert_uint_eq(dtls09_stats(d)->rx_bad_epoch, e->bad_epoch);
	ck_assert_uint_eq(dtls09_stats(d)->rx_ignored, e->ignored);
	dtls09_free(d);
}
END_TEST

/* Damage to a valid 61-byte data record (13 + 16 + 32). */
static const struct trunc_case {
	const char *what;
	size_t cut_to; /* 0: keep the length */
	int len_delta; /* added to the length field */
	int version;   /* replaces the record version when set */
	unsigned int malformed;
} trunc_cases[] = {
	{ "1-byte header", 1, 0, 0, 1 },
	{ "12-byte header", 12, 0, 0, 1 },
	{ "header only", 13, 0, 0, 1 },
	{ "body cut by one", 60, 0, 0, 1 },
	{ "length beyond datagram", 0, 1, 0, 1 },
	{ "one block after the IV", 45, -16, 0, 1 },
	{ "partial block", 0, -1, 0, 2 }, /* then a 1-byte leftover */
	{ "record version 0xfeff", 0, 0, 0xfeff, 1 },
	{ "record version 0x0101", 0, 0, 0x0101, 1 },
};

START_TEST(test_truncated)
{
	const struct trunc_case *t = &trunc_cases[_i];
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES128_SHA, 0);
	uint8_t pkt[256];
	size_t n = tc_seal(&c, 23, (const uint8_t *)"\0abc", 4, pkt);
	unsigned int len;

	ck_assert_uint_eq(n, 61);
	len = ld16(pkt + 11) + (unsigned int)t->len_delta;
	pkt[11] = (uint8_t)(len >> 8);
	pkt[12] = (uint8_t)len;
	if (t->version) {
		pkt[1] = (uint8_t)(t->version >> 8);
		pkt[2] = (uint8_t)t->version;
	}
	if (t->cut_to)
		n = t->cut_to;
	ck_assert_int_eq(drive(d, pkt, n, 10), 0);
	ck_assert_msg(V.nfr == 0, "%s: frame delivered", t->what);
	ck_assert_msg(dtls09_stats(d)->rx_malformed == t->malformed,
		      "%s: expected %u malformed, got %llu", t->what,
		      t->malformed,
		      (unsigned long long)dtls09_stats(d)->rx_malformed);
	dtls09_free(d);
}
END_TEST

START_TEST(test_frame_cap)
{
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES128_SHA, _i);
	uint8_t pkt[256], tx[DTLS09_FLIGHT_LEN], fb[64];
	struct dtls09_out o = {
		.tx = tx, .tx_cap = sizeof(tx), .frame = fb, .frame_cap = 31
	};
	size_t n = tc_seal(&c, 23, (const uint8_t *)"\0abcdefgh", 9, pkt);

	ck_assert_int_eq(dtls09_handle(d, pkt, n, 10, &o), (int)n);
	ck_assert_uint_eq(o.events, 0);
	ck_assert_uint_eq(dtls09_stats(d)->rx_malformed, 1);
	n = tc_seal(&c, 23, (const uint8_t *)"\0abcdefgh", 9, pkt);
	o.frame_cap = 32;
	ck_assert_int_eq(dtls09_handle(d, pkt, n, 10, &o), (int)n);
	ck_assert_uint_eq(o.events, DTLS09_EV_FRAME);
	ck_assert_uint_eq(o.frame_len, 9);
	dtls09_free(d);
}
END_TEST

/* Offsets in a ClientHello datagram: record header 0-12, handshake header
 * 13-24, version 25, random 27, session id length 59, id 60-91. */
static const struct sid_case {
	const char *what;
	size_t at;
	int value; /* -1: unchanged */
	size_t at2;
	int value2;
	size_t cut_to;
	int rc;
} sid_cases[] = {
	{ "valid 0x0100", 0, -1, 0, -1, 0, 0 },
	{ "record version 0xfeff", 1, 0xfe, 2, 0xff, 0, 0 },
	{ "record version 0xfefd", 1, 0xfe, 2, 0xfd, 0, 0 },
	{ "record version 0xfe00", 1, 0xfe, 2, 0x00, 0, -1 },
	{ "record version 0x0101", 2, 0x01, 0, -1, 0, -1 },
	{ "content type 23", 0, 23, 0, -1, 0, -1 },
	{ "epoch 1", 4, 1, 0, -1, 0, -1 },
	{ "handshake type 2", 13, 2, 0, -1, 0, -1 },
	{ "fragment offset 1", 21, 1, 0, -1, 0, -1 },
	{ "session id length 0", 59, 0, 0, -1, 0, -1 },
	{ "session id length 16", 59, 16, 0, -1, 0, -1 },
	{ "record length 0xffff", 11, 0xff, 12, 0xff, 0, -1 },
	{ "record length 78", 11, 0, 12, 78, 0, -1 },
	{ "record length 79", 11, 0, 12, 79, 0, 0 },
	{ "91 bytes", 0, -1, 0, -1, 91, -1 },
	{ "92 bytes, length 103", 0, -1, 0, -1, 92, -1 },
	{ "92 bytes, length 79", 11, 0, 12, 79, 92, 0 },
	{ "1 byte", 0, -1, 0, -1, 1, -1 },
};

START_TEST(test_hello_session_id)
{
	const struct sid_case *s = &sid_cases[_i];
	struct tclient c;
	uint8_t master[48] = { 1 }, sid[32], pkt[256], id[32] = { 0 };
	size_t n;

	RAND_bytes(sid, 32);
	tc_init(&c, DTLS09_AES128_SHA, master, sid);
	n = tc_hello(&c, pkt);
	ck_assert_uint_eq(n, 13 + 12 + CH_BODY_LEN);
	if (s->value >= 0)
		pkt[s->at] = (uint8_t)s->value;
	if (s->value2 >= 0)
		pkt[s->at2] = (uint8_t)s->value2;
	if (s->cut_to)
		n = s->cut_to;
	ck_assert_msg(dtls09_hello_session_id(pkt, n, id) == s->rc,
		      "%s: expected %d", s->what, s->rc);
	if (s->rc == 0)
		ck_assert_mem_eq(id, sid, 32);
	ck_assert_int_eq(dtls09_hello_session_id(NULL, 0, id), -1);
}
END_TEST

/* 100k random buffers, half of them behind a valid hello prefix so the
 * deeper checks run too: no crash, and a 0 only for the right shape. */
START_TEST(test_hello_session_id_random)
{
	static uint8_t pool[100000 + 256], lens[2 * 100000];
	struct tclient c;
	uint8_t master[48] = { 2 }, sid[32] = { 3 }, hello[256], id[32];
	uint8_t p[256];
	size_t hl, i, len, pre;
	unsigned int ok = 0;

	tc_init(&c, DTLS09_AES256_SHA, master, sid);
	hl = tc_hello(&c, hello);
	RAND_bytes(pool, sizeof(pool));
	RAND_bytes(lens, sizeof(lens));
	for (i = 0; i < 100000; i++) {
		len = lens[2 * i] % 160;
		memcpy(p, pool + i, len);
		if (i % 2) { /* a valid prefix, random from there on */
			pre = lens[2 * i + 1] % (hl + 1);
			memcpy(p, hello, pre < len ? pre : len);
		}
		if (dtls09_hello_session_id(len ? p : NULL, len, id) == 0) {
			ok++;
			ck_assert(len >= 92 && p[0] == 22 && p[59] == 32);
			ck_assert_mem_eq(id, p + 60, 32);
		}
	}
	ck_assert_int_eq(dtls09_hello_session_id(hello, hl, id), 0);
	ck_assert_uint_gt(ok, 0);
	printf("hello_session_id: %u of 100000 random inputs accepted\n", ok);
}
END_TEST

/* Random damage to real handshake datagrams and garbage at an established
 * server: never a crash, never an unauthenticated frame. */
START_TEST(test_handle_fuzz)
{
	static uint8_t rnd[4096];
	struct tclient c;
	struct dtls09 *d = hs_setup(&c, DTLS09_AES256_SHA, _i), *fresh;
	uint8_t hello[256], fin[256], pkt[512];
	size_t hl = tc_hello(&c, hello), fl = tc_finished(&c, fin), n, k;
	int i;

	for (i = 0; i < 20000; i++) {
		RAND_bytes(rnd, 16);
		n = rnd[0] % 2 ? hl : fl;
		memcpy(pkt, rnd[0] % 2 ? hello : fin, n);
		for (k = 0; k < (size_t)(rnd[1] % 4 + 1); k++)
			pkt[ld16(rnd + 2 + 2 * k) % n] ^= rnd[10 + k] | 1;
		if (rnd[15] % 4 == 0)
			n = ld16(rnd + 12) % (n + 1);
		ck_assert_int_ge(drive(d, pkt, n, 10), 0);
		ck_assert_int_eq(V.nfr, 0);
		ck_assert_int_eq(V.ntx, 0);
	}
	fresh = dtls09_new(c.master, c.sid, c.suite);
	for (i = 0; i < 20000; i++) {
		RAND_bytes(rnd, 512);
		n = ld16(rnd) % 500;
		ck_assert_int_ge(drive(fresh, rnd + 2, n, 10), 0);
		ck_assert_int_eq(dtls09_established(fresh), 0);
		ck_assert_int_ge(drive(d, rnd + 2, n, 10), 0);
		ck_assert_int_eq(V.nfr, 0);
	}
	dtls09_free(fresh);
	dtls09_free(d);
}
END_TEST

/* ClientHellos the server must refuse (rx_malformed, no flight). */
static const struct reject_case {
	const char *what;
	size_t at;
	int xor_or_set; /* > 0: set to value; < 0: xor with -value */
	size_t at2;
	int value2;
	int trailing;
} reject_cases[] = {
	{ "other session id", 75, -0xff, 0, 0, 0 },
	{ "suite not offered", 96, 0x0a, 95, 0x00, 0 },
	{ "no null compression", 98, 1, 0, 0, 0 },
	{ "extension block length", 100, 16, 0, 0, 0 },
	{ "one extension length", 113, 3, 0, 0, 0 },
	{ "client_version 0xfeff", 25, 0xfe, 26, 0xff, 0 },
	{ "fragmented", 24, 90, 0, 0, 0 },
	{ "not a ClientHello", 13, 2, 0, 0, 0 },
	{ "cookie overruns", 92, 200, 0, 0, 0 },
	{ "odd suite list", 94, 3, 0, 0, 0 },
	{ "session id length 31", 59, 31, 0, 0, 0 },
	{ "trailing byte", 0, 0, 0, 0, 1 },
};

START_TEST(test_hello_rejects)
{
	const struct reject_case *r = &reject_cases[_i];
	struct tclient c;
	uint8_t master[48], sid[32], pkt[256];
	struct dtls09 *d;
	size_t n;

	RAND_bytes(master, 48);
	RAND_bytes(sid, 32);
	d = dtls09_new(master, sid, DTLS09_AES128_SHA);
	tc_init(&c, DTLS09_AES128_SHA, master, sid);
	n = tc_hello(&c, pkt);
	if (r->xor_or_set > 0)
		pkt[r->at] = (uint8_t)r->xor_or_set;
	else if (r->xor_or_set < 0)
		pkt[r->at] ^= (uint8_t)-r->xor_or_set;
	if (r->value2)
		pkt[r->at2] = (uint8_t)r->value2;
	if (r->trailing) { /* one more byte, every length updated */
		pkt[n++] = 0;
		pkt[12]++;
		pkt[16]++;
		pkt[24]++;
	}
	ck_assert_int_eq(drive(d, pkt, n, 0), 0);
	ck_assert_msg(V.ntx == 0, "%s: answered", r->what);
	ck_assert_uint_eq(dtls09_stats(d)->rx_malformed, 1);
	ck_assert_uint_eq(dtls09_next_timeout(d), UINT64_MAX);
	dtls09_free(d);
}
END_TEST

static const struct mtu_case {
	size_t link, frame;
} mtu_cases[] = {
	{ 1472, 1419 },
	{ 1400, 1339 },
	{ 1500, 1435 },
	{ 61, 11 },
	{ 60, 0 },
	{ 0, 0 },
	{ 65535, DTLS09_MAX_FRAME },
};

START_TEST(test_data_mtu)
{
	const struct mtu_case *m = &mtu_cases[_i];
	size_t l, f;

	ck_assert_uint_eq(dtls09_data_mtu(m->link), m->frame);
	for (l = 0; l < 20000; l++) {
		f = dtls09_data_mtu(l);
		if (f == 0) {
			ck_assert_uint_gt(dtls09_sealed_len(1), l);
			continue;
		}
		ck_assert_uint_le(dtls09_sealed_len(f), l);
		if (f == DTLS09_MAX_FRAME)
			continue;
		ck_assert_uint_gt(dtls09_sealed_len(f + 1), l);
		/* never worse than the conservative formula */
		ck_assert_uint_ge(f + DTLS09_MAX_OVERHEAD, l);
	}
}
END_TEST

START_TEST(test_seal_args)
{
	static uint8_t big[DTLS09_MAX_FRAME + 1], out[PKT_MAX];
	struct tclient c;
	uint8_t master[48] = { 0 }, sid[32] = { 0 }, pt[64];
	struct dtls09 *d = dtls09_new(master, sid, DTLS09_AES128_SHA);
	size_t ptlen;
	int n;

	ck_assert_int_eq(dtls09_seal(d, big, 10, out, sizeof(out)),
			 DTLS09_ERR_STATE);
	dtls09_free(d);
	d = hs_setup(&c, DTLS09_AES128_SHA, _i);
	ck_assert_int_eq(dtls09_seal(d, big, 0, out, sizeof(out)),
			 DTLS09_ERR_INVAL);
	ck_assert_int_eq(dtls09_seal(d, big, sizeof(big), out, sizeof(out)),
			 DTLS09_ERR_INVAL);
	ck_assert_int_eq(dtls09_seal(d, NULL, 10, out, sizeof(out)),
			 DTLS09_ERR_INVAL);
	ck_assert_int_eq(
		dtls09_seal(d, big, 10, out, dtls09_sealed_len(10) - 1),
		DTLS09_ERR_INVAL);
	/* in place: the frame already sits where the plaintext goes */
	memcpy(out + DTLS09_HDR_LEN + DTLS09_IV_LEN, "\0inplace", 8);
	n = dtls09_seal(d, out + DTLS09_HDR_LEN + DTLS09_IV_LEN, 8, out,
			dtls09_sealed_len(8));
	ck_assert_int_eq(n, (int)dtls09_sealed_len(8));
	ck_assert_int_eq(tc_open(&c, out, (size_t)n, pt, &ptlen, NULL), 0);
	ck_assert_mem_eq(pt, "\0inplace", 8);
	dtls09_free(d);
}
END_TEST

START_TEST(test_object_args)
{
	uint8_t master[48] = { 0 }, sid[32] = { 0 }, tx[DTLS09_FLIGHT_LEN];
	uint8_t pkt[256];
	struct dtls09_out o = { .tx = tx, .tx_cap = sizeof(tx) - 1 };
	struct tclient c;
	struct dtls09 *d;

	ck_assert_ptr_null(dtls09_new(master, sid, 0x000a)); /* 3DES */
	ck_assert_ptr_null(dtls09_new(master, sid, 0x0039)); /* DHE-RSA */
	dtls09_free(NULL);
	d = dtls09_new(master, sid, DTLS09_AES256_SHA);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(dtls09_next_timeout(d), UINT64_MAX);
	ck_assert_int_eq(dtls09_timeout(d, 5000, tx, sizeof(tx)), 0);
	ck_assert_int_eq(dtls09_handle(d, pkt, 10, 0, NULL), DTLS09_ERR_INVAL);
	ck_assert_int_eq(dtls09_handle(d, pkt, 10, 0, &o), DTLS09_ERR_INVAL);
	o.tx_cap = sizeof(tx);
	ck_assert_int_eq(dtls09_handle(d, pkt, 0, 0, &o), 0);
	ck_assert_int_eq(dtls09_handle(d, NULL, 1, 0, &o), DTLS09_ERR_INVAL);
	tc_init(&c, DTLS09_AES256_SHA, master, sid);
	ck_assert_int_eq(drive(d, pkt, tc_hello(&c, pkt), 0), 0);
	ck_assert_int_eq(V.ntx, 1);
	ck_assert_int_eq(dtls09_force_plain(d), DTLS09_ERR_STATE);
	ck_assert_int_eq(dtls09_timeout(d, 1000, tx, sizeof(tx) - 1),
			 DTLS09_ERR_INVAL);
	dtls09_free(d);
}
END_TEST

/* Neither record path allocates per record, sealing or opening: the
 * stitched cipher and the plain AES-CBC + HMAC-SHA1 fallback, bulk and
 * voice-sized frames (bench/dtls-rec profiles these same loops). */
static const struct alloc_case {
	uint16_t suite;
	int plain;
	size_t frame;
} alloc_cases[] = {
	{ DTLS09_AES128_SHA, 0, 1400 }, { DTLS09_AES256_SHA, 0, 1400 },
	{ DTLS09_AES256_SHA, 0, 200 },	{ DTLS09_AES128_SHA, 1, 1400 },
	{ DTLS09_AES256_SHA, 1, 1400 }, { DTLS09_AES256_SHA, 1, 200 },
};

START_TEST(test_no_alloc)
{
	const struct alloc_case *t = &alloc_cases[_i];
	static uint8_t pkts[100][1500], out[1600];
	size_t lens[100];
	struct tclient c;
	struct dtls09 *d;
	uint8_t f[1400];
	unsigned long before;
	int i;

	if (!t->plain && !have_stitched(t->suite)) {
		printf("test_no_alloc: no stitched cipher here, skipped\n");
		return;
	}
	d = hs_setup(&c, t->suite, t->plain);
	ck_assert_int_eq(dtls09_stitched(d), !t->plain);
	fill(f, t->frame, 3);
	for (i = 0; i < 100; i++)
		lens[i] = tc_seal(&c, 23, f, t->frame, pkts[i]);
	ck_assert_int_gt(dtls09_seal(d, f, t->frame, out, sizeof(out)), 0);
	ck_assert_int_eq(drive(d, pkts[0], lens[0], 10), 0);
	before = n_alloc;
	for (i = 1; i < 100; i++) {
		ck_assert_int_gt(dtls09_seal(d, f, t->frame, out, sizeof(out)),
				 0);
		ck_assert_int_eq(drive(d, pkts[i], lens[i], 10), 0);
		ck_assert_int_eq(V.nfr, 1);
	}
	printf("no_alloc %s %s %zu: %lu allocations for 99 records each way\n",
	       t->suite == DTLS09_AES256_SHA ? "AES256-SHA" : "AES128-SHA",
	       t->plain ? "plain" : "stitched", t->frame, n_alloc - before);
	ck_assert_msg(n_alloc == before, "expected 0 allocations, got %lu",
		      n_alloc - before);
	dtls09_free(d);
}
END_TEST

static Suite *dtls09_suite(void)
{
	Suite *s = suite_create("dtls09");
	TCase *core = tcase_create("core"), *lim = tcase_create("limits");

	tcase_add_loop_test(core, test_prf_kat, 0,
			    sizeof(prf_kats) / sizeof(prf_kats[0]));
	tcase_add_loop_test(core, test_prf_vs_p_hash, 0,
			    sizeof(prf_lens) / sizeof(prf_lens[0]));
	tcase_add_loop_test(core, test_handshake, 0, NVARIANTS);
	tcase_add_loop_test(core, test_roundtrip, 0, NVARIANTS);
	tcase_add_loop_test(core, test_cross_path, 0, 2);
	tcase_add_loop_test(core, test_lost_server_flight, 0, NVARIANTS);
	tcase_add_loop_test(core, test_lost_client_finished, 0, NVARIANTS);
	tcase_add_loop_test(core, test_implicit_confirmation, 0, NVARIANTS);
	tcase_add_loop_test(core, test_late_duplicates, 0, NVARIANTS);
	tcase_add_test(core, test_retransmit_schedule);
	tcase_add_test(core, test_hello_restart);
	tcase_add_test(core, test_hello_duplicate_rate);
	tcase_add_loop_test(core, test_alert, 0,
			    sizeof(alert_cases) / sizeof(alert_cases[0]));
	tcase_add_loop_test(core, test_bad_finished, 0, 2);
	tcase_add_loop_test(core, test_multi_record_datagram, 0, 2);
	suite_add_tcase(s, core);

	tcase_set_timeout(lim, 60);
	tcase_add_loop_test(lim, test_bad_record, 0, 2 * NBAD);
	tcase_add_loop_test(lim, test_bad_header_seq, 0, 2);
	tcase_add_loop_test(lim, test_replay, 0, 2);
	tcase_add_loop_test(lim, test_reorder_window, 0, 2);
	tcase_add_loop_test(lim, test_too_old, 0, 2);
	tcase_add_loop_test(lim, test_wrong_epoch, 0,
			    sizeof(epoch_cases) / sizeof(epoch_cases[0]));
	tcase_add_loop_test(lim, test_truncated, 0,
			    sizeof(trunc_cases) / sizeof(trunc_cases[0]));
	tcase_add_loop_test(lim, test_frame_cap, 0, 2);
	tcase_add_loop_test(lim, test_hello_session_id, 0,
			    sizeof(sid_cases) / sizeof(sid_cases[0]));
	tcase_add_test(lim, test_hello_session_id_random);
	tcase_add_loop_test(lim, test_handle_fuzz, 0, 2);
	tcase_add_loop_test(lim, test_hello_rejects, 0,
			    sizeof(reject_cases) / sizeof(reject_cases[0]));
	tcase_add_loop_test(lim, test_data_mtu, 0,
			    sizeof(mtu_cases) / sizeof(mtu_cases[0]));
	tcase_add_loop_test(lim, test_seal_args, 0, 2);
	tcase_add_test(lim, test_object_args);
	tcase_add_loop_test(lim, test_no_alloc, 0,
			    sizeof(alloc_cases) / sizeof(alloc_cases[0]));
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	/* before libcrypto allocates anything: test_no_alloc counts */
	CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
	sr = srunner_create(dtls09_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
