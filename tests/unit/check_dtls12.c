/* Unit tests for src/tls/dtls12.c (Cisco DTLS 1.2 resumption and
 * PSK-NEGOTIATE servers on libssl).
 *
 * Every handshake here is real: the server under test talks to a libssl
 * DTLS 1.2 client in the same process.  The resumption client builds its
 * SSL_SESSION from the same master secret, id and suite as the server (what
 * openconnect does with X-DTLS-Master-Secret / X-DTLS-Session-ID), the PSK
 * client uses identity "psk" and the same 32-byte key.  Datagrams move
 * through two queues: the server's send callback fills one, the client's
 * own BIO_METHOD reads from it and writes into the other, so datagram
 * boundaries survive in both directions and the tests can drop, replay,
 * cut and forge datagrams.
 *
 * libssl's retransmission timer runs on gettimeofday(), so the two loss
 * tests sleep about a second each; everything else is deterministic.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sslvpnd/dtls12.h"

enum {
	QCAP = 64,
	PKT_MAX = 4096,
	LINK = 1472,
	NFRAMES = 8,
	PUMP_ROUNDS = 50,
	GIVE_UP_MS = 31000, /* the module's handshake deadline */
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Cisco's X-DTLS12-CipherSuite offer (dtls-openssl.md 2), plus suites
 * with other record layouts for the MTU checks. */
static const char *const cisco_suites[] = {
	"AES128-GCM-SHA256",	       "AES256-GCM-SHA384",
	"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
	"AES256-SHA",		       "AES128-SHA",
};

#define SERVER_LIST                                                      \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"       \
	"AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA:"     \
	"ECDHE-RSA-CHACHA20-POLY1305:AES128-SHA256:AES256-SHA256:"       \
	"ECDHE-RSA-AES256-SHA384:DHE-RSA-AES256-SHA"

/* openconnect 9.01's PSK offer: 00a9 ccab c0a5 008d 00a8 c0a4 008c 00ae */
#define OC_PSK_OFFER                                                     \
	"PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305:PSK-AES256-CCM:"    \
	"PSK-AES256-CBC-SHA:PSK-AES128-GCM-SHA256:PSK-AES128-CCM:"       \
	"PSK-AES128-CBC-SHA:PSK-AES128-CBC-SHA256"

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

/* --- datagram queues and the server's callbacks --- */

struct dq {
	uint8_t pkt[QCAP][PKT_MAX];
	size_t len[QCAP];
	unsigned int head, n;
};

static void dq_push(struct dq *q, const uint8_t *p, size_t len)
{
	unsigned int i = (q->head + q->n) % QCAP;

	ck_assert_uint_lt(q->n, QCAP);
	ck_assert_uint_le(len, PKT_MAX);
	memcpy(q->pkt[i], p, len);
	q->len[i] = len;
	q->n++;
}

static size_t dq_pop(struct dq *q, uint8_t *out)
{
	size_t len = q->len[q->head];

	ck_assert_uint_gt(q->n, 0);
	memcpy(out, q->pkt[q->head], len);
	q->head = (q->head + 1) % QCAP;
	q->n--;
	return len;
}

static struct env {
	struct dq to_srv, to_cli;
	int drop_srv, drop_cli;	 /* lose what that side sends */
	unsigned int srv_sent;	 /* datagrams the server sent */
	size_t srv_max;		 /* largest of them */
	uint8_t srv_hdr[13];	 /* the header of the last record it held */
	unsigned int cli_sent;
	uint8_t frame[NFRAMES][PKT_MAX]; /* frames the server delivered */
	size_t flen[NFRAMES];
	unsigned int nframes;
	struct dtls12 *echo; /* frame callback answers with dtls12_send */
	int echo_rc;
} E;

static struct dtls12_ctx *X;

static void srv_send(void *arg, const uint8_t *p, size_t len)
{
	ck_assert_ptr_eq(arg, &E);
	E.srv_sent++;
	if (len > E.srv_max)
		E.srv_max = len;
	for (size_t off = 0; len - off >= sizeof(E.srv_hdr);) {
		memcpy(E.srv_hdr, p + off, sizeof(E.srv_hdr));
		off += sizeof(E.srv_hdr) + (size_t)(p[off + 11] << 8 | p[off + 12]);
		if (off > len)
			break;
	}
	if (!E.drop_srv)
		dq_push(&E.to_cli, p, len);
}

static void srv_frame(void *arg, const uint8_t *f, size_t len)
{
	unsigned int i = E.nframes++ % NFRAMES;

	ck_assert_ptr_eq(arg, &E);
	ck_assert_uint_le(len, PKT_MAX);
	memcpy(E.frame[i], f, len);
	E.flen[i] = len;
	if (E.echo)
		E.echo_rc = dtls12_send(E.echo, f, len);
}

/* --- the libssl client --- */

static long cbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	return cmd == BIO_CTRL_FLUSH;
}

static int cbio_read(BIO *b, char *out, int outl)
{
	BIO_clear_retry_flags(b);
	if (E.to_cli.n == 0) {
		BIO_set_retry_read(b);
		return -1;
	}
	ck_assert_uint_le(E.to_cli.len[E.to_cli.head], (size_t)outl);
	return (int)dq_pop(&E.to_cli, (uint8_t *)out);
}

static int cbio_write(BIO *b, const char *buf, int len)
{
	BIO_clear_retry_flags(b);
	E.cli_sent++;
	if (!E.drop_cli)
		dq_push(&E.to_srv, (const uint8_t *)buf, (size_t)len);
	return len;
}

static BIO_METHOD *cbio_method(void)
{
	static BIO_METHOD *m;

	if (!m) {
		m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				 "test client");
		ck_assert_ptr_nonnull(m);
		BIO_meth_set_read(m, cbio_read);
		BIO_meth_set_write(m, cbio_write);
		BIO_meth_set_ctrl(m, cbio_ctrl);
	}
	return m;
}

struct tcli {
	SSL *ssl;
	int up, failed;
	uint8_t frame[PKT_MAX]; /* last frame the client read */
	size_t flen;
	unsigned int nframes;
};

static uint8_t cli_psk_key[DTLS12_PSK_LEN];

static unsigned int cli_psk_cb(SSL *s, const char *hint, char *identity,
			       unsigned int max_identity_len,
			       unsigned char *psk, unsigned int max_psk_len)
{
	ck_assert_uint_ge(max_identity_len, 4);
	memcpy(identity, "psk", 4);
	memcpy(psk, cli_psk_key, DTLS12_PSK_LEN);
	return DTLS12_PSK_LEN;
}

static void cli_init(struct tcli *c, const char *ciphers, unsigned int link,
		     uint64_t opts)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
	BIO *b = BIO_new(cbio_method());

	memset(c, 0, sizeof(*c));
	ck_assert_ptr_nonnull(ctx);
	ck_assert_ptr_nonnull(b);
	ck_assert(SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION));
	ck_assert(SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION));
	ck_assert_msg(SSL_CTX_set_cipher_list(ctx, ciphers), "client list %s",
		      ciphers);
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | opts);
	SSL_CTX_set_psk_client_callback(ctx, cli_psk_cb);
	c->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);
	ck_assert_ptr_nonnull(c->ssl);
	BIO_set_init(b, 1);
	SSL_set_bio(c->ssl, b, b);
	ck_assert_int_gt(SSL_set_mtu(c->ssl, link), 0);
	SSL_set_connect_state(c->ssl);
}

static const SSL_CIPHER *cipher_by_name(SSL *s, const char *name)
{
	STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(s);
	int i;

	for (i = 0; i < sk_SSL_CIPHER_num(sk); i++)
		if (!strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)),
			    name))
			return sk_SSL_CIPHER_value(sk, i);
	ck_abort_msg("client has no cipher %s", name);
	return NULL;
}

/* What openconnect does: a session that never existed, made from the
 * CSTP headers, offered in the ClientHello. */
static void cli_resume(struct tcli *c, const char *suite, const uint8_t *master,
		       const uint8_t *sid, unsigned int link, uint64_t opts)
{
	SSL_SESSION *s = SSL_SESSION_new();

	cli_init(c, suite, link, opts);
	ck_assert(SSL_SESSION_set1_id(s, sid, DTLS12_ID_LEN));
	ck_assert(SSL_SESSION_set1_master_key(s, master, DTLS12_MASTER_LEN));
	ck_assert(SSL_SESSION_set_cipher(s, cipher_by_name(c->ssl, suite)));
	ck_assert(SSL_SESSION_set_protocol_version(s, DTLS1_2_VERSION));
	ck_assert(SSL_SESSION_set_timeout(s, 3600));
	ck_assert(SSL_set_session(c->ssl, s));
	SSL_SESSION_free(s);
}

static void cli_free(struct tcli *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
}

/* Handshake as far as the queued datagrams allow, then read frames. */
static void cli_step(struct tcli *c)
{
	size_t n;
	int r;

	ERR_clear_error();
	if (!c->failed && !SSL_is_init_finished(c->ssl)) {
		r = SSL_do_handshake(c->ssl);
		if (r == 1)
			c->up = 1;
		else if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ)
			c->failed = 1;
	}
	while (c->up && SSL_read_ex(c->ssl, c->frame, sizeof(c->frame), &n)) {
		c->flen = n;
		c->nframes++;
	}
	ERR_clear_error();
}

