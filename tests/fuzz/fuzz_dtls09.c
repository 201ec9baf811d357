/* libFuzzer target: the DTLS 0.9 server (src/tls/dtls09.c) on datagrams
 * from a client, driven past the MAC check.
 *
 * The input is a program for a client that knows the session's master
 * secret (fixed here, as main hands it over from X-DTLS-Master-Secret):
 * the target builds real ClientHellos from input bytes, reads the server
 * random out of the server's flight, derives the client keys with the
 * TLS 1.0 PRF and seals epoch-1 records itself (its own AES-CBC + HMAC-SHA1,
 * not dtls09.c's), so handshake, Finished, data and alert records reach
 * open_plain/open_stitched, the window, on_finished, on_app and on_alert
 * with valid MACs; raw, replayed, mis-sequenced and corrupted records reach
 * every rejection.  Byte 0: bit 0 suite (AES128/AES256), bit 1 the plain
 * record path instead of the stitched cipher.  Then operations (bit 7 of
 * the opcode: hold the record and send it together with the next one in
 * one datagram):
 *   0 raw datagram        1 ClientHello        2 plaintext CCS
 *   3 Finished (sealed)   4 data (sealed)      5 alert (sealed)
 *   6 any sealed record   7 replay last record 8 corrupt last record
 *   9 time passes (retransmission timer)
 * Checks: consumed lengths stay in the datagram, sent datagrams fit,
 * counters only grow, and a fresh valid data record on an established
 * session comes out as exactly the frame sealed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sslvpnd/dtls09.h"
#include "fuzz.h"

enum {
	CT_CCS = 20, CT_ALERT = 21, CT_HS = 22, CT_APP = 23,
	HDR = DTLS09_HDR_LEN, HS_HDR = 12, RND = 32, VERIFY = 12,
	SH_BODY = 2 + RND + 1 + DTLS09_SESSION_ID_LEN + 2 + 1,
	DGRAM_MAX = 20000, HELLOS = 8,
	FLIGHT_FIN = HDR + HS_HDR + SH_BODY + HDR + 3, /* the Finished record */
};

static const uint8_t master[DTLS09_MASTER_LEN] = { 0x4d, 0x41, 0x53, 0x54, 1, 2, 3, 4, 5 };
static const uint8_t sid[DTLS09_SESSION_ID_LEN] = { 0xaa, 0xbb, 0xcc, 0xdd };

/* The client: what it sent, what it learnt from the server's flight. */
struct client {
	uint16_t suite;
	size_t key_len;
	/* the last ClientHello bodies built: the server may answer any of
	 * them (held, replayed, ignored) */
	uint8_t ch_body[HELLOS][600];
	size_t ch_len[HELLOS];
	unsigned n_hello;
	int keyed;
	uint8_t mac_key[DTLS09_MAC_LEN], enc_key[32];
	uint8_t client_verify[VERIFY];
	uint64_t seq0, seq1; /* next sequence numbers */
	uint8_t server_random[RND];
	uint32_t iv_ctr;
	int established, failed, plain;
	struct dtls09 *peer; /* opens the server's data records */
	uint8_t last[DGRAM_MAX]; /* last record built */
	size_t last_len;
	uint8_t dgram[DGRAM_MAX]; /* the datagram being assembled */
	size_t dgram_len;
	/* the expected frame of a fresh valid data record, if any */
	const uint8_t *expect;
	size_t expect_len;
};

static void st16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void st48(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 6; i++)
		p[i] = (uint8_t)(v >> (40 - 8 * i));
}

static size_t rec_hdr(uint8_t *p, uint8_t type, uint16_t epoch, uint64_t seq, size_t len)
{
	p[0] = type;
	st16(p + 1, DTLS09_VERSION);
	st16(p + 3, epoch);
	st48(p + 5, seq);
	st16(p + 11, len);
	return HDR;
}

static size_t hs_hdr(uint8_t *p, uint8_t type, uint16_t msg_seq, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t)(len >> 16);
	st16(p + 2, len);
	st16(p + 4, msg_seq);
	memset(p + 6, 0, 3);
	p[9] = (uint8_t)(len >> 16);
	st16(p + 10, len);
	return HS_HDR;
}

