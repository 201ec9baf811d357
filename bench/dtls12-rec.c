/* bench/dtls12-rec: instructions per DTLS 1.2 record in the server
 * (src/tls/dtls12.c), opening (upstream, dtls12_input) and sealing
 * (downstream, dtls12_send), against a libssl DTLS 1.2 client in the same
 * process that resumes the session (what openconnect and the phones do).
 * Run under callgrind with --collect-atstart=no: dump 1 is sealing, dump 2
 * is opening; outside valgrind it prints ns per record.
 *
 * Usage: dtls12-rec SUITE FRAME_BYTES RECORDS
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <valgrind/callgrind.h>

#include "sslvpnd/dtls12.h"

enum { PKT = 2048, QMAX = 4096, LINK = 1472 };

/* Datagrams the client sent, and the last one the server sent. */
static uint8_t (*cq)[PKT];
static size_t *cql;
static size_t cqn, cqh;
static uint8_t sq[64][PKT];
static size_t sql[64], sqn, sqh;
static unsigned long frames;

static void srv_send(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	if (sqn < 64 && len <= PKT) {
		memcpy(sq[(sqh + sqn) % 64], p, len);
		sql[(sqh + sqn++) % 64] = len;
	}
}

static void srv_frame(void *arg, const uint8_t *f, size_t len)
{
	(void)arg;
	(void)f;
	(void)len;
	frames++;
}

static int cb_read(BIO *b, char *out, int outl)
{
	size_t n;

	BIO_clear_retry_flags(b);
	if (!sqn) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = sql[sqh] < (size_t)outl ? sql[sqh] : (size_t)outl;
	memcpy(out, sq[sqh], n);
	sqh = (sqh + 1) % 64;
	sqn--;
	return (int)n;
}

static int cb_write(BIO *b, const char *buf, int len)
{
	BIO_clear_retry_flags(b);
	if (cqn < QMAX && len <= PKT) {
		memcpy(cq[(cqh + cqn) % QMAX], buf, (size_t)len);
		cql[(cqh + cqn++) % QMAX] = (size_t)len;
	}
	return len;
}

static long cb_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH;
}

static SSL *client(const char *suite, const uint8_t *master,
		   const uint8_t *sid)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				     "bench");
	SSL_SESSION *s = SSL_SESSION_new();
	const SSL_CIPHER *c = NULL;
	STACK_OF(SSL_CIPHER) *sk;
	SSL *ssl;
	BIO *b;

	BIO_meth_set_read(m, cb_read);
	BIO_meth_set_write(m, cb_write);
	BIO_meth_set_ctrl(m, cb_ctrl);
	SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, suite);
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET |
					 SSL_OP_NO_EXTENDED_MASTER_SECRET);
	ssl = SSL_new(ctx);
	sk = SSL_get_ciphers(ssl);
	for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
		if (!strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)), suite))
			c = sk_SSL_CIPHER_value(sk, i);
	if (!c)
		return NULL;
	SSL_SESSION_set1_id(s, sid, DTLS12_ID_LEN);
	SSL_SESSION_set1_master_key(s, master, DTLS12_MASTER_LEN);
	SSL_SESSION_set_cipher(s, c);
	SSL_SESSION_set_protocol_version(s, DTLS1_2_VERSION);
	SSL_SESSION_set_timeout(s, 86400);
	SSL_set_session(ssl, s);
	SSL_set_mtu(ssl, LINK);
	b = BIO_new(m);
	BIO_set_init(b, 1);
	SSL_set_bio(ssl, b, b);
	SSL_set_connect_state(ssl);
	return ssl;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint8_t master[DTLS12_MASTER_LEN], sid[DTLS12_ID_LEN], f[1500];
	char err[200];
	struct dtls12_ctx *x;
	struct dtls12 *d;
	size_t flen, n, got;
	SSL *cli;
	int i, rounds;
	double t0, seal_ns, open_ns;

	if (argc != 4 || (flen = strtoul(argv[2], NULL, 10)) < 1 ||
	    flen > sizeof(f) || (n = strtoul(argv[3], NULL, 10)) < 2 ||
	    n > QMAX) {
		fprintf(stderr, "usage: dtls12-rec SUITE FRAME_BYTES RECORDS\n");
		return 2;
	}
	cq = calloc(QMAX, PKT);
	cql = calloc(QMAX, sizeof(*cql));
	RAND_bytes(master, sizeof(master));
	RAND_bytes(sid, sizeof(sid));
	memset(f, 0x5a, sizeof(f));
	f[0] = 0;
	if (!(x = dtls12_ctx_new("ALL", err, sizeof(err))) ||
	    !(d = dtls12_new_resume(x, master, sid, argv[1], LINK, srv_send,
				    srv_frame, NULL)) ||
	    !(cli = client(argv[1], master, sid))) {
		fprintf(stderr, "dtls12-rec: cannot set up %s\n", argv[1]);
		return 1;
	}
	for (rounds = 0; rounds < 20 && !dtls12_established(d); rounds++) {
		SSL_do_handshake(cli);
		while (cqn) {
			dtls12_input(d, cq[cqh], cql[cqh], 0);
			cqh = (cqh + 1) % QMAX;
			cqn--;
		}
	}
	SSL_do_handshake(cli);
	ERR_clear_error();
	if (!dtls12_established(d)) {
		fprintf(stderr, "dtls12-rec: no handshake\n");
		return 1;
	}
	/* one record each way outside the count (first-use costs) */
	SSL_write_ex(cli, f, flen, &got);
	dtls12_input(d, cq[cqh], cql[cqh], 0);
	cqh = (cqh + 1) % QMAX;
	cqn--;
	dtls12_send(d, f, flen);
	sqn = 0;
	for (i = 0; (size_t)i < n - 1; i++)
		SSL_write_ex(cli, f, flen, &got);

	t0 = now_ns();
	CALLGRIND_TOGGLE_COLLECT;
	for (i = 0; (size_t)i < n - 1; i++) {
		dtls12_send(d, f, flen);
		sqn = 0;
	}
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("seal");
	seal_ns = (now_ns() - t0) / (double)(n - 1);

	t0 = now_ns();
	CALLGRIND_TOGGLE_COLLECT;
	while (cqn) {
		dtls12_input(d, cq[cqh], cql[cqh], 0);
		cqh = (cqh + 1) % QMAX;
		cqn--;
	}
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("open");
	open_ns = (now_ns() - t0) / (double)(n - 1);
	if (frames != n) {
		fprintf(stderr, "dtls12-rec: %lu frames of %zu\n", frames, n);
		return 1;
	}
	printf("%s %zu: %.0f ns/record open, %.0f ns/record seal\n", argv[1],
	       flen, open_ns, seal_ns);
	dtls12_free(d);
	dtls12_ctx_free(x);
	SSL_free(cli);
	return 0;
}