/* Moves datagrams both ways until the client has nothing more to say.
 * Returns the OR of the server's events, or its first error. */
static int pump(struct tcli *c, struct dtls12 *d, uint64_t now)
{
	uint8_t pkt[PKT_MAX];
	int ev = 0, rc, i;
	size_t n;

	for (i = 0; i < PUMP_ROUNDS; i++) {
		cli_step(c);
		if (E.to_srv.n == 0)
			return ev;
		while (E.to_srv.n) {
			n = dq_pop(&E.to_srv, pkt);
			if ((rc = dtls12_input(d, pkt, n, now)) < 0)
				return rc;
			ev |= rc;
		}
	}
	ck_abort_msg("pump: no quiet after %d rounds", PUMP_ROUNDS);
	return -100;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_until(uint64_t at)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	while (mono_ms() < at)
		nanosleep(&ts, NULL);
}

/* --- sessions --- */

struct pair {
	struct dtls12 *d;
	struct tcli c;
	uint8_t master[DTLS12_MASTER_LEN];
	uint8_t sid[DTLS12_ID_LEN];
};

static void setup(void)
{
	char err[256];

	memset(&E, 0, sizeof(E));
	X = dtls12_ctx_new(SERVER_LIST, err, sizeof(err));
	ck_assert_msg(X != NULL, "dtls12_ctx_new: %s", err);
	ck_assert_str_eq(err, "");
}

static void teardown(void)
{
	dtls12_ctx_free(X);
	X = NULL;
}

static void new_resume(struct pair *p, const char *suite, unsigned int link,
		       uint64_t cli_opts)
{
	RAND_bytes(p->master, sizeof(p->master));
	RAND_bytes(p->sid, sizeof(p->sid));
	p->d = dtls12_new_resume(X, p->master, p->sid, suite, link, srv_send,
				 srv_frame, &E);
	ck_assert_msg(p->d != NULL, "dtls12_new_resume(%s, %u)", suite, link);
	cli_resume(&p->c, suite, p->master, p->sid, link, cli_opts);
}

static void new_psk(struct pair *p, const char *offer,
		    const uint8_t *cli_key)
{
	uint8_t key[DTLS12_PSK_LEN];

	RAND_bytes(key, sizeof(key));
	memcpy(cli_psk_key, cli_key ? cli_key : key, sizeof(key));
	p->d = dtls12_new_psk(X, key, LINK, srv_send, srv_frame, &E);
	ck_assert_ptr_nonnull(p->d);
	cli_init(&p->c, offer, LINK, 0);
}

static void pair_up(struct pair *p)
{
	int rc = pump(&p->c, p->d, 0);

	ck_assert_msg(rc == DTLS12_EV_ESTABLISHED,
		      "expected EV_ESTABLISHED, got %d (%s)", rc,
		      dtls12_error(p->d));
	ck_assert_int_eq(dtls12_established(p->d), 1);
	ck_assert_int_eq(p->c.up, 1);
	ck_assert_str_eq(dtls12_error(p->d), "");
	ck_assert_uint_eq(dtls12_next_timeout(p->d, 0), UINT64_MAX);
	ck_assert_int_eq(dtls12_timeout(p->d, UINT64_MAX - 1), 0);
	ck_assert_uint_eq(ERR_peek_error(), 0);
}

static void up_resume(struct pair *p, const char *suite, unsigned int link,
		      uint64_t cli_opts)
{
	new_resume(p, suite, link, cli_opts);
	pair_up(p);
	ck_assert_int_eq(SSL_session_reused(p->c.ssl), 1);
}

