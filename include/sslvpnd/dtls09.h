/* Cisco DTLS 0.9 (DTLS1_BAD_VER, record version 0x0100) server, libcrypto only.
 *
 * The legacy AnyConnect DTLS is a fake resumption of a session that never
 * existed: the client sends X-DTLS-Master-Secret over CSTP, we answer with a
 * session id and a suite, and the client then "resumes" that session over
 * UDP (anyconnect-protocol.md 4.1).  libssl can be a DTLS1_BAD_VER client
 * only, so the server side - one ClientHello in, one flight out, CCS +
 * Finished in - and the AES-CBC/HMAC-SHA1 record layer live here
 * (dtls-openssl.md 3).
 *
 * A struct dtls09 is an I/O-free state machine for one UDP peer: the owner
 * feeds it received datagrams and timer ticks and sends whatever it hands
 * back.  Nothing is logged here; the owner logs from events and counters.
 * No heap allocation happens per record in this module once the session is
 * set up, on either path: the stitched cipher, or AES-CBC with HMAC-SHA1
 * kept as precomputed SHA-1 states (libcrypto 3.0's EVP HMAC allocates on
 * every re-initialisation; check_dtls09 counts).
 */
#ifndef SSLVPND_DTLS09_H
#define SSLVPND_DTLS09_H

#include <stddef.h>
#include <stdint.h>

enum {
	DTLS09_VERSION = 0x0100,
	DTLS09_MASTER_LEN = 48,
	DTLS09_SESSION_ID_LEN = 32,
	DTLS09_HDR_LEN = 13, /* record header */
	DTLS09_IV_LEN = 16,  /* explicit CBC IV in every record */
	DTLS09_MAC_LEN = 20, /* HMAC-SHA1 */
	/* Worst case bytes a record adds to a frame: header, IV, MAC and a
	 * full block of padding (both suites share these numbers). */
	DTLS09_MAX_OVERHEAD = 13 + 16 + 20 + 16,
	DTLS09_MAX_FRAME = 16384, /* TLS plaintext limit */
	/* The server flight: ServerHello 95 + CCS 16 + Finished 77. */
	DTLS09_FLIGHT_LEN = 188,
};

/* The two suites old Cisco clients offer in X-DTLS-CipherSuite.  The
 * DHE-RSA names have the same record layer but are not accepted here. */
enum dtls09_suite {
	DTLS09_AES128_SHA = 0x002f,
	DTLS09_AES256_SHA = 0x0035,
};

/* Bits of struct dtls09_out.events. */
enum dtls09_event {
	DTLS09_EV_TX = 1 << 0,		/* tx holds a datagram to send */
	DTLS09_EV_FRAME = 1 << 1,	/* frame holds a decrypted frame */
	DTLS09_EV_ESTABLISHED = 1 << 2, /* the handshake just completed */
	DTLS09_EV_CLOSED = 1 << 3, /* authentic close_notify or fatal alert */
};

enum dtls09_err {
	DTLS09_ERR_INTERNAL = -1,  /* libcrypto failed */
	DTLS09_ERR_HANDSHAKE = -2, /* handshake failed for good */
	DTLS09_ERR_STATE = -3,	   /* call not valid in this state */
	DTLS09_ERR_INVAL = -4,	   /* bad argument or buffer too small */
};

/* Counters, all monotonic.  A record is counted once, in rx when it was
 * accepted or in exactly one of the rx_* drop reasons. */
struct dtls09_stats {
	uint64_t tx; /* records sealed (flight records included) */
	uint64_t rx; /* records accepted */
	/* MAC or padding wrong.  One counter on purpose: telling them apart
	 * would take a branch on secret data (Lucky 13). */
	uint64_t rx_bad_mac;
	uint64_t rx_replay;    /* seen before, or older than the window */
	uint64_t rx_bad_epoch; /* epoch not 0 or 1, or 1 before keys exist */
	uint64_t rx_malformed; /* bad header, version, length or message */
	uint64_t rx_ignored;   /* valid but unexpected here (late CCS, ...) */
	uint64_t hs_flights;   /* server flights sent, the first included */
	uint64_t hs_implicit;  /* established by data, not by Finished (P1) */
};

/* Buffers for dtls09_handle.  The caller sets tx/tx_cap and
 * frame/frame_cap; dtls09_handle sets the rest. */
