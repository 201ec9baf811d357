/* Cisco DTLS 1.2 and PSK-NEGOTIATE servers on stock libssl.
 *
 * Both are DTLS 1.2 sessions for one UDP peer (dtls-openssl.md 4 and 5):
 * - resumption ("X-DTLS12-CipherSuite"): the client resumes a session that
 *   never existed, built here from X-DTLS-Master-Secret, the session id we
 *   sent in X-DTLS-Session-ID and the suite we chose; a full handshake is
 *   refused (it would be a MITM: no certificate is configured);
 * - PSK-NEGOTIATE: a full DTLS 1.2 PSK handshake, identity "psk", key = 32
 *   bytes of SSL_export_keying_material(cstp, "EXPORTER-openconnect-psk").
 *
 * libssl runs the handshake; AES-GCM sessions then move to our own record
 * layer (dtlsrec.h) and the SSL object is freed (dtls12_own_records).
 *
 * Like struct dtls09, a struct dtls12 does no I/O of its own: the owner
 * feeds received datagrams (dtls12_input) and timer ticks
 * (dtls12_timeout); everything libssl wants to send goes out through the
 * send callback, one datagram per call, and every decrypted record through
 * the frame callback.  The owner connects the UDP socket and logs.
 * Options on both contexts: SSL_OP_NO_TICKET (P5), SSL_OP_NO_QUERY_MTU
 * (P6), SSL_OP_NO_RENEGOTIATION (a rekey is a new handshake, hence a new
 * dtls12, P11), SSL_OP_NO_ENCRYPT_THEN_MAC (libssl 3.0 treats a bad MAC
 * on an EtM record as fatal, so one forged datagram would end a CBC
 * session; GnuTLS clients never offer EtM), no cookie exchange (P2); and
 * SSL_OP_NO_EXTENDED_MASTER_SECRET (P3) on the resumption context only:
 * the PSK handshake is a full one and keeps EMS.
 *
 * On the wire (libssl 3.0.22): a flight goes out as one datagram (the
 * resumption flight ServerHello + CCS + Finished is 177 bytes with GCM,
 * 193 with CBC-SHA1; PSK sends ServerHello + ServerHelloDone, then CCS +
 * Finished); a retransmitted flight goes out one message per datagram.
 * A duplicate ClientHello is not answered: only the timer resends.
 *
 * Threads: a dtls12 belongs to one thread; sessions of one thread share a
 * receive buffer.  Calls leave no error of theirs in the thread's OpenSSL
 * error queue (the CSTP session's SSL_get_error reads the same queue);
 * dtls12_input empties it first, as SSL_get_error requires.
 */
#ifndef SSLVPND_DTLS12_H
#define SSLVPND_DTLS12_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

enum {
	DTLS12_MASTER_LEN = 48,
	DTLS12_ID_LEN = 32,     /* session id and App-ID */
	DTLS12_PSK_LEN = 32,
};

/* dtls12_input / dtls12_timeout results (bits when >= 0). */
enum dtls12_event {
	DTLS12_EV_ESTABLISHED = 1 << 0, /* the handshake completed just now */
	DTLS12_EV_CLOSED = 1 << 1,      /* close_notify or fatal alert received */
};

enum dtls12_err {
	DTLS12_ERR_INTERNAL = -1,  /* libssl / allocation failure */
	DTLS12_ERR_HANDSHAKE = -2, /* handshake failed (reason: dtls12_error) */
	DTLS12_ERR_STATE = -3,     /* call not valid in this state */
	DTLS12_ERR_INVAL = -4,     /* bad argument */
};

enum dtls12_mode {
	DTLS12_RESUME = 1,  /* Cisco DTLS 1.2 fake resumption */
	DTLS12_PSK = 2,     /* PSK-NEGOTIATE */
};

/* Sends one datagram (the owner's connected UDP socket).  Called from
 * inside dtls12_input, dtls12_timeout and dtls12_send; it must not call
 * back into the same dtls12. */
typedef void (*dtls12_send_fn)(void *arg, const uint8_t *pkt, size_t len);
/* Receives one decrypted record: an AnyConnect frame (type byte +
 * payload, len >= 1).  Called from inside dtls12_input; frame is valid
 * until the callback returns.  It may call dtls12_send on the same dtls12
 * (DPD answers), but neither dtls12_input nor dtls12_free. */
typedef void (*dtls12_frame_fn)(void *arg, const uint8_t *frame, size_t len);

/* Counters, monotonic. */
struct dtls12_stats {
	uint64_t tx;          /* records written (application data) */
	uint64_t rx;          /* application records delivered */
	uint64_t rx_dropped;  /* datagrams given to dtls12_input once
			       * established (or closed) that yielded no
			       * frame: bad MAC, replay, junk, truncation,
			       * late handshake duplicates, empty datagrams;
			       * libssl drops those silently.  One per
			       * datagram, however many records it held. */
	uint64_t hs_timeouts; /* retransmitted flights (libssl timer
			       * expiries, whichever call noticed them) */
};