static void pair_free(struct pair *p)
{
	dtls12_free(p->d);
	cli_free(&p->c);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/* Client -> server: the record's datagram, taken off the queue. */
static size_t cli_record(struct pair *p, const uint8_t *f, size_t len,
			 uint8_t *pkt)
{
	size_t w;

	ck_assert_int_eq(SSL_write_ex(p->c.ssl, f, len, &w), 1);
	ck_assert_uint_eq(w, len);
	ck_assert_uint_eq(E.to_srv.n, 1);
	return dq_pop(&E.to_srv, pkt);
}

static void frame_up(struct pair *p, const uint8_t *f, size_t len)
{
	uint8_t pkt[PKT_MAX];
	size_t n = cli_record(p, f, len, pkt);
	unsigned int before = E.nframes;

	ck_assert_int_eq(dtls12_input(p->d, pkt, n, 10), 0);
	ck_assert_uint_eq(E.nframes, before + 1);
	ck_assert_uint_eq(E.flen[before % NFRAMES], len);
	ck_assert_mem_eq(E.frame[before % NFRAMES], f, len);
}

static void frame_down(struct pair *p, const uint8_t *f, size_t len)
{
	unsigned int before = p->c.nframes;

	ck_assert_int_eq(dtls12_send(p->d, f, len), 0);
	cli_step(&p->c);
	ck_assert_uint_eq(p->c.nframes, before + 1);
	ck_assert_uint_eq(p->c.flen, len);
	ck_assert_mem_eq(p->c.frame, f, len);
}

static void frames_both_ways(struct pair *p)
{
	uint8_t f[1200];
	const struct dtls12_stats *st = dtls12_stats(p->d);
	uint64_t tx = st->tx, rx = st->rx;

	fill(f, sizeof(f), 1);
	f[0] = 0; /* AnyConnect DATA */
	frame_up(p, f, sizeof(f));
	frame_up(p, (const uint8_t *)"\x03", 1); /* DPD-REQ, 1 byte */
	frame_down(p, f, sizeof(f));
	frame_down(p, (const uint8_t *)"\x04", 1);
	ck_assert_uint_eq(st->rx, rx + 2);
	ck_assert_uint_eq(st->tx, tx + 2);
	ck_assert_uint_eq(st->rx_dropped, 0);
}

/* ================= core ================= */

START_TEST(test_resume)
{
	const char *suite = cisco_suites[_i];
	struct pair p;

	new_resume(&p, suite, LINK, 0);
	ck_assert_str_eq(dtls12_cipher(p.d), "");
	cli_step(&p.c); /* ClientHello */
	ck_assert_uint_eq(E.to_srv.n, 1);
	pair_up(&p);
	/* the resumption flight, ServerHello + CCS + Finished, is one
	 * datagram: libssl buffers a flight and flushes it at once */
	ck_assert_uint_eq(E.srv_sent, 1);
	printf("resume %s: server flight %zu bytes\n", suite, E.srv_max);
	ck_assert_int_eq(SSL_session_reused(p.c.ssl), 1);
	ck_assert_str_eq(dtls12_cipher(p.d), suite);
	ck_assert_str_eq(SSL_get_cipher_name(p.c.ssl), suite);
	ck_assert_uint_eq(dtls12_next_timeout(p.d, 5), UINT64_MAX);
	ck_assert_uint_eq(dtls12_stats(p.d)->hs_timeouts, 0);
	frames_both_ways(&p);
	pair_free(&p);
}
END_TEST

static const struct psk_case {
	const char *offer;
	const char *expect;
} psk_cases[] = {
	{ OC_PSK_OFFER, "PSK-AES256-GCM-SHA384" },
	{ "PSK-AES128-GCM-SHA256", "PSK-AES128-GCM-SHA256" },
	{ "PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384",
	  "PSK-AES256-GCM-SHA384" }, /* server preference */
};

START_TEST(test_psk)
{
	const struct psk_case *t = &psk_cases[_i];
	struct pair p;

	new_psk(&p, t->offer, NULL);
	pair_up(&p);
	ck_assert_int_eq(SSL_session_reused(p.c.ssl), 0);
	ck_assert_str_eq(dtls12_cipher(p.d), t->expect);
	ck_assert_uint_eq(dtls12_data_mtu(p.d), 1435);
	/* ServerHello + ServerHelloDone, then CCS + Finished: one datagram
	 * each */
	ck_assert_uint_eq(E.srv_sent, 2);
	frames_both_ways(&p);
	pair_free(&p);
}
END_TEST

/* A client with other keys never produces a record the server can
 * decrypt; DTLS drops those silently, so the failure is the deadline. */
static void expect_no_handshake(struct pair *p)
{
	uint64_t at;
	int rc = pump(&p->c, p->d, 1000);

	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(dtls12_established(p->d), 0);
	ck_assert_int_eq(p->c.up, 0);
	ck_assert_uint_eq(E.nframes, 0);
	at = dtls12_next_timeout(p->d, 1000);
	ck_assert_uint_le(at, 1000 + GIVE_UP_MS);
	ck_assert_int_eq(dtls12_timeout(p->d, 1000 + GIVE_UP_MS - 1), 0);
	ck_assert_int_eq(dtls12_timeout(p->d, 1000 + GIVE_UP_MS),
			 DTLS12_ERR_HANDSHAKE);
	ck_assert_ptr_nonnull(strstr(dtls12_error(p->d), "timed out"));
	ck_assert_uint_eq(ERR_peek_error(), 0);
	/* dead for good */
	ck_assert_int_eq(dtls12_input(p->d, (const uint8_t *)"x", 1, 0),
			 DTLS12_ERR_HANDSHAKE);
	ck_assert_int_eq(dtls12_timeout(p->d, 0), DTLS12_ERR_HANDSHAKE);
	ck_assert_uint_eq(dtls12_next_timeout(p->d, 0), UINT64_MAX);
	ck_assert_int_eq(dtls12_send(p->d, (const uint8_t *)"x", 1),
			 DTLS12_ERR_HANDSHAKE);
}

START_TEST(test_psk_wrong_key)
{
	uint8_t other[DTLS12_PSK_LEN];
	struct pair p;

	RAND_bytes(other, sizeof(other));
	new_psk(&p, OC_PSK_OFFER, other);
	expect_no_handshake(&p);
	pair_free(&p);
}
END_TEST

START_TEST(test_wrong_master)
{
	struct pair p;

	new_resume(&p, cisco_suites[_i], LINK, 0);
	cli_free(&p.c);
	p.master[_i % DTLS12_MASTER_LEN] ^= 0x40;
	cli_resume(&p.c, cisco_suites[_i], p.master, p.sid, LINK, 0);
	expect_no_handshake(&p);
	pair_free(&p);
}
END_TEST

/* A client that does not offer our session gets a full handshake, which
 * has no certificate to work with: refused at once, with an alert. */
START_TEST(test_full_handshake_refused)
{
	struct pair p;
	int rc;

	new_resume(&p, "AES128-GCM-SHA256", LINK, 0);
	cli_free(&p.c);
	if (_i == 0) {
		cli_init(&p.c, "AES128-GCM-SHA256", LINK, 0); /* no session */
	} else {
		p.sid[0] ^= 1; /* a session we never announced */
		cli_resume(&p.c, "AES128-GCM-SHA256", p.master, p.sid, LINK,
			   0);
	}
	rc = pump(&p.c, p.d, 0);
	ck_assert_int_eq(rc, DTLS12_ERR_HANDSHAKE);
	ck_assert_ptr_nonnull(strstr(dtls12_error(p.d), "no shared cipher"));
	ck_assert_uint_eq(E.srv_sent, 1); /* the alert */
	ck_assert_uint_eq(ERR_peek_error(), 0);
	cli_step(&p.c);
	ck_assert_int_eq(p.c.failed, 1);
	ck_assert_int_eq(dtls12_input(p.d, (const uint8_t *)"x", 1, 0),
			 DTLS12_ERR_HANDSHAKE);
	pair_free(&p);
}
END_TEST

/* An anonymous suite lets a full handshake complete without a
 * certificate; the "did it resume" check must catch it. */
START_TEST(test_anon_not_resumed)
{
	char err[256];
	struct dtls12_ctx *anon =
		dtls12_ctx_new("AES128-SHA:AECDH-AES128-SHA:@SECLEVEL=0", err,
			       sizeof(err));
	uint8_t master[48] = { 1 }, sid[32] = { 2 };
	struct tcli c;
	struct dtls12 *d;
	int rc;

	ck_assert_msg(anon != NULL, "%s", err);
	ck_assert_uint_eq(dtls12_suite_id(anon, "AECDH-AES128-SHA"), 0);
	ck_assert_ptr_null(dtls12_new_resume(anon, master, sid,
					     "AECDH-AES128-SHA", LINK,
					     srv_send, srv_frame, &E));
	d = dtls12_new_resume(anon, master, sid, "AES128-SHA", LINK, srv_send,
			      srv_frame, &E);
	ck_assert_ptr_nonnull(d);
	cli_init(&c, "AECDH-AES128-SHA:@SECLEVEL=0", LINK, 0);
	rc = pump(&c, d, 0);
	ck_assert_int_eq(rc, DTLS12_ERR_HANDSHAKE);
	ck_assert_ptr_nonnull(strstr(dtls12_error(d), "did not resume"));
	ck_assert_int_eq(dtls12_established(d), 0);
	ck_assert_str_eq(dtls12_cipher(d), "");
	ck_assert_int_eq(dtls12_send(d, (const uint8_t *)"x", 1),
			 DTLS12_ERR_HANDSHAKE);
	dtls12_free(d);
	cli_free(&c);
	dtls12_ctx_free(anon);
}
END_TEST

/* The server's first flight is lost; its own timer resends it.  The
 * timer is libssl's (wall clock), so this waits about a second. */
START_TEST(test_lost_server_flight)
{
	struct pair p;
	uint64_t now = mono_ms(), at;
	unsigned int first;
	int rc;

	if (_i == 0)
		new_resume(&p, "AES256-GCM-SHA384", LINK, 0);
	else
		new_psk(&p, OC_PSK_OFFER, NULL);
	E.drop_srv = 1;
	ck_assert_int_eq(pump(&p.c, p.d, now), 0);
	E.drop_srv = 0;
	first = E.srv_sent;
	ck_assert_uint_eq(first, 1);
	now = mono_ms(); /* next_timeout maps libssl's clock onto "now" */
	at = dtls12_next_timeout(p.d, now);
	ck_assert_msg(at > now && at <= now + 1000 + 1,
		      "expected a deadline within 1 s of %llu, got %llu",
		      (unsigned long long)now, (unsigned long long)at);
	ck_assert_int_eq(dtls12_timeout(p.d, now), 0);
	ck_assert_uint_eq(E.srv_sent, first); /* not yet */
	sleep_until(at);
	ck_assert_int_eq(dtls12_timeout(p.d, mono_ms()), 0);
	/* a resent flight goes out one message per datagram */
	ck_assert_uint_eq(E.srv_sent, first + (_i == 0 ? 3 : 2));
	ck_assert_uint_eq(dtls12_stats(p.d)->hs_timeouts, 1);
	/* the next resend is 2 s away */
	at = dtls12_next_timeout(p.d, 0);
	ck_assert_msg(at > 1900 && at <= 2001, "next deadline %llu",
		      (unsigned long long)at);
	rc = pump(&p.c, p.d, mono_ms());
	ck_assert_msg(rc == DTLS12_EV_ESTABLISHED, "got %d (%s)", rc,
		      dtls12_error(p.d));
	ck_assert_int_eq(p.c.up, 1);
	ck_assert_uint_eq(dtls12_next_timeout(p.d, 0), UINT64_MAX);
	frames_both_ways(&p);
	pair_free(&p);
}
END_TEST

/* The client's CCS + Finished are lost; the server's resend makes the
 * (already established) client send them again (P1). */
START_TEST(test_lost_client_finished)
{
	struct pair p;
	uint8_t pkt[PKT_MAX];
	size_t n;
	int rc;

	new_resume(&p, cisco_suites[_i ? 4 : 0], LINK, 0);
	cli_step(&p.c);
	while (E.to_srv.n) {
		n = dq_pop(&E.to_srv, pkt);
		ck_assert_int_eq(dtls12_input(p.d, pkt, n, mono_ms()), 0);
	}
	E.drop_cli = 1;
	cli_step(&p.c);
	E.drop_cli = 0;
	ck_assert_int_eq(p.c.up, 1);
	ck_assert_int_eq(dtls12_established(p.d), 0);
	sleep_until(dtls12_next_timeout(p.d, mono_ms()));
	ck_assert_int_eq(dtls12_timeout(p.d, mono_ms()), 0);
	ck_assert_uint_eq(dtls12_stats(p.d)->hs_timeouts, 1);
	rc = pump(&p.c, p.d, mono_ms());
	ck_assert_msg(rc == DTLS12_EV_ESTABLISHED, "got %d (%s)", rc,
		      dtls12_error(p.d));
	frames_both_ways(&p);
	pair_free(&p);
}
END_TEST

START_TEST(test_close_notify)
{
	struct pair p;
	uint8_t pkt[PKT_MAX];
	size_t n;
	int rc;

	if (_i == 0)
		up_resume(&p, "AES128-GCM-SHA256", LINK, 0);
	else {
		new_psk(&p, OC_PSK_OFFER, NULL);
		pair_up(&p);
	}
	frames_both_ways(&p);
	SSL_shutdown(p.c.ssl);
	ck_assert_uint_eq(E.to_srv.n, 1);
	n = dq_pop(&E.to_srv, pkt);
	rc = dtls12_input(p.d, pkt, n, 0);
	ck_assert_int_eq(rc, DTLS12_EV_CLOSED);
	ck_assert_ptr_nonnull(strstr(dtls12_error(p.d), "close_notify"));
	ck_assert_int_eq(dtls12_established(p.d), 0);
	ck_assert_int_eq(dtls12_send(p.d, (const uint8_t *)"x", 1),
			 DTLS12_ERR_STATE);
	ck_assert_int_eq(dtls12_input(p.d, pkt, n, 0), 0);
	ck_assert_int_eq(dtls12_timeout(p.d, 0), 0);
	ck_assert_uint_eq(dtls12_next_timeout(p.d, 0), UINT64_MAX);
	pair_free(&p);
}
END_TEST

/* A client renegotiation is refused (no_renegotiation warning); an
 * OpenSSL client answers that with a fatal alert, which ends the session
 * as EV_CLOSED. */
START_TEST(test_renegotiation_refused)
{
	struct pair p;
	int rc;

	if (_i == 0)
		up_resume(&p, "AES256-GCM-SHA384", LINK, 0);
	else {
		new_psk(&p, OC_PSK_OFFER, NULL);
		pair_up(&p);
	}
	E.srv_sent = 0;
	ck_assert_int_eq(SSL_renegotiate(p.c.ssl), 1);
	rc = pump(&p.c, p.d, 0);
	ck_assert_int_eq(rc, DTLS12_EV_CLOSED);
	ck_assert_uint_eq(E.srv_sent, 1); /* the warning alert only */
	ck_assert_ptr_nonnull(strstr(dtls12_error(p.d), "alert"));
	ck_assert_int_eq(dtls12_established(p.d), 0);
	ck_assert_int_eq(dtls12_send(p.d, (const uint8_t *)"x", 1),
			 DTLS12_ERR_STATE);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	pair_free(&p);
}
END_TEST

/* Two records in one datagram are two frames. */
START_TEST(test_multi_record_datagram)
{
	struct pair p;
	uint8_t a[PKT_MAX], b[PKT_MAX], f1[100], f2[300];
	size_t na, nb;

	up_resume(&p, cisco_suites[_i], LINK, 0);
	fill(f1, sizeof(f1), 3);
	fill(f2, sizeof(f2), 4);
	na = cli_record(&p, f1, sizeof(f1), a);
	nb = cli_record(&p, f2, sizeof(f2), b);
	memcpy(a + na, b, nb);
	ck_assert_int_eq(dtls12_input(p.d, a, na + nb, 0), 0);
	ck_assert_uint_eq(E.nframes, 2);
	ck_assert_uint_eq(E.flen[0], sizeof(f1));
	ck_assert_mem_eq(E.frame[0], f1, sizeof(f1));
	ck_assert_uint_eq(E.flen[1], sizeof(f2));
	ck_assert_mem_eq(E.frame[1], f2, sizeof(f2));
	ck_assert_uint_eq(dtls12_stats(p.d)->rx, 2);
	pair_free(&p);
}
END_TEST

/* The worker answers DPD requests from inside the frame callback. */
START_TEST(test_send_from_frame_callback)
{
	struct pair p;
	uint8_t f[500];
	int i;

	up_resume(&p, "ECDHE-RSA-AES256-GCM-SHA384", LINK, 0);
	E.echo = p.d;
	for (i = 0; i < 10; i++) {
		fill(f, sizeof(f), (unsigned int)i);
		frame_up(&p, f, sizeof(f));
		ck_assert_int_eq(E.echo_rc, 0);
		cli_step(&p.c);
		ck_assert_uint_eq(p.c.nframes, (unsigned int)i + 1);
		ck_assert_mem_eq(p.c.frame, f, sizeof(f));
	}
	ck_assert_uint_eq(dtls12_stats(p.d)->tx, 10);
	pair_free(&p);
}
END_TEST

/* ================= limits ================= */

static const struct suite_case {
	int wide; /* 1: a context built from every suite libssl has */
	const char *name;
	uint16_t id;
} suite_cases[] = {
	{ 0, "AES128-GCM-SHA256", 0x009c },
	{ 0, "AES256-GCM-SHA384", 0x009d },
	{ 0, "ECDHE-RSA-AES128-GCM-SHA256", 0xc02f },
	{ 0, "ECDHE-RSA-AES256-GCM-SHA384", 0xc030 },
	{ 0, "AES128-SHA", 0x002f },
	{ 0, "AES256-SHA", 0x0035 },
	{ 0, "DHE-RSA-AES256-SHA", 0x0039 },
	{ 0, "ECDHE-RSA-CHACHA20-POLY1305", 0xcca8 },
	{ 0, "ECDHE-ECDSA-AES128-GCM-SHA256", 0 }, /* not in the list */
	{ 0, "PSK-AES128-GCM-SHA256", 0 },
	{ 0, "PSK-NEGOTIATE", 0 },
	{ 0, "OC-DTLS1_2-AES128-GCM", 0 },
	{ 0, "garbage", 0 },
	{ 0, "", 0 },
	{ 0, "aes128-sha", 0 },
	{ 0, "AES128-SHA:AES256-SHA", 0 },
	{ 0, "TLS_AES_128_GCM_SHA256", 0 },
	{ 1, "ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02b },
	{ 1, "DHE-RSA-AES128-GCM-SHA256", 0x009e },
	{ 1, "PSK-AES128-GCM-SHA256", 0 },
	{ 1, "PSK-AES256-GCM-SHA384", 0 },
	{ 1, "ECDHE-PSK-AES128-CBC-SHA256", 0 },
	{ 1, "RSA-PSK-AES128-GCM-SHA256", 0 },
	{ 1, "DHE-PSK-AES128-GCM-SHA256", 0 },
	{ 1, "SRP-AES-128-CBC-SHA", 0 },
	{ 1, "AECDH-AES128-SHA", 0 },
	{ 1, "ADH-AES128-GCM-SHA256", 0 },
	{ 1, "NULL-SHA", 0 },
	{ 1, "ECDHE-RSA-NULL-SHA", 0 },
	{ 1, "TLS_AES_128_GCM_SHA256", 0 },
	{ 1, "TLS_AES_256_GCM_SHA384", 0 },
	{ 1, "TLS_CHACHA20_POLY1305_SHA256", 0 },
	{ 1, "garbage", 0 },
};

START_TEST(test_suite_id)
{
	const struct suite_case *t = &suite_cases[_i];
	struct dtls12_ctx *x = X;
	char err[256];
	uint16_t id;

	if (t->wide) {
		x = dtls12_ctx_new("ALL:COMPLEMENTOFALL:@SECLEVEL=0", err,
				   sizeof(err));
		ck_assert_msg(x != NULL, "%s", err);
	}
	id = dtls12_suite_id(x, t->name);
	ck_assert_msg(id == t->id, "%s: expected 0x%04x, got 0x%04x",
		      t->name, t->id, id);
	if (t->wide)
		dtls12_ctx_free(x);
	ck_assert_uint_eq(dtls12_suite_id(X, NULL), 0);
	ck_assert_uint_eq(dtls12_suite_id(NULL, "AES128-SHA"), 0);
}
END_TEST

static const struct ctx_case {
	const char *list;
	const char *err; /* substring, NULL: success */
} ctx_cases[] = {
	{ "AES128-SHA", NULL },
	{ "DEFAULT", NULL },
	{ "PSK", "no suite that can be resumed" },
	{ "aNULL:@SECLEVEL=0", "no suite that can be resumed" },
	{ "NOSUCHSUITE", "selects no suite" },
	{ "TLS_AES_128_GCM_SHA256", "selects no suite" },
	{ "", "selects no suite" },
	{ NULL, "no DTLS 1.2 cipher list" },
};

START_TEST(test_ctx_new)
{
	const struct ctx_case *t = &ctx_cases[_i];
	char err[256] = "stale";
	struct dtls12_ctx *x = dtls12_ctx_new(t->list, err, sizeof(err));

	if (!t->err) {
		ck_assert_ptr_nonnull(x);
		ck_assert_str_eq(err, "");
	} else {
		ck_assert_ptr_null(x);
		ck_assert_msg(strstr(err, t->err) != NULL,
			      "%s: expected '%s' in '%s'", t->list, t->err,
			      err);
	}
	dtls12_ctx_free(x);
	ck_assert_ptr_null(dtls12_ctx_new("NOSUCHSUITE", NULL, 0));
	ck_assert_uint_eq(ERR_peek_error(), 0); /* nothing left behind */
}
END_TEST

static const struct new_case {
	const char *suite;
	unsigned int link;
	int ok;
} new_cases[] = {
	{ "AES128-SHA", LINK, 1 },
	{ "AES128-SHA", 256, 1 },
	{ "AES128-SHA", 65535, 1 },
	{ "AES128-SHA", 255, 0 },
	{ "AES128-SHA", 0, 0 },
	{ "AES128-SHA", 65536, 0 },
	{ "NOSUCH-SUITE", LINK, 0 },
	{ "PSK-AES128-GCM-SHA256", LINK, 0 },
	{ "ECDHE-ECDSA-AES128-GCM-SHA256", LINK, 0 },
	{ "TLS_AES_128_GCM_SHA256", LINK, 0 },
	{ "", LINK, 0 },
	{ NULL, LINK, 0 },
};

START_TEST(test_new_args)
{
	const struct new_case *t = &new_cases[_i];
	uint8_t master[48] = { 0 }, sid[32] = { 0 };
	struct dtls12 *d = dtls12_new_resume(X, master, sid, t->suite, t->link,
					     srv_send, srv_frame, &E);

	ck_assert_msg((d != NULL) == t->ok, "%s at %u: expected %s",
		      t->suite ? t->suite : "(null)", t->link,
		      t->ok ? "an object" : "NULL");
	dtls12_free(d);
	ck_assert_ptr_null(dtls12_new_resume(X, NULL, sid, "AES128-SHA", LINK,
					     srv_send, srv_frame, &E));
	ck_assert_ptr_null(dtls12_new_resume(X, master, NULL, "AES128-SHA",
					     LINK, srv_send, srv_frame, &E));
	ck_assert_ptr_null(dtls12_new_resume(X, master, sid, "AES128-SHA",
					     LINK, NULL, srv_frame, &E));
	ck_assert_ptr_null(dtls12_new_resume(X, master, sid, "AES128-SHA",
					     LINK, srv_send, NULL, &E));
	ck_assert_ptr_null(dtls12_new_resume(NULL, master, sid, "AES128-SHA",
					     LINK, srv_send, srv_frame, &E));
	ck_assert_ptr_null(dtls12_new_psk(NULL, master, LINK, srv_send,
					  srv_frame, &E));
	ck_assert_ptr_null(dtls12_new_psk(X, NULL, LINK, srv_send, srv_frame,
					  &E));
	ck_assert_ptr_null(dtls12_new_psk(X, master, 100, srv_send, srv_frame,
					  &E));
	ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

/* A fresh object: nothing happens until a ClientHello. */
START_TEST(test_object_fresh)
{
	uint8_t master[48] = { 0 }, sid[32] = { 0 };
	struct dtls12 *d = _i ? dtls12_new_psk(X, master, LINK, srv_send,
					       srv_frame, &E)
			      : dtls12_new_resume(X, master, sid, "AES256-SHA",
						  LINK, srv_send, srv_frame,
						  &E);

	dtls12_free(NULL);
	dtls12_ctx_free(NULL);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(dtls12_established(d), 0);
	ck_assert_str_eq(dtls12_cipher(d), "");
	ck_assert_str_eq(dtls12_error(d), "");
	ck_assert_uint_eq(dtls12_next_timeout(d, 0), UINT64_MAX);
	ck_assert_int_eq(dtls12_timeout(d, 100000), 0);
	ck_assert_uint_eq(dtls12_data_mtu(d), _i ? 1435 : 1419);
	ck_assert_int_eq(dtls12_send(d, (const uint8_t *)"x", 1),
			 DTLS12_ERR_STATE);
	ck_assert_int_eq(dtls12_input(d, NULL, 1, 0), DTLS12_ERR_INVAL);
	ck_assert_int_eq(dtls12_input(d, NULL, 0, 0), 0);
	ck_assert_uint_eq(E.srv_sent, 0);
	ck_assert_uint_eq(dtls12_stats(d)->rx_dropped, 0);
	/* junk before the handshake: no answer, no timer, still alive */
	ck_assert_int_eq(dtls12_input(d, (const uint8_t *)"\x17\xfe\xfd", 3, 0),
			 0);
	ck_assert_uint_eq(E.srv_sent, 0);
	ck_assert_uint_eq(dtls12_next_timeout(d, 0), UINT64_MAX);
	dtls12_free(d);
}
END_TEST

/* The handshake deadline runs on the owner's clock from the first
 * flight; libssl's own retransmission deadline comes first. */
START_TEST(test_give_up)
{
	struct pair p;
	uint64_t t0 = 5000000;

	new_resume(&p, "AES128-GCM-SHA256", LINK, 0);
	E.drop_srv = 1;
	ck_assert_int_eq(pump(&p.c, p.d, t0), 0);
	ck_assert_uint_le(dtls12_next_timeout(p.d, t0), t0 + 1000);
	ck_assert_uint_eq(dtls12_next_timeout(p.d, t0 + GIVE_UP_MS - 10),
			  t0 + GIVE_UP_MS);
	ck_assert_int_eq(dtls12_timeout(p.d, t0 + GIVE_UP_MS - 1), 0);
	ck_assert_int_eq(dtls12_established(p.d), 0);
	ck_assert_int_eq(dtls12_timeout(p.d, t0 + GIVE_UP_MS),
			 DTLS12_ERR_HANDSHAKE);
	ck_assert_int_eq(dtls12_timeout(p.d, t0 + GIVE_UP_MS + 1),
			 DTLS12_ERR_HANDSHAKE);
	pair_free(&p);
}
END_TEST

static size_t forge(uint8_t *pkt, const uint8_t *rnd, size_t len, int shaped)
{
	memcpy(pkt, rnd, len);
	if (shaped && len >= 13) { /* a plausible epoch-1 data record */
		pkt[0] = 23;
		pkt[1] = 0xfe;
		pkt[2] = 0xfd;
		pkt[3] = 0;
		pkt[4] = 1;
		pkt[11] = (uint8_t)((len - 13) >> 8);
		pkt[12] = (uint8_t)(len - 13);
	}
	return len;
}

/* Random datagrams at an established session: each one dropped and
 * counted, no frame, and the session keeps working. */
START_TEST(test_garbage)
{
	static uint8_t rnd[2000];
	struct pair p;
	uint8_t pkt[PKT_MAX];
	size_t len;
	int i;

	up_resume(&p, cisco_suites[_i], LINK, 0);
	for (i = 0; i < 2000; i++) {
		RAND_bytes(rnd, sizeof(rnd));
		len = 1 + (size_t)(rnd[0] | rnd[1] << 8) % 1600;
		len = forge(pkt, rnd + 2, len, i % 2);
		ck_assert_int_eq(dtls12_input(p.d, pkt, len, 0), 0);
		/* the thread's error queue is the CSTP session's too */
		ck_assert_uint_eq(ERR_peek_error(), 0);
	}
	ck_assert_uint_eq(E.nframes, 0);
	ck_assert_uint_eq(E.srv_sent, 1); /* never answered */
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, 2000);
	ck_assert_int_eq(dtls12_established(p.d), 1);
	frame_up(&p, (const uint8_t *)"\0still-up", 9);
	frame_down(&p, (const uint8_t *)"\0still-up", 9);
	pair_free(&p);
}
END_TEST

/* Every record body from 0 to 80 bytes in every content type at the
 * current epoch, with random contents: the short ones are no ciphertext
 * the suite can produce.  libssl 3.0.17-3.0.20 (Debian 12 until its
 * 3.0.22 update) ends the session on an AEAD record shorter than nonce +
 * tag; each must be dropped and counted and the session keep working
 * (tests/unit/libssl-compat.sh runs this against those libraries). */
START_TEST(test_short_records)
{
	uint8_t pkt[13 + 80];
	struct pair p;
	unsigned int body, type, n = 0;

	up_resume(&p, cisco_suites[_i], LINK, 0);
	for (body = 0; body <= 80; body++)
		for (type = 20; type <= 23; type++, n++) {
			RAND_bytes(pkt, sizeof(pkt));
			pkt[0] = (uint8_t)type;
			pkt[1] = 0xfe;
			pkt[2] = 0xfd;
			pkt[3] = 0;
			pkt[4] = 1;
			pkt[11] = 0;
			pkt[12] = (uint8_t)body;
			ck_assert_msg(dtls12_input(p.d, pkt, 13 + body, 0) == 0,
				      "type %u body %u: %s", type, body,
				      dtls12_error(p.d));
			ck_assert_uint_eq(ERR_peek_error(), 0);
		}
	ck_assert_uint_eq(E.nframes, 0);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, n);
	frame_up(&p, (const uint8_t *)"\0still-up", 9);
	frame_down(&p, (const uint8_t *)"\0still-up", 9);
	pair_free(&p);
}
END_TEST

/* Records around libssl's size limits (16384 + 256 and the end of its
 * read buffer), in every epoch and content type, and a maximal UDP
 * datagram: its record layer has fatal paths for oversized records, and
 * none of these may reach them. */
START_TEST(test_oversize)
{
	static uint8_t big[65507];
	struct pair p;
	unsigned int rl, epoch, type, n = 0;

	up_resume(&p, cisco_suites[_i ? 4 : 0], LINK, 0);
	for (rl = 16300; rl < 16800; rl += 3)
		for (epoch = 0; epoch < 3; epoch++)
			for (type = 20; type <= 23; type++, n++) {
				RAND_bytes(big, (int)rl + 13);
				big[0] = (uint8_t)type;
				big[1] = 0xfe;
				big[2] = 0xfd;
				big[3] = 0;
				big[4] = (uint8_t)epoch;
				big[11] = (uint8_t)(rl >> 8);
				big[12] = (uint8_t)rl;
				ck_assert_int_eq(
					dtls12_input(p.d, big, rl + 13, 0), 0);
			}
	RAND_bytes(big, sizeof(big));
	memcpy(big, "\x17\xfe\xfd\x00\x01", 5);
	big[11] = 0xff;
	big[12] = 0xf2;
	ck_assert_int_eq(dtls12_input(p.d, big, sizeof(big), 0), 0);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, n + 1);
	ck_assert_uint_eq(E.nframes, 0);
	frame_up(&p, (const uint8_t *)"\0still-up", 9);
	pair_free(&p);
}
END_TEST

