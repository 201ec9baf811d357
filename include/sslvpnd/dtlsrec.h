/* A DTLS 1.2 AES-GCM record layer of our own, for the sessions libssl
 * handshook (src/tls/dtls12.c hands an established session over to it and
 * frees the SSL object: 46 KB a phone that libssl 3.0 cannot release).
 *
 * Records (RFC 6347 4.1, RFC 5288): header type(1) version(2) epoch(2)
 * seq(6) length(2), then the explicit nonce (8), the ciphertext and the
 * 16-byte tag; nonce = the 4-byte implicit IV of the key block || the
 * explicit nonce, which libcrypto's TLS mode of AES-GCM counts up from a
 * random start, as for libssl; AAD = epoch || seq || type || version ||
 * plaintext length.  Keys come from the TLS 1.2 PRF
 * "key expansion" (RFC 5246 6.3) with the suite's handshake digest.
 * Received records pass a 64-record replay window (RFC 6347 4.1.2.6)
 * before they are opened and mark it only once their tag verified.
 *
 * Nothing here allocates per record; a struct dtlsrec belongs to one
 * thread.
 */
#ifndef SSLVPND_DTLSREC_H
#define SSLVPND_DTLSREC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

enum {
	DTLSREC_HDR = 13,
	DTLSREC_NONCE = 8,
	DTLSREC_TAG = 16,
	DTLSREC_OVERHEAD = DTLSREC_HDR + DTLSREC_NONCE + DTLSREC_TAG,
	DTLSREC_RANDOM = 32,
};

struct dtlsrec {
	EVP_CIPHER_CTX *seal, *open;
	uint16_t epoch;
	uint64_t tx_seq;  /* the next sequence number sent */
	uint64_t rx_top;  /* the highest sequence number accepted */
	uint64_t rx_mask; /* bit i: rx_top - i was accepted */
};

/* dtlsrec_covers: 1 when suite c's records are ours to run (AES-128-GCM
 * and AES-256-GCM, whatever the key exchange), 0 otherwise. */
int dtlsrec_covers(const SSL_CIPHER *c);

/*
 * dtlsrec_init: the server side of a session of suite c (dtlsrec_covers)
 * in epoch: keys from master and the two hello randoms.  The first record
 * sealed gets sequence number tx_seq (above anything the handshake's
 * record layer sent in that epoch); every received sequence number up to
 * rx_seen counts as seen.  Returns 0, or -1 (r wiped) when libcrypto
 * fails or an argument is out of range.
 */
int dtlsrec_init(struct dtlsrec *r, const SSL_CIPHER *c,
		 const uint8_t *master, size_t master_len,
		 const uint8_t client_random[DTLSREC_RANDOM],
		 const uint8_t server_random[DTLSREC_RANDOM], uint16_t epoch,
		 uint64_t tx_seq, uint64_t rx_seen);

/* dtlsrec_seal: one record of type with len bytes of pt into out (cap
 * bytes).  Returns the record length (len + DTLSREC_OVERHEAD), or 0 when
 * it does not fit, len > 16384, the 48-bit sequence numbers are spent or
 * libcrypto fails. */
size_t dtlsrec_seal(struct dtlsrec *r, uint8_t type, const uint8_t *pt,
		    size_t len, uint8_t *out, size_t cap);

/* dtlsrec_open: one whole record (header + body, rec_len bytes), opened
 * in out (cap bytes, at least the body): the plaintext is at
 * out + DTLSREC_NONCE.  Returns its length (*type set), or -1 to drop the
 * record: not DTLS 1.2, another epoch, a length that disagrees with
 * rec_len, too short, a replay or older than the window, a tag that does
 * not verify, or a body larger than cap. */
long dtlsrec_open(struct dtlsrec *r, const uint8_t *rec, size_t rec_len,
		  uint8_t *out, size_t cap, uint8_t *type);

/* dtlsrec_wipe: frees the cipher contexts (they wipe their keys) and
 * zeroes r; a zeroed r is a no-op. */
void dtlsrec_wipe(struct dtlsrec *r);

/* dtlsrec_prf: the TLS PRF (RFC 5246 5; digest "MD5-SHA1" gives TLS 1.0's)
 * of secret over label || seed into out.  0, or -1 on a libcrypto failure
 * or label + seed over 256 bytes. */
int dtlsrec_prf(const char *digest, const uint8_t *secret, size_t secret_len,
		const char *label, const uint8_t *seed, size_t seed_len,
		uint8_t *out, size_t out_len);

#endif
