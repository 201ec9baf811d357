/* libFuzzer target: the ClientHello demultiplexer main runs on every UDP
 * datagram of a DTLS port before any session exists
 * (dtls09_hello_session_id, src/main/udp.c hand_over; the same function
 * finds the session of a DTLS 1.2 resumption hello).  Input: one
 * datagram.  Checks: an id is only found in a datagram long enough to be
 * a hello, and the id returned is bytes of the datagram.
 */
#include "config.h"

#include <string.h>

#include "sslvpnd/dtls09.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t id[DTLS09_SESSION_ID_LEN];

	memset(id, 0x5a, sizeof(id));
	if (dtls09_hello_session_id(data, size, id) == 0) {
		/* record header 13 + handshake header 12 + version 2 +
		 * random 32 + length 1 */
		CHECK(size >= 13 + 12 + 2 + 32 + 1 + DTLS09_SESSION_ID_LEN);
		CHECK(memmem(data, size, id, sizeof(id)) != NULL);
	}
	return 0;
}