START_TEST(test_replay)
{
	struct pair p;
	uint8_t old[PKT_MAX], pkt[PKT_MAX];
	size_t nold, n;
	int i;

	up_resume(&p, cisco_suites[_i], LINK, 0);
	nold = cli_record(&p, (const uint8_t *)"\0first", 6, old);
	ck_assert_int_eq(dtls12_input(p.d, old, nold, 0), 0);
	ck_assert_uint_eq(E.nframes, 1);
	ck_assert_int_eq(dtls12_input(p.d, old, nold, 0), 0);
	ck_assert_uint_eq(E.nframes, 1);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, 1);
	for (i = 0; i < 10; i++) {
		n = cli_record(&p, (const uint8_t *)"\0next", 5, pkt);
		ck_assert_int_eq(dtls12_input(p.d, pkt, n, 0), 0);
	}
	ck_assert_uint_eq(E.nframes, 11);
	/* the newest and the oldest again, both inside the window */
	ck_assert_int_eq(dtls12_input(p.d, pkt, n, 0), 0);
	ck_assert_int_eq(dtls12_input(p.d, old, nold, 0), 0);
	ck_assert_uint_eq(E.nframes, 11);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, 3);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx, 11);
	frame_up(&p, (const uint8_t *)"\0after", 6);
	pair_free(&p);
}
END_TEST

