/* libFuzzer target: the pool lease file loader (src/policy/leasefile.c
 * leasefile_decode), read by main at start from <state-dir>; a torn,
 * garbled or planted file must be refused whole or restored within the
 * pools.  Input: byte 0, then the file.  Two IPv4 pools and an IPv6 pool
 * receive it; byte 0 bit 0 leases an address first (a lease must never be
 * overwritten by a remembered owner), bit 1 sets a one-hour window.  Checks: a refusal
 * names its reason and restores nothing; a success restores no more
 * records than the pools have addresses, and encoding the pools again
 * gives a file that loads into fresh pools with the same count.
 */
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/leasefile.h"
#include "sslvpnd/pool.h"
#include "fuzz.h"

enum { NOW = 1700000000 };

static void pools_new(struct pool *p[3])
{
	static const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0 };

	p[0] = pool_new("PHONES", 0xc6130001, 0xc61300fe, 0xffffff00); /* 198.19.0.0/24 */
	p[1] = pool_new("staff", 0xc6130101, 0xc6130110, 0xffffff00);
	p[2] = pool_new6("v6", v6, 120, 64);
	CHECK(p[0] && p[1] && p[2]);
}

static void pools_free(struct pool *p[3])
{
	for (int i = 0; i < 3; i++)
		pool_free(p[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *p[3], *q[3];
	uint8_t flags = size ? data[0] : 0;
	char *buf = malloc(size + 1), *out = NULL;
	const char *why = NULL;
	size_t outlen = 0, held;
	long n;

	CHECK(buf);
	if (size) {
		data++;
		size--;
	}
	memcpy(buf, data, size);
	buf[size] = 0;
	pools_new(p);
	if (flags & 1)
		CHECK(pool_take(p[0], 0xc6130005, "leased-now") == 0);
	held = pool_held(p[0], NOW) + pool_held(p[1], NOW) + pool_held(p[2], NOW);
	n = leasefile_decode(buf, size, p, 3, NOW, flags & 2 ? 3600 : 0, &why);
	if (n < 0) {
		CHECK(n == -1 && why && *why);
		CHECK(held == pool_held(p[0], NOW) + pool_held(p[1], NOW) + pool_held(p[2], NOW));
	} else {
		CHECK((size_t)n <= pool_size(p[0]) + pool_size(p[1]) + pool_size(p[2]));
		if (flags & 1)
			CHECK(pool_contains(p[0], 0xc6130005) &&
			      pool_take(p[0], 0xc6130005, "x") == -1);
		CHECK(leasefile_encode(p, 3, NOW, &out, &outlen) == 0);
		pools_new(q);
		CHECK(leasefile_decode(out, outlen, q, 3, NOW, 0, &why) >= n);
		pools_free(q);
		free(out);
	}
	pools_free(p);
	free(buf);
	return 0;
}