static void md5sha1(const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
		    const uint8_t *c, size_t cl, uint8_t out[36])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;

	CHECK(md && EVP_DigestInit_ex(md, EVP_md5_sha1(), NULL) &&
	      EVP_DigestUpdate(md, a, al) && EVP_DigestUpdate(md, b, bl) &&
	      EVP_DigestUpdate(md, c, cl) && EVP_DigestFinal_ex(md, out, &n) && n == 36);
	EVP_MD_CTX_free(md);
}

/* Keys and both Finished values for one ClientHello body and the
 * ServerHello body (dtls-openssl.md 3.3: bodies only in the transcript). */
static void derive(struct client *c, const uint8_t *ch, size_t ch_len, const uint8_t *sh,
		   uint8_t kb[2 * DTLS09_MAC_LEN + 2 * 32], uint8_t sv[VERIFY], uint8_t cv[VERIFY])
{
	uint8_t seed[2 * RND], hash[36];

	memcpy(seed, sh + 2, RND);
	memcpy(seed + RND, ch + 2, RND);
	CHECK(dtls09_prf(master, "key expansion", seed, sizeof(seed), kb,
			 2 * DTLS09_MAC_LEN + 2 * c->key_len) == 0);
	md5sha1(ch, ch_len, sh, SH_BODY, NULL, 0, hash);
	CHECK(dtls09_prf(master, "server finished", hash, 36, sv, VERIFY) == 0);
	md5sha1(ch, ch_len, sh, SH_BODY, sv, VERIFY, hash);
	CHECK(dtls09_prf(master, "client finished", hash, 36, cv, VERIFY) == 0);
}

/* 1 when the flight's sealed Finished opens with these server keys to
 * the expected verify_data (its first block suffices). */
static int finished_opens(struct client *c, const uint8_t *rec, const uint8_t *kb,
			  const uint8_t sv[VERIFY])
{
	const uint8_t *key = kb + 2 * DTLS09_MAC_LEN + c->key_len;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t pt[16], want[16];
	int outl = 0;

	CHECK(x && EVP_DecryptInit_ex(x, c->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(),
				      NULL, key, rec + HDR) &&
	      EVP_CIPHER_CTX_set_padding(x, 0) &&
	      EVP_DecryptUpdate(x, pt, &outl, rec + HDR + DTLS09_IV_LEN, 16) && outl == 16);
	EVP_CIPHER_CTX_free(x);
	hs_hdr(want, 20, 2, VERIFY);
	memcpy(want + HS_HDR, sv, 4);
	return !memcmp(pt, want, 16);
}

/* The server's flight (ServerHello, CCS, Finished) answers one of the
 * hellos sent: the one whose keys open its Finished.  Learn those keys
 * and the Finished the client owes. */
static void learn_flight(struct client *c, const uint8_t *tx, size_t n)
{
	const uint8_t *sh = tx + HDR + HS_HDR;
	uint8_t kb[2 * DTLS09_MAC_LEN + 2 * 32], sv[VERIFY], cv[VERIFY];

	if (n < FLIGHT_FIN + HDR + DTLS09_IV_LEN + 32 || tx[0] != CT_HS)
		return;
	for (unsigned k = 0; k < c->n_hello && k < HELLOS; k++) {
		unsigned i = (c->n_hello - 1 - k) % HELLOS;

		derive(c, c->ch_body[i], c->ch_len[i], sh, kb, sv, cv);
		if (!finished_opens(c, tx + FLIGHT_FIN, kb, sv))
			continue;
		memcpy(c->mac_key, kb, DTLS09_MAC_LEN);
		memcpy(c->enc_key, kb + 2 * DTLS09_MAC_LEN, c->key_len);
		memcpy(c->client_verify, cv, VERIFY);
		/* a new server random means new keys and a fresh window on
		 * the server; a resent flight keeps both */
		if (!c->keyed || memcmp(c->server_random, sh + 2, RND))
			c->seq1 = 0;
		memcpy(c->server_random, sh + 2, RND);
		c->keyed = 1;
		return;
	}
	/* a hello the input forged or corrupted: keys unknown from now on */
	c->keyed = 0;
}

