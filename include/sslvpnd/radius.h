/* RADIUS packets (RFC 2865, 2866, 2869, 3579, 5176): building requests and
 * checking replies.  Pure: no sockets, no state; the secret is an
 * argument.  Used by sslvpnd-secmod's RADIUS client (src/secmod/smradius.c)
 * and by the unit tests and the fuzzer.
 *
 * Every Access-Request carries a Message-Authenticator (RFC 3579: HMAC-MD5
 * of the packet with the secret), and every reply must carry a correct one
 * besides its Response Authenticator: a reply without it is refused
 * (BlastRADIUS, CVE-2024-3596: the MD5 Response Authenticator alone can be
 * forged by a man in the middle). */
#ifndef SSLVPND_RADIUS_H
#define SSLVPND_RADIUS_H

#include <stddef.h>
#include <stdint.h>

enum {
	RADIUS_MAX = 4096, RADIUS_HDR = 20, RADIUS_AUTH_LEN = 16,
	RADIUS_ACCESS_REQUEST = 1, RADIUS_ACCESS_ACCEPT = 2, RADIUS_ACCESS_REJECT = 3,
	RADIUS_ACCOUNTING_REQUEST = 4, RADIUS_ACCOUNTING_RESPONSE = 5,
	RADIUS_ACCESS_CHALLENGE = 11,
	RADIUS_DISCONNECT_REQUEST = 40, RADIUS_DISCONNECT_ACK = 41, RADIUS_DISCONNECT_NAK = 42,
	RADIUS_COA_REQUEST = 43, RADIUS_COA_ACK = 44, RADIUS_COA_NAK = 45,
};

/* Attribute types used here. */
enum {
	RA_USER_NAME = 1, RA_USER_PASSWORD = 2, RA_NAS_IP_ADDRESS = 4, RA_NAS_PORT = 5,
	RA_SERVICE_TYPE = 6, RA_FRAMED_IP_ADDRESS = 8, RA_FILTER_ID = 11,
	RA_REPLY_MESSAGE = 18, RA_STATE = 24, RA_CLASS = 25, RA_VENDOR_SPECIFIC = 26,
	RA_SESSION_TIMEOUT = 27, RA_IDLE_TIMEOUT = 28, RA_CALLING_STATION_ID = 31,
	RA_NAS_IDENTIFIER = 32, RA_ACCT_STATUS_TYPE = 40, RA_ACCT_DELAY_TIME = 41,
	RA_ACCT_INPUT_OCTETS = 42, RA_ACCT_OUTPUT_OCTETS = 43, RA_ACCT_SESSION_ID = 44,
	RA_ACCT_AUTHENTIC = 45, RA_ACCT_SESSION_TIME = 46, RA_ACCT_INPUT_PACKETS = 47,
	RA_ACCT_OUTPUT_PACKETS = 48, RA_ACCT_TERMINATE_CAUSE = 49,
	RA_ACCT_INPUT_GIGAWORDS = 52, RA_ACCT_OUTPUT_GIGAWORDS = 53,
	RA_NAS_PORT_TYPE = 61, RA_MESSAGE_AUTHENTICATOR = 80, RA_ERROR_CAUSE = 101,
};

enum { RADIUS_VENDOR_CISCO = 9, RADIUS_CISCO_AVPAIR = 1 };

/* Error-Cause values (RFC 5176 3.5). */
enum { RADIUS_ERR_UNSUPPORTED_SERVICE = 405, RADIUS_ERR_NO_SESSION = 503 };

struct radius_pkt {
	uint8_t b[RADIUS_MAX];
	size_t len;
};

/* radius_init: a packet of code and id with authenticator auth (16 bytes:
 * the random Request Authenticator of an Access-Request; ignored for the
 * requests whose authenticator is computed, see radius_finish). */
void radius_init(struct radius_pkt *p, uint8_t code, uint8_t id, const uint8_t *auth);
/* radius_add: one attribute (len <= 253); -1 when it does not fit. */
int radius_add(struct radius_pkt *p, uint8_t type, const void *v, size_t len);
int radius_add_str(struct radius_pkt *p, uint8_t type, const char *s);
int radius_add_u32(struct radius_pkt *p, uint8_t type, uint32_t v);
/* radius_add_octets: a 64-bit counter as its low 32 bits (attribute low)
 * and, when it is 4 GiB or more, the Gigawords (RFC 2869 5.1/5.2). */
int radius_add_octets(struct radius_pkt *p, uint8_t low, uint8_t giga, uint64_t v);
/* radius_add_password: User-Password hidden with the secret and the
 * Request Authenticator (RFC 2865 5.2); at most 128 bytes. */
int radius_add_password(struct radius_pkt *p, const char *pw, const char *secret);
/* radius_finish: adds Message-Authenticator (Access-Request, and the
 * requests of RFC 5176 when ma), fixes the length, and for
 * Accounting-Request / Disconnect / CoA computes the Request
 * Authenticator (RFC 2866 3).  -1 when it does not fit. */
int radius_finish(struct radius_pkt *p, const char *secret, int ma);

/* radius_finish_response: a reply we send (Disconnect-ACK/NAK) to request
 * req (len bytes): Message-Authenticator computed with the request's
 * authenticator, then the Response Authenticator (RFC 2865 3).  -1 when it
 * does not fit. */
int radius_finish_response(struct radius_pkt *p, const uint8_t *req, const char *secret);

/* radius_check_reply: buf (len bytes) is a reply to request req: same id,
 * length consistent, well-formed attributes, Response Authenticator and
 * Message-Authenticator (required when need_ma) correct for secret.
 * Returns 0, or -1 with *why naming what is wrong. */
int radius_check_reply(const uint8_t *buf, size_t len, const struct radius_pkt *req,
		       const char *secret, int need_ma, const char **why);
/* radius_check_request: an unsolicited request (Disconnect / CoA, RFC
 * 5176): well-formed, Request Authenticator as RFC 2866, and a
 * Message-Authenticator when present must be right.  0 or -1 + *why. */
int radius_check_request(const uint8_t *buf, size_t len, const char *secret, const char **why);
/* radius_well_formed: header length and attribute chain only (the fuzz
 * target's first gate). */
int radius_well_formed(const uint8_t *buf, size_t len, const char **why);

/* radius_attr_next: iterate the attributes of a well-formed packet:
 * *off starts at RADIUS_HDR; returns 1 with type, value and its length,
 * 0 at the end. */
int radius_attr_next(const uint8_t *buf, size_t len, size_t *off, uint8_t *type,
		     const uint8_t **v, size_t *vlen);

/* What a reply says for the session (Access-Accept / Challenge / Reject):
 * decoded from its attributes. */
struct radius_reply {
	char group_policy[65];   /* Class "OU=NAME;" (also Cisco "OU=NAME") */
	char class_[254];        /* raw Class */
	uint32_t framed_ip;      /* network order, 0 = none */
	char filter[1024];       /* Filter-Id NAME, or Cisco-AVPair ip:inacl#N=ACE lines */
	int filter_is_aces;      /* filter holds "ACE\n" lines, not a name */
	uint32_t session_timeout, idle_timeout;
	char reply_message[256]; /* Reply-Message(s), joined */
	uint8_t state[253];
	size_t state_len;
	char attrs[3072];        /* "aaa.radius.N=VALUE\n" for DAP */
};

/* radius_decode_reply: fill r from a reply already checked; 0, or -1 with
 * *why when an attribute is malformed (wrong length for its type). */
int radius_decode_reply(const uint8_t *buf, size_t len, struct radius_reply *r,
			const char **why);

#endif
