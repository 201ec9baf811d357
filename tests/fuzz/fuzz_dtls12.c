/* libFuzzer target: the DTLS 1.2 server (src/tls/dtls12.c dtls12_input)
 * on datagrams from a client, driven through real handshakes.
 *
 * A libssl DTLS 1.2 client in the target holds the session's secret, as
 * openconnect does: the PSK-NEGOTIATE key, or the master secret and
 * session id of the Cisco fake resumption (byte 0 of the input picks the
 * mode and suite).  The rest of the input is a program of operations on
 * the datagrams between them:
 *   0 the client steps its handshake   1 deliver its next datagram
 *   2 deliver it with one bit flipped  3 lose it
 *   4 a raw datagram from the input    5 the client sends a frame
 *   6 deliver the last one again       7 time passes (server timer)
 *   8 the server's datagrams are lost  9 the client closes
 *  10 deliver everything queued
 * Checks: results are event bits or an error of the enum; once dead, the
 * server keeps returning the same error; frames arrive only on an
 * established session and are exactly frames the client sent (a flipped
 * bit or a replay never comes out as data).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "sslvpnd/dtls12.h"
#include "fuzz.h"

enum { QCAP = 32, PKT_MAX = 2048, LINK = 1400, OPS_MAX = 200, FRAME_MAX = 1300 };

struct dq {
	uint8_t pkt[QCAP][PKT_MAX];
	size_t len[QCAP];
	unsigned head, n;
};

static struct env {
	struct dq to_srv, to_cli;
	uint8_t last[PKT_MAX]; /* last datagram delivered to the server */
	size_t last_len;
	/* every frame the client sent (a late datagram may carry any) */
	uint8_t sent[OPS_MAX][FRAME_MAX];
	size_t sent_len[OPS_MAX];
	unsigned nsent;
	struct dtls12 *d;
	int dead; /* the server's error once it died */
	int up;	  /* client handshake done */
} E;

static const uint8_t psk[DTLS12_PSK_LEN] = { 'p', 's', 'k', 1, 2, 3 };
static const uint8_t master[DTLS12_MASTER_LEN] = { 'm', 'a', 's', 't', 4, 5, 6 };
static const uint8_t sid[DTLS12_ID_LEN] = { 's', 'i', 'd', 7, 8, 9 };
static const char *const suites[] = { "AES256-GCM-SHA384", "AES128-SHA",
				      "ECDHE-RSA-AES256-GCM-SHA384" };

static void dq_push(struct dq *q, const uint8_t *p, size_t len)
{
	if (q->n == QCAP || len > PKT_MAX)
		return; /* the network loses it */
	unsigned i = (q->head + q->n) % QCAP;

	memcpy(q->pkt[i], p, len);
	q->len[i] = len;
	q->n++;
}

static size_t dq_pop(struct dq *q, uint8_t *out)
{
	size_t len = q->len[q->head];

	memcpy(out, q->pkt[q->head], len);
	q->head = (q->head + 1) % QCAP;
	q->n--;
	return len;
}

static void srv_send(void *arg, const uint8_t *p, size_t len)
{
	CHECK(arg == &E && len > 0 && len <= LINK);
	dq_push(&E.to_cli, p, len);
}

static void srv_frame(void *arg, const uint8_t *f, size_t len)
{
	int known = 0;

	CHECK(arg == &E && dtls12_established(E.d));
	for (unsigned i = 0; i < E.nsent; i++)
		known |= E.sent_len[i] == len && !memcmp(E.sent[i], f, len);
	CHECK(known);
}

/* --- the libssl client's datagram BIO --- */

static long cbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH;
}

static int cbio_read(BIO *b, char *out, int outl)
{
	BIO_clear_retry_flags(b);
	if (E.to_cli.n == 0 || E.to_cli.len[E.to_cli.head] > (size_t)outl) {
		BIO_set_retry_read(b);
		return -1;
	}
	return (int)dq_pop(&E.to_cli, (uint8_t *)out);
}

static int cbio_write(BIO *b, const char *buf, int len)
{
	BIO_clear_retry_flags(b);
	dq_push(&E.to_srv, (const uint8_t *)buf, (size_t)len);
	return len;
}

static BIO_METHOD *cbio_method(void)
{
	static BIO_METHOD *m;

	if (!m) {
		CHECK((m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "fuzz")));
		BIO_meth_set_read(m, cbio_read);
		BIO_meth_set_write(m, cbio_write);
		BIO_meth_set_ctrl(m, cbio_ctrl);
	}
	return m;
}

static unsigned int cli_psk(SSL *s, const char *hint, char *identity,
			    unsigned int max_id, unsigned char *key, unsigned int max_key)
{
	(void)s, (void)hint;
	if (max_id < 4 || max_key < DTLS12_PSK_LEN)
		return 0;
	memcpy(identity, "psk", 4);
	memcpy(key, psk, DTLS12_PSK_LEN);
	return DTLS12_PSK_LEN;
}

