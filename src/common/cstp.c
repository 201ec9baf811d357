/* CSTP framing on the TLS channel.
 *
 * cstp_parse() sees the decrypted TLS stream of an authenticated but still
 * untrusted client.  It checks the header completely before the caller looks
 * at type or payload, and rejects a bad prefix as soon as the bytes that
 * contradict it have arrived, so garbage never waits for 8 bytes to pile up.
 */
#include <string.h>

#include "sslvpnd/cstp.h"
#include "sslvpnd/util.h"

static const uint8_t magic[4] = { 'S', 'T', 'F', 0x01 };

/* "unknown (0xNN)" for every byte value, built by the preprocessor so the
 * name functions can return constant strings: no static buffer that a second
 * call in the same log line would overwrite. */
/* clang-format off */
#define UNK_STR(x) #x
#define UNK(x) "unknown (0x" UNK_STR(x) ")"
#define UNK_ROW(h)                                                        \
	UNK(h##0), UNK(h##1), UNK(h##2), UNK(h##3), UNK(h##4), UNK(h##5), \
	UNK(h##6), UNK(h##7), UNK(h##8), UNK(h##9), UNK(h##a), UNK(h##b), \
	UNK(h##c), UNK(h##d), UNK(h##e), UNK(h##f)

static const char *const unknown[256] = {
	UNK_ROW(0), UNK_ROW(1), UNK_ROW(2), UNK_ROW(3),
	UNK_ROW(4), UNK_ROW(5), UNK_ROW(6), UNK_ROW(7),
	UNK_ROW(8), UNK_ROW(9), UNK_ROW(a), UNK_ROW(b),
	UNK_ROW(c), UNK_ROW(d), UNK_ROW(e), UNK_ROW(f),
};
/* clang-format on */

struct code_name {
	uint8_t code;
	const char *name;
};

static const struct code_name type_names[] = {
	{ CSTP_DATA, "DATA" },		 { CSTP_DPD_REQ, "DPD-REQ" },
	{ CSTP_DPD_RESP, "DPD-RESP" },	 { CSTP_DISCONNECT, "DISCONNECT" },
	{ CSTP_KEEPALIVE, "KEEPALIVE" }, { CSTP_COMPRESSED, "COMPRESSED" },
	{ CSTP_TERMINATE, "TERMINATE" },
};

static const struct code_name bye_names[] = {
	{ CSTP_BYE_USER, "user requested" },
	{ CSTP_BYE_RECONNECT, "reconnecting" },
	{ CSTP_BYE_CLIENT_ERR, "client error" },
	{ CSTP_BYE_PAUSED, "paused" },
};

void cstp_hdr(uint8_t hdr[CSTP_HDR_LEN], uint8_t type, uint16_t len)
{
	memcpy(hdr, magic, sizeof(magic));
	hdr[4] = (uint8_t)(len >> 8);
	hdr[5] = (uint8_t)len;
	hdr[6] = type;
	hdr[7] = 0;
}

int cstp_parse(const uint8_t *p, size_t n, uint8_t *type,
	       const uint8_t **payload, uint16_t *plen)
{
	size_t m = n < sizeof(magic) ? n : sizeof(magic);
	uint16_t len;

	if (m && memcmp(p, magic, m))
		return -1;
	if (n > 7 && p[7] != 0)
		return -1;
	if (n >= 6 && ((size_t)p[4] << 8 | p[5]) > CSTP_MAX_PAYLOAD)
		return -1;
	if (n < CSTP_HDR_LEN)
		return 0;
	len = (uint16_t)(p[4] << 8 | p[5]);
	if (n - CSTP_HDR_LEN < len)
		return 0;
	*type = p[6];
	*payload = p + CSTP_HDR_LEN;
	*plen = len;
	return CSTP_HDR_LEN + len;
}

static const char *lookup(const struct code_name *t, size_t count, uint8_t code)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (t[i].code == code)
			return t[i].name;
	return unknown[code];
}

const char *cstp_type_name(uint8_t type)
{
	return lookup(type_names, ARRAY_SIZE(type_names), type);
}

const char *cstp_bye_name(uint8_t reason)
{
	return lookup(bye_names, ARRAY_SIZE(bye_names), reason);
}

/* Two days: what the headend announced before the rekey attributes existed,
 * and what it still announces for "none" (phones keep today's headers). */
#define CSTP_REKEY_DEFAULT 172800u

/* Never "none": Cisco Secure Client 5.1 refuses a CONNECT reply with
 * X-CSTP-Rekey-Method: none on TLS 1.3 (ocserv #745).  "ssl" is
 * honoured on TLS 1.3 only: there the client's rekey is a KeyUpdate, which
 * libssl answers by itself; on TLS 1.2 and older it would be a
 * renegotiation, which the headend refuses (a full handshake's key
 * operation in secmod per rekey, and a lever for load), so the client is
 * told to open a new tunnel with its cookie instead, as ocserv does for
 * peers without safe renegotiation. */
const char *cstp_rekey_announce(uint8_t method, uint32_t secs, int tls13,
				uint32_t *secs_out)
{
	*secs_out = secs ? secs : CSTP_REKEY_DEFAULT;
	if (method == CSTP_REKEY_NONE)
		*secs_out = CSTP_REKEY_DEFAULT;
	return method == CSTP_REKEY_SSL && tls13 ? "ssl" : "new-tunnel";
}