/* Damage to one data record (67 bytes with GCM, 13 + 8 + 30 + 16). */
static const struct trunc_case {
	const char *what;
	long cut;      /* > 0: keep this many bytes; < 0: drop this many */
	int len_delta; /* added to the record length field */
	int flip;      /* xor 1 into this byte when >= 0 */
} trunc_cases[] = {
	{ "1 byte", 1, 0, -1 },
	{ "12-byte header", 12, 0, -1 },
	{ "header only", 13, 0, -1 },
	{ "header and nonce", 21, 0, -1 },
	{ "tag cut by one", -1, 0, -1 },
	{ "tag missing", -16, 0, -1 },
	{ "length beyond datagram", 0, 1, -1 },
	{ "length one short", 0, -1, -1 },
	{ "length zero", 0, -54, -1 },
	{ "ciphertext bit", 0, 0, 30 },
	{ "tag bit", 0, 0, 60 },
	{ "sequence bit", 0, 0, 10 },
	{ "epoch 2", 0, 0, 3 }, /* byte 3 is epoch high: 0x0101 */
	{ "record version", 0, 0, 2 },
	{ "content type", 0, 0, 0 },
};

START_TEST(test_truncated)
{
	const struct trunc_case *t = &trunc_cases[_i];
	struct pair p;
	uint8_t pkt[PKT_MAX], f[30];
	size_t n;
	unsigned int len;

	up_resume(&p, "AES128-GCM-SHA256", LINK, 0);
	fill(f, sizeof(f), 9);
	n = cli_record(&p, f, sizeof(f), pkt);
	ck_assert_uint_eq(n, 67);
	len = (unsigned int)(pkt[11] << 8 | pkt[12]);
	len += (unsigned int)t->len_delta;
	pkt[11] = (uint8_t)(len >> 8);
	pkt[12] = (uint8_t)len;
	if (t->flip >= 0)
		pkt[t->flip] ^= 1;
	if (t->cut > 0)
		n = (size_t)t->cut;
	else if (t->cut < 0)
		n -= (size_t)-t->cut;
	ck_assert_int_eq(dtls12_input(p.d, pkt, n, 0), 0);
	ck_assert_msg(E.nframes == 0, "%s: frame delivered", t->what);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, 1);
	ck_assert_int_eq(dtls12_established(p.d), 1);
	frame_up(&p, f, sizeof(f));
	pair_free(&p);
}
END_TEST