/* One per worker process: the two SSL_CTXs. */
struct dtls12_ctx;

/*
 * dtls12_ctx_new: builds the resumption context with cipher list
 * resume_ciphers (OpenSSL names, ':' separated, e.g. the config's ssl
 * cipher dtlsv1.2 list) and the PSK context (cipher list "PSK", server
 * preference, DTLS 1.2 only).  Returns NULL with err filled (err may be
 * NULL) when the list selects no suite, selects only suites that cannot
 * be resumed (see dtls12_suite_id) or libssl fails; err is "" on success.
 */
struct dtls12_ctx *dtls12_ctx_new(const char *resume_ciphers, char *err,
				  size_t errlen);
void dtls12_ctx_free(struct dtls12_ctx *x);

/*
 * dtls12_suite_id: the 2-byte IANA id of name when name is an OpenSSL suite
 * name that the resumption context can serve as DTLS 1.2 (in
 * resume_ciphers, usable with DTLS 1.2, not PSK/SRP/anonymous); 0
 * otherwise (also for NULL arguments; names are case-sensitive; NULL
 * encryption is refused too).  Used by the CONNECT negotiation to filter
 * client offers.
 */
uint16_t dtls12_suite_id(const struct dtls12_ctx *x, const char *name);

struct dtls12;

/*
 * dtls12_new_resume: a server for the session (master, session_id, suite
 * name) announced over CSTP.  link_mtu is the UDP payload budget (e.g.
 * 1472): libssl's MTU is set from it (SSL_OP_NO_QUERY_MTU + SSL_set_mtu);
 * 256 (libssl's minimum) to 65535.  master and session_id are copied into
 * an SSL_SESSION private to this object.  Returns NULL on a suite for
 * which dtls12_suite_id is 0, a link_mtu out of range, a NULL argument
 * (arg excepted) or a libssl failure.
 */
struct dtls12 *dtls12_new_resume(struct dtls12_ctx *x,
				 const uint8_t master[DTLS12_MASTER_LEN],
				 const uint8_t session_id[DTLS12_ID_LEN],
				 const char *suite, unsigned link_mtu,
				 dtls12_send_fn send, dtls12_frame_fn frame,
				 void *arg);

/*
 * dtls12_new_psk: a PSK-NEGOTIATE server keyed by psk (the 32 exporter
 * bytes of the CSTP session, taken by the owner at CONNECT time with
 * dtls12_psk_from_tls).  Any identity is accepted (openconnect sends
 * "psk"); the key decides.  link_mtu and NULL results as for
 * dtls12_new_resume.
 */
struct dtls12 *dtls12_new_psk(struct dtls12_ctx *x,
			      const uint8_t psk[DTLS12_PSK_LEN],
			      unsigned link_mtu, dtls12_send_fn send,
			      dtls12_frame_fn frame, void *arg);

/* dtls12_psk_from_tls: the PSK-NEGOTIATE key from the CSTP TLS session:
 * SSL_export_keying_material(tls, out, 32, "EXPORTER-openconnect-psk",
 * no context), TLS 1.2 or 1.3.  Returns 0, or -1 (out zeroed) when tls
 * has no session yet or libssl fails. */
int dtls12_psk_from_tls(SSL *tls, uint8_t out[DTLS12_PSK_LEN]);

/* dtls12_free: wipes and frees; NULL is a no-op. */
void dtls12_free(struct dtls12 *d);

/* dtls12_rest: on = an established session went quiet: libssl frees its
 * read buffer (16.7 KB) after each record until it is called with off (a
 * flow of records keeps it).  Only the read buffer: libssl 3.0's DTLS
 * write path assumes its buffer is there (SSL_free_buffers on a DTLS
 * object, then a write, is a NULL write in do_dtls1_write), and it keeps
 * the handshake buffer for retransmissions.  During the handshake and on
 * our own record layer (which keeps no buffers) a no-op. */
void dtls12_rest(struct dtls12 *d, int on);

/*
 * dtls12_input: feeds one received datagram.  Drives the handshake, then
 * delivers every application record through the frame callback.  Returns
 * event bits (>= 0) or a negative enum dtls12_err when the session is dead
 * (handshake failure, including a client that did not resume: a full
 * handshake fails at once with "no shared cipher", an anonymous suite is
 * caught after it; fatal error).  Once dead, later calls return the same
 * error.  DTLS drops records it cannot decrypt without a word, so a
 * client with the wrong master secret or PSK is not seen here: its
 * handshake ends by dtls12_timeout.  A plaintext alert during the
 * handshake does end it (libssl believes it).  Garbage once established
 * only counts rx_dropped: a datagram with a record libssl could only
 * reject (unknown type, other version, length past the datagram, a
 * protected body shorter than the suite produces) never reaches libssl,
 * whose 3.0.17-3.0.20 builds ended the session on such a record.  After EV_CLOSED, input is dropped (0).
 * DTLS12_ERR_INVAL for pkt NULL with len > 0 or len > INT_MAX; an empty
 * datagram is ignored.  now_ms only starts the handshake deadline.
 */
