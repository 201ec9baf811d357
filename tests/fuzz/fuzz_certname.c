/* libFuzzer target: names taken from client certificates
 * (src/tls/certname.c): the phone CN (tls_phone_cn) and RFC 2253 subject
 * fields (tls_dn_field), as the certificate login and certificate maps
 * read them.  Input: the subject string; its first byte also sizes the
 * destination.  Checks: results are terminated inside their buffers, a
 * phone's MAC is 12 upper-case hex digits and its device name SEP<mac>,
 * a field found is no longer than the subject it came from.
 */
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/tls.h"
#include "fuzz.h"

static const char *const attrs[] = { "CN", "O", "OU", "C", "ST", "L",
				     "serialNumber", "emailAddress", "UID" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[300];
	size_t cap = size ? data[0] % sizeof(buf) + 1 : sizeof(buf);
	struct tls_phone ph;

	CHECK(s);
	memcpy(s, data, size);
	s[size] = 0;
	if (tls_phone_cn(s, &ph) == 0) {
		CHECK(strlen(ph.mac) == 12 && strspn(ph.mac, "0123456789ABCDEF") == 12);
		CHECK(!strncmp(ph.device, "SEP", 3) && !strcmp(ph.device + 3, ph.mac));
		CHECK(strlen(ph.model) < sizeof(ph.model));
	} else {
		CHECK(!ph.mac[0] && !ph.device[0] && !ph.model[0]);
	}
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (tls_dn_field(s, attrs[i], buf, cap) == 0) {
			CHECK(strlen(buf) < cap && strlen(buf) <= strlen(s));
			/* a CN found is a CN the phone parser may see */
			if (!strcmp(attrs[i], "CN"))
				(void)tls_phone_cn(buf, &ph);
		} else {
			CHECK(buf[0] == 0);
		}
	}
	free(s);
	return 0;
}