START_TEST(test_send_limits)
{
	static uint8_t big[20000];
	struct pair p;
	size_t mtu;

	new_resume(&p, cisco_suites[_i], LINK, 0);
	ck_assert_int_eq(dtls12_send(p.d, big, 10), DTLS12_ERR_STATE);
	pair_up(&p);
	mtu = dtls12_data_mtu(p.d);
	fill(big, sizeof(big), 5);
	ck_assert_int_eq(dtls12_send(p.d, big, mtu + 1), DTLS12_ERR_INVAL);
	ck_assert_int_eq(dtls12_send(p.d, big, sizeof(big)), DTLS12_ERR_INVAL);
	ck_assert_int_eq(dtls12_send(p.d, big, 0), DTLS12_ERR_INVAL);
	ck_assert_int_eq(dtls12_send(p.d, NULL, 10), DTLS12_ERR_INVAL);
	ck_assert_uint_eq(dtls12_stats(p.d)->tx, 0);
	E.srv_max = 0;
	frame_down(&p, big, mtu); /* the largest frame fits the link */
	ck_assert_uint_le(E.srv_max, LINK);
	ck_assert_uint_ge(E.srv_max, LINK - 15);
	ck_assert_int_eq(dtls12_established(p.d), 1);
	pair_free(&p);
}
END_TEST

/* Data MTU of real sessions against dtls12_data_mtu_for, at several
 * link MTUs.  The server refuses encrypt-then-MAC, so a client offering
 * it (OpenSSL) and one that does not (GnuTLS) get the same CBC layout:
 * 1419 at 1472 for AES-SHA1, not the 1407 an EtM session would give. */
static const struct mtu_suite {
	const char *suite;
	size_t at1472;
} mtu_suites[] = {
	{ "AES128-GCM-SHA256", 1435 },
	{ "AES256-GCM-SHA384", 1435 },
	{ "ECDHE-RSA-AES128-GCM-SHA256", 1435 },
	{ "ECDHE-RSA-AES256-GCM-SHA384", 1435 },
	{ "AES256-SHA", 1419 },
	{ "AES128-SHA", 1419 },
	{ "ECDHE-RSA-CHACHA20-POLY1305", 1443 },
	{ "AES128-SHA256", 1407 },
	{ "ECDHE-RSA-AES256-SHA384", 1391 },
};

static const unsigned int mtu_links[] = { 1472, 1400, 1300, 1484, 1500,
					  576,	300,  256,  9000 };

static size_t real_data_mtu(const char *suite, unsigned int link,
			    uint64_t cli_opts)
{
	struct pair p;
	size_t m;

	memset(&E, 0, sizeof(E));
	up_resume(&p, suite, link, cli_opts);
	m = dtls12_data_mtu(p.d);
	/* what the client's libssl computes for the same session */
	ck_assert_uint_eq(m, DTLS_get_data_mtu(p.c.ssl));
	pair_free(&p);
	return m;
}

START_TEST(test_data_mtu)
{
	const struct mtu_suite *t = &mtu_suites[_i];
	size_t etm, mte, f;
	unsigned int k, link;

	for (k = 0; k < NELEM(mtu_links); k++) {
		link = mtu_links[k];
		etm = real_data_mtu(t->suite, link, 0);
		mte = real_data_mtu(t->suite, link, SSL_OP_NO_ENCRYPT_THEN_MAC);
		f = dtls12_data_mtu_for(t->suite, link);
		ck_assert_msg(etm == mte && f == mte,
			      "%s at %u: real %zu (EtM offered) / %zu (not "
			      "offered), _for %zu",
			      t->suite, link, etm, mte, f);
		if (link == 1472)
			ck_assert_uint_eq(f, t->at1472);
	}
}
END_TEST

static const struct mtu_for_case {
	const char *suite;
	unsigned int link;
	size_t mtu;
} mtu_for_cases[] = {
	{ "AES128-GCM-SHA256", 1472, 1435 },
	{ "ECDHE-RSA-AES256-GCM-SHA384", 1472, 1435 },
	{ "PSK-AES256-GCM-SHA384", 1472, 1435 },
	{ "ECDHE-RSA-CHACHA20-POLY1305", 1472, 1443 },
	{ "AES256-SHA", 1472, 1419 },
	{ "DHE-RSA-AES128-SHA", 1472, 1419 },
	{ "AES256-SHA256", 1472, 1407 },
	{ "ECDHE-RSA-AES256-SHA384", 1472, 1391 },
	{ "ECDHE-ECDSA-AES128-CCM8", 1472, 1443 },
	{ "AES128-GCM-SHA256", 37, 0 },
	{ "AES128-GCM-SHA256", 38, 1 },
	{ "AES128-GCM-SHA256", 0, 0 },
	{ "AES128-SHA", 60, 0 },
	{ "AES128-SHA", 61, 11 },
	{ "AES128-SHA", 65535, 16384 },
	{ "AES128-GCM-SHA256", 65535, 16384 },
	{ "garbage", 1472, 0 },
	{ "", 1472, 0 },
	{ "XAES128-SHA", 1472, 0 },
	{ "TLS_AES_128_GCM_SHA256", 1472, 0 },
	{ "DES-CBC3-SHA", 1472, 0 },
	{ NULL, 1472, 0 },
};

START_TEST(test_data_mtu_for)
{
	const struct mtu_for_case *t = &mtu_for_cases[_i];
	size_t m = dtls12_data_mtu_for(t->suite, t->link);

	ck_assert_msg(m == t->mtu, "%s at %u: expected %zu, got %zu",
		      t->suite ? t->suite : "(null)", t->link, t->mtu, m);
}
END_TEST