int dtls12_input(struct dtls12 *d, const uint8_t *pkt, size_t len,
		 uint64_t now_ms);

/* dtls12_next_timeout: absolute ms (same clock as now_ms) at which
 * dtls12_timeout wants to run; UINT64_MAX when no timer is armed (before
 * the first flight, once established, closed or dead).  libssl keeps its
 * retransmission timer on gettimeofday(), not on now_ms: its remaining
 * time is added to now_ms (rounded up), so call this again after every
 * dtls12_input / dtls12_timeout. */
uint64_t dtls12_next_timeout(const struct dtls12 *d, uint64_t now_ms);

/* dtls12_timeout: handshake retransmission (DTLSv1_handle_timeout): the
 * flight is resent when libssl's own clock says its timer expired, 1, 3,
 * 7, 15 and 23 s after the first flight (1 s doubling up to 8 s, like
 * dtls09).  Returns 0, or DTLS12_ERR_HANDSHAKE once now_ms is 31 s past
 * the dtls12_input that sent the first flight without the handshake
 * having completed (that deadline is on the owner's clock; later calls
 * repeat the error). */
int dtls12_timeout(struct dtls12 *d, uint64_t now_ms);

/* dtls12_send: one AnyConnect frame as one record (SSL_write), only once
 * established and only when 1 <= len <= dtls12_data_mtu (libssl itself
 * would send an oversized record, P6).  Returns 0, or a negative enum
 * dtls12_err: STATE before establishment or after close, INVAL for a
 * NULL frame or a bad length (the session lives on), the session's error
 * once dead, INTERNAL when libssl fails (the session is then dead). */
int dtls12_send(struct dtls12 *d, const uint8_t *frame, size_t len);

/* dtls12_data_mtu: largest frame that fits one datagram of link_mtu with
 * the negotiated suite (DTLS_get_data_mtu once established, as taken at
 * the handover on our own record layer, capped at
 * 16384; before that dtls12_data_mtu_for the suite, or for GCM when PSK,
 * which is what openconnect gets). */
size_t dtls12_data_mtu(const struct dtls12 *d);

/* dtls12_established: 1 while established (0 before, once closed or
 * dead); dtls12_cipher: OpenSSL name once established (also after
 * close), "" before; dtls12_stats: valid until dtls12_free. */
int dtls12_established(const struct dtls12 *d);
const char *dtls12_cipher(const struct dtls12 *d);
const struct dtls12_stats *dtls12_stats(const struct dtls12 *d);

/* dtls12_own_records: 1 once the session's records run on our own record
 * layer (dtlsrec.h) and the SSL object is freed, 0 while libssl runs
 * them.  The handover happens inside dtls12_input once the peer has
 * proven it holds our Finished, for AES-GCM suites only (the others stay
 * on libssl): at once when a resumption completes (the client's Finished
 * is the last flight), for PSK-NEGOTIATE (our Finished is the last
 * flight) at the client's first application record or at the first
 * datagram 5 s after the handshake.  Sequence numbers continue above
 * every epoch-1 record libssl sent; every epoch-1 record libssl was fed
 * counts as seen by the replay window. */
int dtls12_own_records(const struct dtls12 *d);

/* dtls12_close: sends close_notify (one datagram) and closes the session:
 * later sends fail with STATE, input is dropped.  0, STATE when not
 * established, the session's error once dead. */
int dtls12_close(struct dtls12 *d);

/* dtls12_error: the last failure as one line ("" when none). */
const char *dtls12_error(const struct dtls12 *d);

/* dtls12_data_mtu_for: the data MTU a suite gives at link_mtu without a
 * session (for X-DTLS-MTU at CONNECT), equal to what DTLS_get_data_mtu
 * reports for a session of that suite here: GCM and CCM 37 bytes of
 * overhead (13 header + 8 explicit nonce + 16 tag; CCM8 29), CHACHA20 29
 * (13 + 16 tag); CBC MAC-then-encrypt (EtM is off): 13 + 16 IV, then the
 * ciphertext rounded down to 16 holds the frame, the MAC (20, 32 or 48)
 * and at least one padding byte.  At 1472: GCM 1435, CHACHA20 1443,
 * AES-SHA1 1419, AES-SHA256 1407, AES-SHA384 1391.  Capped at 16384.  The
 * suite is recognised by its bulk cipher and MAC (the name's tail, e.g.
 * "AES256-GCM-SHA384" in "ECDHE-RSA-AES256-GCM-SHA384"); 0 for a name
 * not recognised (3DES included) or a link_mtu too small for any frame. */
size_t dtls12_data_mtu_for(const char *suite, unsigned link_mtu);

#endif
