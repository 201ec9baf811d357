/* CSTP framing on the TLS channel and the one-byte DTLS framing.
 *
 *   byte 0..3 'S' 'T' 'F' 0x01 | 4..5 payload length (BE) | 6 type | 7 0x00
 *
 * The server writes one frame per TLS record.  Frames it receives are parsed
 * from the TLS byte stream; a bad magic, a non-zero byte 7 or a length above
 * CSTP_MAX_PAYLOAD is a protocol error that ends the tunnel.
 */
#ifndef SSLVPND_CSTP_H
#define SSLVPND_CSTP_H

#include <stddef.h>
#include <stdint.h>

enum cstp_type {
	CSTP_DATA = 0x00,
	CSTP_DPD_REQ = 0x03,
	CSTP_DPD_RESP = 0x04,
	CSTP_DISCONNECT = 0x05,
	CSTP_KEEPALIVE = 0x07,
	CSTP_COMPRESSED = 0x08,
	CSTP_TERMINATE = 0x09,
};

enum {
	CSTP_HDR_LEN = 8,
	CSTP_MAX_PAYLOAD = 16384,
};

/* DISCONNECT reason codes (first payload byte). */
enum cstp_bye {
	CSTP_BYE_USER = 0xb0,       /* user logout: session and cookie end */
	CSTP_BYE_RECONNECT = 0x91,  /* reconnecting: keep the session */
	CSTP_BYE_CLIENT_ERR = 0x70,
	CSTP_BYE_PAUSED = 0xd1,
};

/* anyconnect ssl rekey method, as main tells a worker (TUNNEL_REP). */
enum cstp_rekey {
	CSTP_REKEY_NONE = 0,
	CSTP_REKEY_SSL,
	CSTP_REKEY_NEW_TUNNEL,
};

/* What a tunnel announces in X-CSTP-Rekey-Method (returned) and
 * X-CSTP-Rekey-Time (*secs_out) for the configured method and time
 * (0 = none) on a TLS 1.3 (tls13) or older connection. */
const char *cstp_rekey_announce(uint8_t method, uint32_t secs, int tls13,
				uint32_t *secs_out);

/* cstp_hdr: write the 8-byte header for a frame of type t and len bytes. */
void cstp_hdr(uint8_t hdr[CSTP_HDR_LEN], uint8_t type, uint16_t len);

/* cstp_parse: look for one frame at p[0..n).  Returns the frame's total
 * length (8 + payload) when complete, 0 when more bytes are needed, -1 on a
 * protocol error.  On success *type, *payload (into p) and *plen are set. */
int cstp_parse(const uint8_t *p, size_t n, uint8_t *type,
	       const uint8_t **payload, uint16_t *plen);

/* Human names for logs. */
const char *cstp_type_name(uint8_t type);
const char *cstp_bye_name(uint8_t reason);

#endif