/* --- the CSTP side: a self-signed server for TLS 1.2 / 1.3 --- */

static void make_cert(EVP_PKEY **key, X509 **crt)
{
	X509 *x = X509_new();
	X509_NAME *n;

	*key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(*key);
	ck_assert_ptr_nonnull(x);
	ck_assert(X509_set_version(x, 2));
	ck_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), 1));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	ck_assert(X509_set_pubkey(x, *key));
	n = X509_get_subject_name(x);
	ck_assert(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
					     (const unsigned char *)"dtls12",
					     -1, -1, 0));
	ck_assert(X509_set_issuer_name(x, n));
	ck_assert(X509_sign(x, *key, EVP_sha256()));
	*crt = x;
}

static SSL *tls_end(int server, int version, EVP_PKEY *key, X509 *crt)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method()
					  : TLS_client_method());
	SSL *s;

	ck_assert_ptr_nonnull(ctx);
	ck_assert(SSL_CTX_set_min_proto_version(ctx, version));
	ck_assert(SSL_CTX_set_max_proto_version(ctx, version));
	if (server) {
		ck_assert(SSL_CTX_use_certificate(ctx, crt));
		ck_assert(SSL_CTX_use_PrivateKey(ctx, key));
	}
	s = SSL_new(ctx);
	SSL_CTX_free(ctx);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_psk_from_tls)
{
	static const char label[] = "EXPORTER-openconnect-psk";
	int version = _i ? TLS1_3_VERSION : TLS1_2_VERSION;
	uint8_t a[DTLS12_PSK_LEN], b[DTLS12_PSK_LEN], c[DTLS12_PSK_LEN];
	uint8_t zero[DTLS12_PSK_LEN] = { 0 };
	EVP_PKEY *key;
	X509 *crt;
	SSL *srv, *cli;
	BIO *bs, *bc;
	int i, rs = 0, rc = 0;

	make_cert(&key, &crt);
	srv = tls_end(1, version, key, crt);
	cli = tls_end(0, version, NULL, NULL);
	ck_assert_int_eq(dtls12_psk_from_tls(cli, a), -1); /* no session yet */
	ck_assert_mem_eq(a, zero, sizeof(a));
	ck_assert(BIO_new_bio_pair(&bs, 0, &bc, 0));
	SSL_set_bio(srv, bs, bs);
	SSL_set_bio(cli, bc, bc);
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	for (i = 0; i < 20 && (rs != 1 || rc != 1); i++) {
		rc = SSL_do_handshake(cli);
		rs = SSL_do_handshake(srv);
	}
	ck_assert_int_eq(rs, 1);
	ck_assert_int_eq(rc, 1);
	ck_assert_int_eq(SSL_version(srv), version);
	ck_assert_int_eq(dtls12_psk_from_tls(srv, a), 0);
	ck_assert_int_eq(dtls12_psk_from_tls(cli, b), 0);
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert(memcmp(a, zero, sizeof(a)) != 0);
	/* the label openconnect uses, no context (not an empty one) */
	ck_assert_int_eq(SSL_export_keying_material(cli, c, sizeof(c), label,
						    strlen(label), NULL, 0, 0),
			 1);
	ck_assert_mem_eq(a, c, sizeof(a));
	ck_assert_int_eq(SSL_export_keying_material(cli, c, sizeof(c), label,
						    strlen(label), NULL, 0, 1),
			 1);
	if (version == TLS1_2_VERSION) /* 1.3 hashes an absent context too */
		ck_assert(memcmp(a, c, sizeof(a)) != 0);
	ck_assert_int_eq(dtls12_psk_from_tls(NULL, a), -1);
	SSL_free(srv);
	SSL_free(cli);
	X509_free(crt);
	EVP_PKEY_free(key);
}
END_TEST

/* The AEAD data path allocates nothing per record, in or out.  (CBC
 * suites do: libssl 3.0 copies an EVP_MD_CTX per record for the MAC.) */
static const struct alloc_case {
	const char *suite; /* NULL: PSK */
	int must_be_zero;
} alloc_cases[] = {
	{ "AES128-GCM-SHA256", 1 },
	{ "ECDHE-RSA-AES256-GCM-SHA384", 1 },
	{ NULL, 1 },
	{ "AES256-SHA", 0 },
};

START_TEST(test_no_alloc)
{
	const struct alloc_case *t = &alloc_cases[_i];
	static uint8_t pkts[100][1600];
	size_t lens[100];
	struct pair p;
	uint8_t f[1400];
	unsigned long before, used;
	int i;

	if (t->suite)
		up_resume(&p, t->suite, LINK, 0);
	else {
		new_psk(&p, OC_PSK_OFFER, NULL);
		pair_up(&p);
	}
	fill(f, sizeof(f), 3);
	for (i = 0; i < 100; i++)
		lens[i] = cli_record(&p, f, sizeof(f), pkts[i]);
	ck_assert_int_eq(dtls12_input(p.d, pkts[0], lens[0], 0), 0);
	/* what is counted below is our record layer for AES-GCM, libssl's
	 * for CBC */
	ck_assert_int_eq(dtls12_own_records(p.d), t->must_be_zero);
	ck_assert_int_eq(dtls12_send(p.d, f, sizeof(f)), 0);
	E.to_cli.n = 0;
	before = n_alloc;
	for (i = 1; i < 100; i++) {
		ck_assert_int_eq(dtls12_input(p.d, pkts[i], lens[i], 0), 0);
		ck_assert_int_eq(dtls12_send(p.d, f, sizeof(f)), 0);
		E.to_cli.n = 0;
	}
	used = n_alloc - before;
	ck_assert_uint_eq(E.nframes, 100);
	printf("no_alloc %s: %lu allocations for 99 records each way\n",
	       t->suite ? t->suite : "PSK", used);
	if (t->must_be_zero)
		ck_assert_msg(used == 0, "expected 0 allocations, got %lu",
			      used);
	pair_free(&p);
}
END_TEST


/* ================= our record layer ================= */

static uint64_t hdr_seq(const uint8_t *h)
{
	uint64_t v = 0;
	int i;

	for (i = 5; i < 11; i++)
		v = v << 8 | h[i];
	return v;
}

/* Which sessions hand over to our record layer, and when. */
static const struct own_case {
	const char *suite; /* NULL: PSK-NEGOTIATE with openconnect's offer */
	int own;	   /* on our record layer once a frame went up */
} own_cases[] = {
	{ "AES128-GCM-SHA256", 1 },
	{ "AES256-GCM-SHA384", 1 },
	{ "ECDHE-RSA-AES256-GCM-SHA384", 1 },
	{ NULL, 1 },
	{ "AES256-SHA", 0 },
	{ "ECDHE-RSA-CHACHA20-POLY1305", 0 },
};

static void own_up(struct pair *p, const struct own_case *t)
{
	if (t->suite)
		up_resume(p, t->suite, LINK, 0);
	else {
		new_psk(p, OC_PSK_OFFER, NULL);
		pair_up(p);
	}
}

/* A resumption hands over when it completes; PSK (our Finished is the
 * last flight) at the client's first record.  Records then go both ways
 * between our layer and the libssl client, in sequence after libssl's
 * own epoch-1 records (the client's replay window would drop a reused
 * number), and the cipher and data MTU stay what libssl said. */
START_TEST(test_own_handover)
{
	const struct own_case *t = &own_cases[_i];
	struct pair p;
	uint64_t last;
	size_t mtu;
	char cipher[64];

	own_up(&p, t);
	ck_assert_int_eq(dtls12_own_records(p.d), t->suite ? t->own : 0);
	snprintf(cipher, sizeof(cipher), "%s", dtls12_cipher(p.d));
	mtu = dtls12_data_mtu(p.d);
	/* the server's last handshake record is its Finished, epoch 1 */
	ck_assert_uint_eq(E.srv_hdr[3] << 8 | E.srv_hdr[4], 1);
	last = hdr_seq(E.srv_hdr);
	frames_both_ways(&p);
	ck_assert_int_eq(dtls12_own_records(p.d), t->own);
	ck_assert_str_eq(dtls12_cipher(p.d), cipher);
	ck_assert_uint_eq(dtls12_data_mtu(p.d), mtu);
	ck_assert_uint_eq(E.srv_hdr[3] << 8 | E.srv_hdr[4], 1);
	ck_assert_uint_eq(hdr_seq(E.srv_hdr), last + 2);
	ck_assert_uint_eq(dtls12_next_timeout(p.d, 0), UINT64_MAX);
	ck_assert_int_eq(dtls12_timeout(p.d, UINT64_MAX - 1), 0);
	dtls12_rest(p.d, 1); /* no-op on our layer */
	frames_both_ways(&p);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	pair_free(&p);
}
END_TEST

/* PSK without a client record: handed over by the first datagram 5 s
 * after the handshake (here a copy of the client's Finished flight,
 * which libssl answers before it goes). */