/* An epoch-1 record as a client seals it: IV, AES-CBC(pt || HMAC || pad). */
static size_t seal(struct client *c, uint8_t type, uint64_t seq, const uint8_t *pt,
		   size_t len, size_t extra_pad, uint8_t *out)
{
	static uint8_t macin[13 + DGRAM_MAX];
	uint8_t mh[13], *body = out + HDR + DTLS09_IV_LEN;
	size_t total = (len + DTLS09_MAC_LEN + 1 + 15) & ~(size_t)15, pad;
	unsigned int ml = 0;
	int outl = 0;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

	total += (extra_pad / 16) * 16;
	if (total - len - DTLS09_MAC_LEN - 1 > 255)
		total -= 16 * ((total - len - DTLS09_MAC_LEN - 1 - 255 + 15) / 16);
	pad = total - len - DTLS09_MAC_LEN - 1;
	st16(mh, 1);
	st48(mh + 2, seq);
	mh[8] = type;
	st16(mh + 9, DTLS09_VERSION);
	st16(mh + 11, len);
	memmove(body, pt, len);
	memcpy(macin, mh, 13);
	memcpy(macin + 13, body, len);
	CHECK(HMAC(EVP_sha1(), c->mac_key, DTLS09_MAC_LEN, macin, 13 + len, body + len, &ml) &&
	      ml == DTLS09_MAC_LEN);
	memset(body + len + DTLS09_MAC_LEN, (int)pad, pad + 1);
	memset(out + HDR, 0, DTLS09_IV_LEN);
	memcpy(out + HDR, &c->iv_ctr, sizeof(c->iv_ctr));
	c->iv_ctr++;
	CHECK(x && EVP_EncryptInit_ex(x, c->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(),
				      NULL, c->enc_key, out + HDR) &&
	      EVP_CIPHER_CTX_set_padding(x, 0) &&
	      EVP_EncryptUpdate(x, body, &outl, body, (int)total) && (size_t)outl == total);
	EVP_CIPHER_CTX_free(x);
	rec_hdr(out, type, 1, seq, DTLS09_IV_LEN + total);
	return HDR + DTLS09_IV_LEN + total;
}

/* ClientHello: random, our session id (or not), cookie, suites,
 * compression and extensions shaped by the input. */
static size_t hello(struct client *c, struct fz *f, uint8_t *out)
{
	uint8_t v = fz_u8(f), *b = out + HDR + HS_HDR;
	size_t n = 0, got, i;
	const uint8_t *p;

	st16(b, v & 0x80 ? 0xfeff : DTLS09_VERSION);
	n = 2;
	p = fz_bytes(f, RND, &got);
	memset(b + n, 0, RND);
	memcpy(b + n, p, got);
	n += RND;
	b[n++] = DTLS09_SESSION_ID_LEN;
	memcpy(b + n, sid, DTLS09_SESSION_ID_LEN);
	if (v & 0x40)
		b[n] ^= 1;
	n += DTLS09_SESSION_ID_LEN;
	b[n++] = v & 1 ? 4 : 0; /* cookie */
	if (v & 1)
		n += 4;
	i = v & 2 ? 3 : 1; /* suites */
	st16(b + n, 2 * i);
	n += 2;
	st16(b + n, 0xc030);
	st16(b + n + 2 * (i - 1), v & 4 ? 0x000a : c->suite);
	if (i == 3)
		st16(b + n + 2, 0x0035 ^ 0x002f ^ c->suite);
	n += 2 * i;
	b[n++] = v & 8 ? 2 : 1; /* compression */
	if (v & 8)
		b[n++] = 1;
	b[n++] = v & 0x10 ? 1 : 0;
	if (v & 0x20) { /* extensions from the input, framing as given */
		size_t el = fz_u8(f) % 64;

		p = fz_bytes(f, el, &got);
		st16(b + n, got);
		memcpy(b + n + 2, p, got);
		n += 2 + got;
	}
	if (n <= sizeof(c->ch_body[0])) {
		memcpy(c->ch_body[c->n_hello % HELLOS], b, n);
		c->ch_len[c->n_hello++ % HELLOS] = n;
	}
	hs_hdr(out + HDR, 1, 0, n);
	return rec_hdr(out, CT_HS, 0, c->seq0++, HS_HDR + n) + HS_HDR + n;
}

