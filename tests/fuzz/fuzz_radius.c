/* libFuzzer target: RADIUS replies and unsolicited requests (bytes from
 * the network into sslvpnd-secmod: src/common/radius.c).
 *
 * The input is a datagram checked as a reply to a fixed Access-Request
 * (and as a Disconnect / CoA request), then decoded: every attribute the
 * iterator yields lies inside the packet, the decoded texts are
 * terminated, a State fits its buffer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sslvpnd/radius.h"
#include "fuzz.h"

static void walk(const uint8_t *data, size_t size)
{
	size_t off = RADIUS_HDR, vlen;
	const uint8_t *v;
	uint8_t type;

	while (radius_attr_next(data, size, &off, &type, &v, &vlen)) {
		CHECK(v >= data + RADIUS_HDR + 2 && v + vlen <= data + size);
		CHECK(off <= size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t auth[16] = "0123456789abcdef";
	static struct radius_reply d;
	struct radius_pkt req;
	const char *why = NULL;

	if (size > RADIUS_MAX)
		return 0;
	radius_init(&req, RADIUS_ACCESS_REQUEST, size ? data[1 % size] : 0, auth);
	radius_add_str(&req, RA_USER_NAME, "fuzz");
	CHECK(radius_finish(&req, "secret", 1) == 0);
	if (radius_check_reply(data, size, &req, "secret", 1, &why) < 0)
		CHECK(why != NULL);
	(void)radius_check_request(data, size, "secret", &why);
	if (radius_well_formed(data, size, &why) < 0)
		return 0;
	walk(data, size);
	if (radius_decode_reply(data, size, &d, &why) == 0) {
		CHECK(memchr(d.reply_message, '\0', sizeof(d.reply_message)) != NULL);
		CHECK(memchr(d.filter, '\0', sizeof(d.filter)) != NULL);
		CHECK(memchr(d.attrs, '\0', sizeof(d.attrs)) != NULL);
		CHECK(memchr(d.group_policy, '\0', sizeof(d.group_policy)) != NULL);
		CHECK(d.state_len <= sizeof(d.state));
	}
	return 0;
}