START_TEST(test_own_psk_quiet)
{
	struct pair p;
	uint8_t fin[PKT_MAX];
	size_t n = 0;
	int i;

	new_psk(&p, OC_PSK_OFFER, NULL);
	for (i = 0; i < PUMP_ROUNDS && !p.c.up; i++) {
		cli_step(&p.c);
		while (E.to_srv.n) {
			n = dq_pop(&E.to_srv, fin);
			ck_assert_int_ge(dtls12_input(p.d, fin, n, 1000), 0);
		}
	}
	cli_step(&p.c);
	ck_assert_int_eq(dtls12_established(p.d), 1);
	ck_assert_int_eq(dtls12_own_records(p.d), 0);
	ck_assert_int_eq(dtls12_input(p.d, fin, n, 1000 + 4999), 0);
	ck_assert_int_eq(dtls12_own_records(p.d), 0);
	ck_assert_int_eq(dtls12_input(p.d, fin, n, 1000 + 5000), 0);
	ck_assert_int_eq(dtls12_own_records(p.d), 1);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, 2);
	E.to_cli.n = 0; /* libssl's resent flights */
	frame_up(&p, (const uint8_t *)"\0up", 3);
	frame_down(&p, (const uint8_t *)"\0down", 5);
	pair_free(&p);
}
END_TEST

/* Copies of records libssl delivered before the handover, of the client's
 * Finished, and of records ours delivered, are dropped; so is a record
 * older than the 64-record window, while a late one inside it comes
 * through once. */
START_TEST(test_own_replay)
{
	static uint8_t pkts[80][PKT_MAX];
	size_t lens[80];
	struct pair p;
	uint8_t first[PKT_MAX];
	size_t nfirst;
	unsigned int got, sent;
	int i;

	new_psk(&p, OC_PSK_OFFER, NULL);
	pair_up(&p);
	sent = E.srv_sent;
	nfirst = cli_record(&p, (const uint8_t *)"\0first", 6, first);
	ck_assert_int_eq(dtls12_input(p.d, first, nfirst, 0), 0);
	ck_assert_int_eq(dtls12_own_records(p.d), 1);
	ck_assert_uint_eq(E.nframes, 1);
	ck_assert_int_eq(dtls12_input(p.d, first, nfirst, 0), 0);
	ck_assert_uint_eq(E.nframes, 1);
	for (i = 0; i < 80; i++)
		lens[i] = cli_record(&p, (const uint8_t *)"\0n", 2, pkts[i]);
	/* newest first: 79 is the top, 15 is 64 behind, 16 is 63 behind */
	ck_assert_int_eq(dtls12_input(p.d, pkts[79], lens[79], 0), 0);
	ck_assert_int_eq(dtls12_input(p.d, pkts[15], lens[15], 0), 0);
	got = E.nframes;
	ck_assert_uint_eq(got, 2);
	ck_assert_int_eq(dtls12_input(p.d, pkts[16], lens[16], 0), 0);
	ck_assert_int_eq(dtls12_input(p.d, pkts[16], lens[16], 0), 0);
	ck_assert_int_eq(dtls12_input(p.d, pkts[79], lens[79], 0), 0);
	ck_assert_uint_eq(E.nframes, 3);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, 4);
	ck_assert_uint_eq(E.srv_sent, sent); /* never answered */
	pair_free(&p);
}
END_TEST

/* A record whose tag does not verify, or whose header (AAD) was changed,
 * is dropped without a mark in the window: the genuine copy that comes
 * next is delivered. */
START_TEST(test_own_bad_tag)
{
	static const int flips[] = { 0, 4, 10, 12, 13, 21, 40, 66 };
	struct pair p;
	uint8_t pkt[PKT_MAX], bad[PKT_MAX];
	size_t n;
	unsigned int i;

	up_resume(&p, "AES128-GCM-SHA256", LINK, 0);
	ck_assert_int_eq(dtls12_own_records(p.d), 1);
	n = cli_record(&p, (const uint8_t *)"0123456789abcdefghijklmnopqrs", 30,
		       pkt);
	ck_assert_uint_eq(n, 67);
	for (i = 0; i < NELEM(flips); i++) {
		memcpy(bad, pkt, n);
		bad[flips[i]] ^= 0x40;
		ck_assert_int_eq(dtls12_input(p.d, bad, n, 0), 0);
	}
	ck_assert_uint_eq(E.nframes, 0);
	ck_assert_uint_eq(dtls12_stats(p.d)->rx_dropped, NELEM(flips));
	ck_assert_int_eq(dtls12_input(p.d, pkt, n, 0), 0);
	ck_assert_uint_eq(E.nframes, 1);
	ck_assert_mem_eq(E.frame[0], "0123456789abcdefghijklmnopqrs", 30);
	pair_free(&p);
}
END_TEST

/* close_notify both ways on our layer: the client's ends the session;
 * ours (dtls12_close) reaches the libssl client as a clean shutdown. */
START_TEST(test_own_close)
{
	const struct own_case *t = &own_cases[_i];
	struct pair p;
	uint8_t buf[64];
	size_t n;
	int r;

	own_up(&p, t);
	frames_both_ways(&p);
	ck_assert_int_eq(dtls12_own_records(p.d), t->own);
	ck_assert_int_eq(dtls12_close(p.d), 0);
	ck_assert_int_eq(dtls12_established(p.d), 0);
	ck_assert_int_eq(dtls12_send(p.d, (const uint8_t *)"x", 1),
			 DTLS12_ERR_STATE);
	ck_assert_int_eq(dtls12_close(p.d), DTLS12_ERR_STATE);
	ck_assert_uint_eq(E.to_cli.n, 1);
	r = SSL_read_ex(p.c.ssl, buf, sizeof(buf), &n);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(SSL_get_error(p.c.ssl, r), SSL_ERROR_ZERO_RETURN);
	ck_assert(SSL_get_shutdown(p.c.ssl) & SSL_RECEIVED_SHUTDOWN);
	ERR_clear_error();
	pair_free(&p);
}
END_TEST

static Suite *dtls12_suite(void)
{
	Suite *s = suite_create("dtls12");
	TCase *core = tcase_create("core"), *lim = tcase_create("limits");
	TCase *own = tcase_create("own records");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_set_timeout(core, 60);
	tcase_add_loop_test(core, test_resume, 0, NELEM(cisco_suites));
	tcase_add_loop_test(core, test_psk, 0, NELEM(psk_cases));
	tcase_add_test(core, test_psk_wrong_key);
	tcase_add_loop_test(core, test_wrong_master, 0, NELEM(cisco_suites));
	tcase_add_loop_test(core, test_full_handshake_refused, 0, 2);
	tcase_add_test(core, test_anon_not_resumed);
	tcase_add_loop_test(core, test_lost_server_flight, 0, 2);
	tcase_add_loop_test(core, test_lost_client_finished, 0, 2);
	tcase_add_loop_test(core, test_close_notify, 0, 2);
	tcase_add_loop_test(core, test_renegotiation_refused, 0, 2);
	tcase_add_loop_test(core, test_multi_record_datagram, 0,
			    NELEM(cisco_suites));
	tcase_add_test(core, test_send_from_frame_callback);
	suite_add_tcase(s, core);

	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_set_timeout(lim, 120);
	tcase_add_loop_test(lim, test_suite_id, 0, NELEM(suite_cases));
	tcase_add_loop_test(lim, test_ctx_new, 0, NELEM(ctx_cases));
	tcase_add_loop_test(lim, test_new_args, 0, NELEM(new_cases));
	tcase_add_loop_test(lim, test_object_fresh, 0, 2);
	tcase_add_test(lim, test_give_up);
	tcase_add_loop_test(lim, test_garbage, 0, NELEM(cisco_suites));
	tcase_add_loop_test(lim, test_short_records, 0, NELEM(cisco_suites));
	tcase_add_loop_test(lim, test_oversize, 0, 2);
	tcase_add_loop_test(lim, test_replay, 0, NELEM(cisco_suites));
	tcase_add_loop_test(lim, test_truncated, 0, NELEM(trunc_cases));
	tcase_add_loop_test(lim, test_send_limits, 0, NELEM(cisco_suites));
	tcase_add_loop_test(lim, test_data_mtu, 0, NELEM(mtu_suites));
	tcase_add_loop_test(lim, test_data_mtu_for, 0, NELEM(mtu_for_cases));
	tcase_add_loop_test(lim, test_psk_from_tls, 0, 2);
	tcase_add_loop_test(lim, test_no_alloc, 0, NELEM(alloc_cases));
	tcase_add_loop_test(own, test_own_handover, 0, NELEM(own_cases));
	tcase_add_test(own, test_own_psk_quiet);
	tcase_add_test(own, test_own_replay);
	tcase_add_test(own, test_own_bad_tag);
	tcase_add_loop_test(own, test_own_close, 0, NELEM(own_cases));
	suite_add_tcase(s, lim);
	tcase_add_checked_fixture(own, setup, teardown);
	suite_add_tcase(s, own);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	/* before libcrypto allocates anything: test_no_alloc counts */
	CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
	printf("libssl: %s\n", OpenSSL_version(OPENSSL_VERSION));
	sr = srunner_create(dtls12_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