/* The record's sequence number; *fresh: above every one sent before. */
static uint64_t pick_seq(struct client *c, uint8_t how, struct fz *f, int *fresh)
{
	uint64_t s, next = c->seq1;

	switch (how & 3) {
	case 1: /* an older one, maybe inside the window */
		s = c->seq1 - (fz_u8(f) % 80);
		break;
	case 2: /* far ahead */
		s = c->seq1 + ((uint64_t)fz_u16(f) << 8);
		break;
	default:
		s = c->seq1;
	}
	s &= ((uint64_t)1 << 48) - 1;
	*fresh = s >= next;
	if (s >= c->seq1)
		c->seq1 = s + 1;
	return s;
}

static void check_out(struct client *c, const struct dtls09_out *o, int r,
		      size_t left, int single)
{
	CHECK(r > 0 && (size_t)r <= left);
	if (o->events & DTLS09_EV_TX) {
		CHECK(o->tx_len > 0 && o->tx_len <= o->tx_cap);
		learn_flight(c, o->tx, o->tx_len);
	}
	if (o->events & DTLS09_EV_FRAME)
		CHECK(o->frame_len <= (size_t)r);
	if (o->events & DTLS09_EV_ESTABLISHED)
		c->established = 1;
	if (single && c->expect) {
		CHECK(o->events & DTLS09_EV_FRAME);
		CHECK(o->frame_len == c->expect_len &&
		      !memcmp(o->frame, c->expect, c->expect_len));
	}
}

static uint64_t total(const struct dtls09_stats *s)
{
	return s->tx + s->rx + s->rx_bad_mac + s->rx_replay + s->rx_bad_epoch +
	       s->rx_malformed + s->rx_ignored;
}

/* The server answers a frame with one of its own, which a client peer
 * (dtls09_test_peer: the client keys, dtls09.c's record code) opens back
 * to the same frame. */
static void echo(struct dtls09 *d, struct client *c, const uint8_t *frame, size_t len)
{
	static uint8_t sealed[DGRAM_MAX + 128], back[DGRAM_MAX + 128], tx[512];
	struct dtls09_out o = { .tx = tx, .tx_cap = sizeof(tx),
				.frame = back, .frame_cap = sizeof(back) };
	int s = dtls09_seal(d, frame, len, sealed, sizeof(sealed));

	CHECK(s == (int)dtls09_sealed_len(len));
	if (!c->peer)
		CHECK((c->peer = dtls09_test_peer(d, c->plain)));
	CHECK(dtls09_handle(c->peer, sealed, (size_t)s, 0, &o) == s);
	CHECK(o.events == DTLS09_EV_FRAME && o.frame_len == len &&
	      !memcmp(back, frame, len));
}

/* The server reads one datagram; its answer feeds the client. */
static void deliver(struct dtls09 *d, struct client *c, uint64_t now)
{
	static uint8_t tx[4096], frame[DGRAM_MAX];
	uint64_t before = total(dtls09_stats(d));
	uint8_t id[DTLS09_SESSION_ID_LEN];
	const uint8_t *p = c->dgram;
	size_t n = c->dgram_len;
	int single = 1;

	if (dtls09_hello_session_id(p, n, id) == 0)
		CHECK(n > HDR);
	for (size_t off = 0; off < n; single = 0) {
		struct dtls09_out o = { .tx = tx, .tx_cap = sizeof(tx),
					.frame = frame, .frame_cap = sizeof(frame) };
		int r = dtls09_handle(d, p + off, n - off, now, &o);

		if (r < 0) {
			c->failed = 1;
			CHECK(!c->expect);
			break;
		}
		check_out(c, &o, r, n - off, single && (size_t)r == n);
		CHECK(dtls09_established(d) == (c->established && !c->failed));
		if (o.events & DTLS09_EV_FRAME && o.frame_len)
			echo(d, c, frame, o.frame_len);
		off += (size_t)r;
	}
	CHECK(total(dtls09_stats(d)) >= before);
	c->dgram_len = 0;
	c->expect = NULL;
}

static void add(struct client *c, const uint8_t *rec, size_t n)
{
	if (n > sizeof(c->last))
		n = sizeof(c->last);
	if (rec != c->last)
		memmove(c->last, rec, n);
	c->last_len = n;
	if (c->dgram_len + n > sizeof(c->dgram))
		c->dgram_len = 0;
	memcpy(c->dgram + c->dgram_len, rec, n);
	c->dgram_len += n;
}

