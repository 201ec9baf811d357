/* bench/dtls-rec.c: instructions per DTLS 0.9 record on the server's
 * record layer, sealing (downstream) and opening (upstream), for the
 * stitched cipher and the plain AES-CBC + HMAC-SHA1 path.  Built and run
 * under callgrind by bench/dtls-rec; the instruction count does not depend
 * on the machine's load, unlike the ns/record it also prints.
 *
 *   dtls-rec SUITE PATH FRAME RECORDS
 *   SUITE: aes128 | aes256, PATH: stitched | plain, FRAME: frame bytes
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <valgrind/callgrind.h>

#include "sslvpnd/dtls09.h"

enum { MAX_RECORDS = 100000, PKT = 1600, PRE = DTLS09_HDR_LEN + DTLS09_IV_LEN };

static uint8_t sid[DTLS09_SESSION_ID_LEN], master[DTLS09_MASTER_LEN];

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A DTLS 0.9 ClientHello naming our session id and one suite. */
static size_t client_hello(uint8_t *p, uint16_t suite)
{
	enum { BODY = 2 + 32 + 1 + 32 + 1 + 4 + 2 };
	uint8_t *b = p + 13 + 12;

	memset(p, 0, 13 + 12);
	p[0] = 22;
	put16(p + 1, 0x0100);
	put16(p + 11, 12 + BODY);
	p[13] = 1;
	p[13 + 3] = BODY;
	p[13 + 11] = BODY;
	put16(b, 0x0100);
	RAND_bytes(b + 2, 32);
	b[34] = DTLS09_SESSION_ID_LEN;
	memcpy(b + 35, sid, DTLS09_SESSION_ID_LEN);
	b[67] = 0;
	put16(b + 68, 2);
	put16(b + 70, suite);
	b[72] = 1;
	b[73] = 0;
	return 13 + 12 + BODY;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int handle(struct dtls09 *d, const uint8_t *p, size_t n, uint8_t *frame)
{
	static uint8_t tx[DTLS09_FLIGHT_LEN + PKT];
	struct dtls09_out o = { .tx = tx, .tx_cap = sizeof(tx), .frame = frame,
				.frame_cap = PKT };

	return dtls09_handle(d, p, n, 0, &o) == (int)n ? (int)o.events : -1;
}

/* The worker's downstream: the frame is copied behind the record header
 * (wdtls_send) and sealed in place. */
static double run_seal(struct dtls09 *d, const uint8_t *f, size_t len, int n)
{
	static uint8_t tx[PKT];
	double t0 = now_ns();

	CALLGRIND_TOGGLE_COLLECT;
	for (int i = 0; i < n; i++) {
		memcpy(tx + PRE, f, len);
		if (dtls09_seal(d, tx + PRE, len, tx, sizeof(tx)) <= 0)
			abort();
	}
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("seal");
	return (now_ns() - t0) / n;
}

static double run_open(struct dtls09 *d, uint8_t (*pkts)[PKT], const size_t *lens, int n)
{
	static uint8_t frame[PKT];
	double t0 = now_ns();

	CALLGRIND_TOGGLE_COLLECT;
	for (int i = 0; i < n; i++)
		if (handle(d, pkts[i], lens[i], frame) != DTLS09_EV_FRAME)
			abort();
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT("open");
	return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	static uint8_t pkts[MAX_RECORDS][PKT], f[PKT], frame[PKT];
	static size_t lens[MAX_RECORDS];
	uint16_t suite;
	int plain, n;
	size_t len;
	struct dtls09 *d, *peer;
	double seal_ns, open_ns;

	if (argc != 5) {
		fprintf(stderr, "usage: dtls-rec aes128|aes256 stitched|plain FRAME RECORDS\n");
		return 2;
	}
	suite = strcmp(argv[1], "aes128") ? DTLS09_AES256_SHA : DTLS09_AES128_SHA;
	plain = !strcmp(argv[2], "plain");
	len = strtoul(argv[3], NULL, 10);
	n = atoi(argv[4]);
	if (len < 1 || len > DTLS09_MAX_FRAME || n < 2 || n > MAX_RECORDS)
		return 2;
	RAND_bytes(sid, sizeof(sid));
	RAND_bytes(master, sizeof(master));
	memset(f, 0x5a, len);
	if (!(d = dtls09_new(master, sid, suite)) || (plain && dtls09_force_plain(d)))
		return 1;
	lens[0] = client_hello(pkts[0], suite);
	if (handle(d, pkts[0], lens[0], frame) < 0 || !(peer = dtls09_test_peer(d, plain)))
		return 1;
	for (int i = 0; i < n; i++) {
		int r = dtls09_seal(peer, f, len, pkts[i], PKT);

		if (r <= 0)
			return 1;
		lens[i] = (size_t)r;
	}
	/* the first record completes the handshake (implicitly) */
	if (!(handle(d, pkts[0], lens[0], frame) & DTLS09_EV_ESTABLISHED))
		return 1;
	open_ns = run_open(d, pkts + 1, lens + 1, n - 1);
	seal_ns = run_seal(d, f, len, n - 1);
	printf("%s %s %zu: %d records each way, %s, %.0f ns/record open, %.0f ns/record seal\n",
	       argv[1], argv[2], len, n - 1, dtls09_stitched(d) ? "stitched" : "plain",
	       open_ns, seal_ns);
	dtls09_free(peer);
	dtls09_free(d);
	return 0;
}
