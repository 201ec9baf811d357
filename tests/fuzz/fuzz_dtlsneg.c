/* libFuzzer target: the X-DTLS negotiation on a CONNECT
 * (src/tls/dtlsneg.c dtls_negotiate): X-DTLS-Master-Secret,
 * X-DTLS-CipherSuite and X-DTLS12-CipherSuite come from the client.
 * Input: byte 0 the policy switches, then the three header values
 * separated by NUL bytes (a missing one is an absent header).  Checks: a
 * mode other than none names a suite the policy lists (or PSK-NEGOTIATE
 * when allowed), the reply and reason are terminated, and no DTLS without
 * a reason happens only when no master secret was sent.
 */
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/dtlsneg.h"
#include "fuzz.h"

static uint16_t only_gcm(const void *arg, const char *name)
{
	(void)arg;
	return strstr(name, "GCM") ? 0xc030 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 2), *v[3] = { NULL, NULL, NULL };
	uint8_t sw = size ? data[0] : 0;
	struct dtls_policy pol = {
		.enabled = !(sw & 1),
		.psk = !(sw & 2),
		.tls_suite = sw & 4 ? "AES256-SHA" : "ECDHE-RSA-AES256-GCM-SHA384",
		.list09 = sw & 8 ? "AES128-SHA" : "AES256-SHA:AES128-SHA",
		.list12 = "ECDHE-RSA-AES256-GCM-SHA384:AES256-GCM-SHA384:AES128-SHA",
		.suite12_ok = sw & 16 ? only_gcm : NULL,
	};
	struct dtls_offer offer;
	struct dtls_choice ch;
	size_t n = 0;

	CHECK(s);
	if (size > 1)
		memcpy(s, data + 1, size - 1);
	s[size ? size - 1 : 0] = 0;
	for (char *p = s, *end = s + (size ? size - 1 : 0); n < 3 && p <= end; n++) {
		v[n] = p;
		p += strlen(p) + 1;
	}
	offer = (struct dtls_offer){ v[0], v[1], v[2] };
	memset(&ch, 0xa5, sizeof(ch));
	enum dtls_mode m = dtls_negotiate(&offer, &pol, &ch);

	CHECK(m == ch.mode);
	CHECK(memchr(ch.why, 0, sizeof(ch.why)) && memchr(ch.reply, 0, sizeof(ch.reply)) &&
	      memchr(ch.suite, 0, sizeof(ch.suite)));
	if (m == DTLS_MODE_NONE && !ch.why[0])
		CHECK(!offer.master_secret || !pol.enabled);
	if (m != DTLS_MODE_NONE) {
		CHECK(pol.enabled && offer.master_secret);
		CHECK(dtls_list_has(pol.list09, ch.suite) || dtls_list_has(pol.list12, ch.suite) ||
		      (pol.psk && !strcmp(ch.suite, "PSK-NEGOTIATE")));
	}
	CHECK(dtls_mode_name(m) != NULL);
	free(s);
	return 0;
}