/* One operation: build a record (or not) and send what is held. */
static void step(struct dtls09 *d, struct client *c, struct fz *f, uint64_t *now)
{
	static uint8_t rec[DGRAM_MAX], pt[DGRAM_MAX];
	uint8_t op = fz_u8(f), how = fz_u8(f);
	size_t n = 0, len, got;
	const uint8_t *p;
	int fresh = 0;

	switch ((op & 0x7f) % 10) {
	case 0:
		p = fz_bytes(f, fz_u16(f) % 2048, &n);
		memcpy(rec, p, n);
		break;
	case 1:
		n = hello(c, f, rec);
		break;
	case 2:
		rec_hdr(rec, CT_CCS, 0, c->seq0++, how & 1 ? 1 : 3);
		rec[HDR] = how & 2 ? 2 : 1;
		st16(rec + HDR + 1, 1);
		n = HDR + (how & 1 ? 1 : 3);
		break;
	case 3:
		hs_hdr(pt, 20, 2, VERIFY);
		memcpy(pt + HS_HDR, c->client_verify, VERIFY);
		if (how & 4)
			pt[HS_HDR + fz_u8(f) % VERIFY] ^= 1;
		n = seal(c, CT_HS, pick_seq(c, how, f, &fresh), pt, HS_HDR + VERIFY, 0, rec);
		break;
	case 4:
		len = fz_u16(f) % 1600;
		p = fz_bytes(f, len, &got);
		memcpy(pt, p, got);
		n = seal(c, CT_APP, pick_seq(c, how, f, &fresh), pt, got, how & 0xf0, rec);
		if (fresh && got && c->keyed && c->established && !c->failed && !(op & 0x80) &&
		    !c->dgram_len) {
			memcpy(pt + DGRAM_MAX / 2, p, got);
			c->expect = pt + DGRAM_MAX / 2;
			c->expect_len = got;
		}
		break;
	case 5:
		p = fz_bytes(f, how & 4 ? 3 : 2, &got);
		memcpy(pt, p, got);
		n = seal(c, CT_ALERT, pick_seq(c, how, f, &fresh), pt, got, 0, rec);
		break;
	case 6:
		len = fz_u8(f);
		p = fz_bytes(f, len, &got);
		memcpy(pt, p, got);
		n = seal(c, fz_u8(f), pick_seq(c, how, f, &fresh), pt, got, how & 0xf0, rec);
		if (how & 8)
			st16(rec + 3, fz_u16(f)); /* another epoch */
		break;
	case 7:
		memcpy(rec, c->last, n = c->last_len);
		break;
	case 8:
		memcpy(rec, c->last, n = c->last_len);
		if (n) {
			size_t at = fz_u16(f) % n;

			rec[at] ^= (uint8_t)(1u << (how & 7));
		}
		break;
	case 9:
		*now += (uint64_t)fz_u16(f) * 4;
		if (dtls09_next_timeout(d) <= *now) {
			uint8_t tx[512];
			int r = dtls09_timeout(d, *now, tx, sizeof(tx));

			CHECK(r <= (int)sizeof(tx));
			if (r > 0)
				learn_flight(c, tx, (size_t)r);
		}
		return;
	}
	add(c, rec, n);
	if (!(op & 0x80))
		deliver(d, c, *now);
	*now += 10;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct client c;
	struct fz f = { data, size, 0 };
	uint8_t flags = fz_u8(&f);
	uint64_t now = 1000;
	struct dtls09 *d;

	memset(&c, 0, sizeof(c));
	c.suite = flags & 1 ? DTLS09_AES128_SHA : DTLS09_AES256_SHA;
	c.key_len = flags & 1 ? 16 : 32;
	d = dtls09_new(master, sid, c.suite);
	CHECK(d);
	c.plain = flags & 2;
	if (c.plain)
		CHECK(dtls09_force_plain(d) == 0);
	CHECK(dtls09_data_mtu(fz_u16(&f)) <= DTLS09_MAX_FRAME);
	for (int ops = 0; fz_left(&f) && ops < 200; ops++)
		step(d, &c, &f, &now);
	if (c.dgram_len)
		deliver(d, &c, now);
	if (c.plain)
		CHECK(!dtls09_stitched(d));
	dtls09_free(c.peer);
	dtls09_free(d);
	return 0;
}