struct dtls09_out {
	uint8_t *tx;	     /* in: room for one datagram */
	size_t tx_cap;	     /* in: >= DTLS09_FLIGHT_LEN */
	uint8_t *frame;	     /* in: room for a decrypted frame */
	size_t frame_cap;    /* in: the datagram length always suffices */
	size_t tx_len;	     /* out: datagram length when EV_TX */
	size_t frame_len;    /* out: frame length when EV_FRAME */
	unsigned int events; /* out: enum dtls09_event bits */
};

struct dtls09;

/*
 * dtls09_hello_session_id: cheap demultiplexing check for main.  Returns 0
 * and copies the 32-byte session id to id when pkt looks like the first
 * record of a DTLS ClientHello datagram: content type 22, record version
 * 0x0100 (DTLS 0.9) or 0xfeff/0xfefd (DTLS 1.0/1.2, PSK and 1.2 resumption
 * use the same offsets), epoch 0, a record length that fits, handshake type
 * 1 at fragment offset 0 and a session id of exactly 32 bytes (length byte at
 * datagram offset 59, id at 60..91).  Returns -1 otherwise and leaves id
 * untouched.  Reads at most the first 92 bytes, never allocates, and is safe
 * on any input (pkt may be NULL when len is 0).  Nothing is authenticated:
 * the id only selects the session whose dtls09 will judge the datagram.
 */
int dtls09_hello_session_id(const uint8_t *pkt, size_t len,
			    uint8_t id[DTLS09_SESSION_ID_LEN]);

/*
 * dtls09_new: a server waiting for the ClientHello of the session
 * (master, session_id, suite) that was announced over CSTP.  suite is
 * DTLS09_AES128_SHA or DTLS09_AES256_SHA.  The master secret and the id
 * are copied (the caller may wipe its copies).  Every libcrypto object the
 * session needs is fetched and allocated here; the stitched
 * AES-CBC-HMAC-SHA1 cipher is used when this libcrypto provides it (x86-64
 * with AES-NI), the plain AES-CBC + HMAC path otherwise.  Returns NULL on a
 * bad suite or when allocation or a fetch fails.
 */
struct dtls09 *dtls09_new(const uint8_t master[DTLS09_MASTER_LEN],
			  const uint8_t session_id[DTLS09_SESSION_ID_LEN],
			  uint16_t suite);

/* dtls09_free: wipes every secret and frees d.  dtls09_free(NULL) is a
 * no-op. */
void dtls09_free(struct dtls09 *d);

/*
 * dtls09_handle: feeds received bytes.  Parses records from the start of
 * pkt until one of them produces an event or the datagram ends, and returns
 * how many bytes it consumed (> 0 when len > 0); the caller calls again
 * with the rest, so a datagram holding CCS + Finished + data yields each
 * event in turn:
 *
 *	for (off = 0; off < len; off += n) {
 *		if ((n = dtls09_handle(d, p + off, len - off, now, &o)) < 0)
 *			drop the DTLS state, stay on CSTP;
 *		if (o.events & DTLS09_EV_TX) send o.tx, o.tx_len;
 *		if (o.events & DTLS09_EV_FRAME) deliver o.frame, o.frame_len;
 *	}
 *
 * What it does with a record:
 * - ClientHello for our session id and suite: derives the keys, sends the
 *   server flight (ServerHello + CCS + Finished in one datagram, EV_TX) and
 *   arms the retransmission timer.  The same ClientHello again (the client
 *   lost the flight) resends it with fresh record sequence numbers (P1),
 *   at most every 100 ms; a different one restarts the handshake unless it
 *   is already established, then it is ignored (P11: a new handshake gets
 *   a new dtls09).
 * - The client's CCS + Finished: verified, EV_ESTABLISHED.  The first
 *   valid epoch-1 data record counts as the Finished when that was lost
 *   (its MAC proves the client holds keys from both randoms; P1).
 * - Data records once established: decrypted into out->frame (EV_FRAME,
 *   frame_len > 0; the frame is the AnyConnect type byte + payload).
 * - An authenticated close_notify or fatal alert: EV_CLOSED.
 * - Everything else is dropped and counted (struct dtls09_stats): late
 *   CCS/Finished duplicates after establishment are ignored, never
 *   answered (P7); bad MAC/padding, replays (64-record window), unknown
 *   epochs, malformed or truncated records; a record whose length field
 *   overruns the datagram ends the datagram.
 * out->tx must have room for DTLS09_FLIGHT_LEN bytes; out->frame receives
 * the decrypted record, so frame_cap >= len always suffices (larger records
 * are dropped as malformed).  pkt and the out buffers must not overlap.
 * now_ms is any monotonic millisecond clock.  Returns a negative enum
 * dtls09_err when the session is dead: DTLS09_ERR_HANDSHAKE (the client's
 * Finished did not verify; it repeats on every later call),
 * DTLS09_ERR_INVAL (out buffers missing or too small) or
 * DTLS09_ERR_INTERNAL.
 */