static SSL *client_new(int use_psk, const char *suite)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
	BIO *b = BIO_new(cbio_method());
	SSL *s;

	CHECK(ctx && b);
	SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
	CHECK(SSL_CTX_set_cipher_list(ctx, use_psk ? "PSK" : suite));
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU);
	SSL_CTX_set_psk_client_callback(ctx, cli_psk);
	CHECK((s = SSL_new(ctx)));
	SSL_CTX_free(ctx);
	BIO_set_init(b, 1);
	SSL_set_bio(s, b, b);
	SSL_set_mtu(s, LINK);
	SSL_set_connect_state(s);
	if (!use_psk) { /* openconnect's session that never existed */
		SSL_SESSION *ss = SSL_SESSION_new();
		const SSL_CIPHER *c = NULL;
		STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(s);

		for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
			if (!strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)), suite))
				c = sk_SSL_CIPHER_value(sk, i);
		CHECK(ss && c && SSL_SESSION_set1_id(ss, sid, DTLS12_ID_LEN) &&
		      SSL_SESSION_set1_master_key(ss, master, DTLS12_MASTER_LEN) &&
		      SSL_SESSION_set_cipher(ss, c) &&
		      SSL_SESSION_set_protocol_version(ss, DTLS1_2_VERSION) &&
		      SSL_SESSION_set_timeout(ss, 3600) && SSL_set_session(s, ss));
		SSL_SESSION_free(ss);
	}
	return s;
}

static void cli_step(SSL *s)
{
	uint8_t buf[PKT_MAX];
	size_t n;

	if (!E.up) {
		int r = SSL_do_handshake(s);

		E.up = r == 1;
	}
	while (E.up && SSL_read_ex(s, buf, sizeof(buf), &n))
		;
	ERR_clear_error();
}

/* The server reads one datagram. */
static void input(const uint8_t *p, size_t n, uint64_t now)
{
	int r = dtls12_input(E.d, p, n, now);

	if (n && n <= PKT_MAX) {
		memcpy(E.last, p, n);
		E.last_len = n;
	}
	if (E.dead) {
		CHECK(r == E.dead || r == 0);
		return;
	}
	CHECK(r >= -4 && (r < 0 || !(r & ~(DTLS12_EV_ESTABLISHED | DTLS12_EV_CLOSED))));
	if (r < 0)
		E.dead = r;
	ERR_clear_error();
}

static void deliver(int flip, struct fz *f, uint64_t now)
{
	uint8_t p[PKT_MAX];
	size_t n;

	if (!E.to_srv.n)
		return;
	n = dq_pop(&E.to_srv, p);
	if (flip && n) {
		size_t at = fz_u16(f) % n;

		p[at] ^= (uint8_t)(1u << (fz_u8(f) & 7));
	}
	input(p, n, now);
}

static void step(SSL *s, struct fz *f, uint64_t *now)
{
	uint8_t op = fz_u8(f), p[PKT_MAX];
	const uint8_t *q;
	size_t n;

	switch (op % 11) {
	case 0:
		cli_step(s);
		break;
	case 1:
	case 2:
		deliver(op % 11 == 2, f, *now);
		break;
	case 3:
		if (E.to_srv.n)
			dq_pop(&E.to_srv, p);
		break;
	case 4:
		q = fz_bytes(f, fz_u16(f) % PKT_MAX, &n);
		memcpy(p, q, n);
		input(p, n, *now);
		break;
	case 5:
		q = fz_bytes(f, fz_u16(f) % FRAME_MAX + 1, &n);
		if (E.up && n && E.nsent < OPS_MAX) {
			unsigned i = E.nsent++;

			memcpy(E.sent[i], q, n);
			E.sent_len[i] = n;
			SSL_write_ex(s, q, n, &n);
			ERR_clear_error();
		}
		break;
	case 6:
		if (E.last_len) {
			memcpy(p, E.last, E.last_len);
			input(p, E.last_len, *now);
		}
		break;
	case 7:
		*now += (uint64_t)fz_u16(f) * 16;
		if (dtls12_next_timeout(E.d, *now) <= *now) {
			int r = dtls12_timeout(E.d, *now);

			if (!E.dead && r < 0)
				E.dead = r;
		}
		break;
	case 8:
		while (E.to_cli.n)
			dq_pop(&E.to_cli, p);
		break;
	case 9:
		SSL_shutdown(s);
		ERR_clear_error();
		break;
	case 10:
		while (E.to_srv.n)
			deliver(0, f, *now);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dtls12_ctx *x;
	struct fz f = { data, size, 0 };
	uint8_t mode = fz_u8(&f);
	const char *suite = suites[(mode >> 1) % 3];
	uint64_t now = 1000;
	char err[256];
	SSL *s;

	if (!x)
		CHECK((x = dtls12_ctx_new("ECDHE-RSA-AES256-GCM-SHA384:AES256-GCM-SHA384:"
					  "AES128-SHA", err, sizeof(err))));
	memset(&E, 0, sizeof(E));
	E.d = mode & 1 ? dtls12_new_resume(x, master, sid, suite, LINK, srv_send, srv_frame, &E)
		       : dtls12_new_psk(x, psk, LINK, srv_send, srv_frame, &E);
	CHECK(E.d);
	s = client_new(!(mode & 1), suite);
	for (int ops = 0; fz_left(&f) && ops < OPS_MAX; ops++)
		step(s, &f, &now);
	CHECK(dtls12_data_mtu(E.d) <= LINK);
	SSL_free(s);
	dtls12_free(E.d);
	ERR_clear_error();
	return 0;
}
