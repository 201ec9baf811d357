/* Unit tests for the tunnel's TLS write buffer (src/worker/wire.c): a real
 * TLS 1.2 and 1.3 connection over a socketpair, the server side buffered;
 * and libssl's record buffers of a resting tunnel served from the worker's
 * small cache (src/worker/bufcache.c), installed as OpenSSL's allocator
 * before anything else, as the worker does. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sslvpnd/util.h"
#include "../../src/worker/bufcache.h"
#include "../../src/worker/wire.h"

enum { FRAME = 1400, FRAMES = 20, BUF = 32768 };

struct pair {
	SSL_CTX *sctx, *cctx;
	SSL *srv, *cli;
	int sfd, cfd;
};

static X509 *self_signed(EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	ck_assert_ptr_nonnull(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"wire", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	return x;
}

/* Both ends nonblocking; the handshake is driven by turns. */
static void pair_open(struct pair *p, int version)
{
	int sv[2];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x;

	ck_assert_ptr_nonnull(k);
	x = self_signed(k);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->sfd = sv[0];
	p->cfd = sv[1];
	fcntl(p->sfd, F_SETFL, O_NONBLOCK);
	fcntl(p->cfd, F_SETFL, O_NONBLOCK);
	p->sctx = SSL_CTX_new(TLS_server_method());
	p->cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(p->sctx, version);
	SSL_CTX_set_max_proto_version(p->sctx, version);
	ck_assert_int_eq(SSL_CTX_use_certificate(p->sctx, x), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(p->sctx, k), 1);
	X509_free(x);
	EVP_PKEY_free(k);
	p->srv = SSL_new(p->sctx);
	p->cli = SSL_new(p->cctx);
	SSL_set_fd(p->srv, p->sfd);
	SSL_set_fd(p->cli, p->cfd);
	SSL_set_accept_state(p->srv);
	SSL_set_connect_state(p->cli);
	SSL_set_mode(p->srv, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	for (int i = 0, done = 0; done != 3; i++) {
		ck_assert_int_lt(i, 100);
		if (SSL_do_handshake(p->srv) == 1)
			done |= 1;
		if (SSL_do_handshake(p->cli) == 1)
			done |= 2;
	}
	ck_assert_int_eq(SSL_version(p->srv), version);
}

static void pair_close(struct pair *p)
{
	SSL_free(p->srv);
	SSL_free(p->cli);
	SSL_CTX_free(p->sctx);
	SSL_CTX_free(p->cctx);
	close(p->sfd);
	close(p->cfd);
}

static void frame(uint8_t *f, int i)
{
	memset(f, 'a' + i % 26, FRAME);
	f[0] = (uint8_t)i;
}

/* What SSL_read returns, call by call: one record each. */
static int read_one(SSL *s, uint8_t *buf, int len)
{
	for (int i = 0; i < 100; i++) {
		int r = SSL_read(s, buf, len);

		if (r > 0)
			return r;
		ck_assert_int_eq(SSL_get_error(s, r), SSL_ERROR_WANT_READ);
		usleep(1000);
	}
	return 0;
}

static int socket_empty(int fd)
{
	char b;

	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* Records collect in the buffer until wire_flush; then each frame arrives
 * as its own record (openconnect needs one frame per SSL_read). */
static void batched(int version)
{
	struct pair p;
	uint8_t f[FRAME], got[16384];

	pair_open(&p, version);
	ck_assert_int_eq(wire_buffer(p.srv, BUF), 0);
	ck_assert_uint_eq(wire_pending(p.srv), 0);
	for (int i = 0; i < FRAMES; i++) {
		frame(f, i);
		ck_assert_int_eq(SSL_write(p.srv, f, FRAME), FRAME);
	}
	ck_assert_uint_gt(wire_pending(p.srv), FRAMES * FRAME);
	/* TLS 1.3 tickets went out with the handshake; after them, nothing */
	while (!socket_empty(p.cfd))
		ck_assert_int_lt(SSL_read(p.cli, got, sizeof(got)), 0);
	ck_assert_int_eq(wire_flush(p.srv), 1);
	ck_assert_uint_eq(wire_pending(p.srv), 0);
	for (int i = 0; i < FRAMES; i++) {
		frame(f, i);
		ck_assert_int_eq(read_one(p.cli, got, sizeof(got)), FRAME);
		ck_assert_mem_eq(got, f, FRAME);
	}
	ck_assert_int_eq(wire_flush(p.srv), 1); /* nothing left: no-op */
	pair_close(&p);
}

START_TEST(tls12_batched) { batched(TLS1_2_VERSION); }
END_TEST

START_TEST(tls13_batched) { batched(TLS1_3_VERSION); }
END_TEST

/* A slow peer: the socket fills, wire_flush says so (0), SSL_write asks
 * for a retry; once the peer reads, the retries deliver every frame in
 * order, none lost or doubled. */
START_TEST(backpressure)
{
	struct pair p;
	uint8_t f[FRAME], got[16384];
	int small = 4096, sent = 0, recvd = 0, blocked = 0;

	pair_open(&p, TLS1_3_VERSION);
	setsockopt(p.sfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	ck_assert_int_eq(wire_buffer(p.srv, BUF), 0);
	for (int round = 0; round < 2000 && recvd < 200; round++) {
		int r;

		for (int i = 0; i < 8 && sent < 200; i++) {
			frame(f, sent);
			ERR_clear_error();
			r = SSL_write(p.srv, f, FRAME);
			if (r <= 0) {
				ck_assert_int_eq(SSL_get_error(p.srv, r), SSL_ERROR_WANT_WRITE);
				blocked++;
				break; /* the same frame again next round */
			}
			sent++;
		}
		r = wire_flush(p.srv);
		ck_assert_int_ge(r, 0);
		blocked += r == 0;
		/* the peer reads one frame a round: slower than the writer */
		while ((r = SSL_read(p.cli, got, sizeof(got))) > 0) {
			if (r != FRAME)
				continue; /* a TLS 1.3 ticket's empty read never returns > 0 */
			frame(f, recvd);
			ck_assert_mem_eq(got, f, FRAME);
			recvd++;
			if (round % 4)
				break;
		}
	}
	ck_assert_int_eq(recvd, 200);
	ck_assert_int_gt(blocked, 0);
	ck_assert_uint_eq(wire_pending(p.srv), 0);
	pair_close(&p);
}
END_TEST

/* Without a buffer nothing changes: wire_flush has nothing to do. */
START_TEST(unbuffered_noop)
{
	struct pair p;

	pair_open(&p, TLS1_2_VERSION);
	ck_assert_uint_eq(wire_pending(p.srv), 0);
	ck_assert_int_eq(wire_flush(p.srv), 1);
	pair_close(&p);
}
END_TEST


/* A resting tunnel (SSL_MODE_RELEASE_BUFFERS) takes libssl's read buffer
 * for every record it reads and its write buffer for every answer: after
 * the first of each, every one comes from the cache, not the heap; once
 * none was taken for BUFCACHE_IDLE_MS the cache gives its blocks back. */
START_TEST(resting_buffers_cached)
{
	struct bufcache_stats a, b;
	struct pair p;
	uint8_t f[64], got[64];

	pair_open(&p, TLS1_3_VERSION);
	SSL_set_read_ahead(p.srv, 1);
	SSL_set_mode(p.srv, SSL_MODE_RELEASE_BUFFERS);
	SSL_free_buffers(p.srv);
	bufcache_stats(&a);
	for (int i = 0; i < 20; i++) {
		memset(f, i, 8);
		ck_assert_int_eq(SSL_write(p.cli, f, 8), 8);
		ck_assert_int_eq(SSL_read(p.srv, got, sizeof(got)), 8);
		ck_assert_mem_eq(got, f, 8);
		ck_assert_int_eq(SSL_write(p.srv, f, 8), 8);
		ck_assert_int_eq(SSL_read(p.cli, got, sizeof(got)), 8);
	}
	bufcache_stats(&b);
	/* 40 buffers taken: at most the first read and write buffer of the
	 * server (and the client's, which it keeps) from the heap */
	ck_assert_uint_ge(b.hits - a.hits, 38);
	ck_assert_uint_le(b.misses - a.misses, 4);
	ck_assert_uint_gt(b.held, 0);
	ck_assert_uint_le(b.held, BUFCACHE_CLASSES * BUFCACHE_SLOTS);
	ck_assert_uint_eq(bufcache_tick(util_now_ms()), 0);
	ck_assert_uint_ge(bufcache_tick(util_now_ms() + BUFCACHE_IDLE_MS), BUFCACHE_SIZE);
	bufcache_stats(&b);
	ck_assert_uint_eq(b.held, 0);
	pair_close(&p);
}
END_TEST

/* Other sizes never touch it; a block of its size comes back to it. */
START_TEST(other_sizes_pass)
{
	struct bufcache_stats a, b;
	void *small, *big, *ours;

	bufcache_drain();
	bufcache_stats(&a);
	small = bufcache_alloc(BUFCACHE_LO - 1);
	big = bufcache_alloc(BUFCACHE_SIZE + 4096);
	bufcache_free(small);
	bufcache_free(big);
	bufcache_stats(&b);
	ck_assert_uint_eq(b.hits + b.misses, a.hits + a.misses);
	ck_assert_uint_eq(b.held, 0);
	ours = bufcache_alloc(BUFCACHE_LO);
	memset(ours, 0xa5, BUFCACHE_SIZE); /* the whole block is usable */
	bufcache_free(ours);
	bufcache_stats(&b);
	ck_assert_uint_eq(b.held, 1);
	ck_assert_ptr_eq(bufcache_alloc(BUFCACHE_SIZE), ours);
	bufcache_free(ours);
	/* the tunnel's own buffers: its first input buffer, its output queue */
	ours = bufcache_alloc(BUFCACHE_IN);
	bufcache_free(ours);
	ck_assert_ptr_eq(bufcache_alloc(BUFCACHE_IN), ours);
	bufcache_free(ours);
	ours = bufcache_alloc(BUFCACHE_OUT);
	bufcache_free(ours);
	ck_assert_ptr_eq(bufcache_alloc(BUFCACHE_OUT), ours);
	bufcache_free(ours);
	bufcache_drain();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	/* before OpenSSL allocates anything, as in the worker */
	if (bufcache_install() < 0)
		return 1;
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tls12_batched);
	tcase_add_test(tc, tls13_batched);
	tcase_add_test(tc, backpressure);
	tcase_add_test(tc, unbuffered_noop);
	tcase_add_test(tc, resting_buffers_cached);
	tcase_add_test(tc, other_sizes_pass);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