int dtls09_handle(struct dtls09 *d, const uint8_t *pkt, size_t len,
		  uint64_t now_ms, struct dtls09_out *out);

/*
 * dtls09_next_timeout: the absolute time (now_ms clock) at which
 * dtls09_timeout wants to run, or UINT64_MAX when no timer is armed (no
 * flight outstanding).
 */
uint64_t dtls09_next_timeout(const struct dtls09 *d);

/*
 * dtls09_timeout: retransmission timer of the server flight.  When the
 * flight is unanswered and the deadline has passed, rebuilds it with fresh
 * record sequence numbers into tx (cap >= DTLS09_FLIGHT_LEN) and returns
 * its length; the timeout starts at 1 s and doubles up to 8 s, so the
 * resends go out 1, 3, 7, 15 and 23 s after the first flight.  Returns 0
 * when nothing is due, DTLS09_ERR_INVAL when tx is NULL or cap too small,
 * and DTLS09_ERR_HANDSHAKE once those five went unanswered (at 31 s; the
 * session is dead and later calls repeat it).
 */
int dtls09_timeout(struct dtls09 *d, uint64_t now_ms, uint8_t *tx, size_t cap);

/*
 * dtls09_seal: protects one AnyConnect frame (type byte + payload, 1 to
 * DTLS09_MAX_FRAME bytes) as one epoch-1 application record in out: header,
 * a random explicit IV, AES-CBC(frame || HMAC-SHA1 || padding).  frame may
 * point at out + DTLS09_HDR_LEN + DTLS09_IV_LEN to seal in place; any other
 * overlap is undefined.  cap must be >= dtls09_sealed_len(len).  Returns
 * the record length, DTLS09_ERR_STATE before establishment or once the
 * 48-bit sequence space is used up (a sequence number is never reused),
 * DTLS09_ERR_INVAL or DTLS09_ERR_INTERNAL.
 */
int dtls09_seal(struct dtls09 *d, const uint8_t *frame, size_t len,
		uint8_t *out, size_t cap);

/* dtls09_sealed_len: exact record length dtls09_seal produces for a frame
 * of len bytes. */
size_t dtls09_sealed_len(size_t len);

/* dtls09_data_mtu: the largest frame whose record fits in a datagram
 * payload of link_mtu bytes (e.g. 1472 for Ethernet over IPv4 -> 1419), 0
 * when none does.  DTLS09_MAX_OVERHEAD is the conservative form. */
size_t dtls09_data_mtu(size_t link_mtu);

/* dtls09_established: 1 once the handshake completed, else 0. */
int dtls09_established(const struct dtls09 *d);

/* dtls09_stitched: 1 when records go through the stitched
 * AES-CBC-HMAC-SHA1 cipher, 0 on the plain AES-CBC + HMAC path. */
int dtls09_stitched(const struct dtls09 *d);

/* dtls09_stats: the counters of d, valid until dtls09_free. */
const struct dtls09_stats *dtls09_stats(const struct dtls09 *d);

/*
 * dtls09_prf: the TLS 1.0 PRF (MD5 and SHA-1 halves, RFC 2246 section 5)
 * over the 48-byte master secret: out_len bytes of
 * PRF(master, label, seed).  Exposed for known-answer tests.  Returns 0 or
 * DTLS09_ERR_INTERNAL.
 */
int dtls09_prf(const uint8_t master[DTLS09_MASTER_LEN], const char *label,
	       const uint8_t *seed, size_t seed_len, uint8_t *out,
	       size_t out_len);

/* --- test and benchmark hooks; not for production callers --- */

/* dtls09_force_plain: use the plain AES-CBC + HMAC record path even when
 * the stitched cipher exists.  Only before the first ClientHello; returns
 * 0 or DTLS09_ERR_STATE. */
int dtls09_force_plain(struct dtls09 *d);

/*
 * dtls09_test_peer: a new, established dtls09 holding the client's side of
 * d's keys (it seals with the client keys and opens server records), so
 * that records can be exchanged between two paths without a client.  plain
 * forces the plain path on the peer.  d must have processed a ClientHello.
 * Returns NULL on error.
 */
struct dtls09 *dtls09_test_peer(const struct dtls09 *d, int plain);

#endif
