/* Unit tests for src/policy/pool.c: address pools. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/pool.h"
#include "sslvpnd/util.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define MASK24 A(255, 255, 255, 0)

/* ---- core: lease everything, then exhaustion */

static const struct range_case {
	const char *what;
	uint32_t first, last;
} ranges[] = {
	{ "phone pool 10.10.1.1-254", A(10, 10, 1, 1), A(10, 10, 1, 254) },
	{ "single address", A(198, 19, 0, 7), A(198, 19, 0, 7) },
	{ "crosses an octet", A(198, 19, 0, 250), A(198, 19, 1, 5) },
	{ "top of the address space", A(255, 255, 255, 250), A(255, 255, 255, 255) },
	{ "bottom of the address space", 0, 3 },
};

START_TEST(test_lease_all_then_full)
{
	const struct range_case *c = &ranges[_i];
	size_t n = (size_t)(c->last - c->first) + 1, k;
	struct pool *p = pool_new("p", c->first, c->last, MASK24);
	uint32_t addr, expect;

	ck_assert_msg(p != NULL, "%s: pool_new failed", c->what);
	ck_assert_uint_eq(pool_size(p), n);
	for (k = 0; k < n; k++) {
		/* A fresh pool hands out addresses in order. */
		expect = c->first + (uint32_t)k;
		ck_assert_msg(pool_lease(p, NULL, &addr) == 0,
			      "%s: lease %zu of %zu failed", c->what, k + 1, n);
		ck_assert_msg(addr == expect, "%s: expected %08x, got %08x",
			      c->what, expect, addr);
	}
	ck_assert_uint_eq(pool_in_use(p), n);
	addr = 0x12345678;
	ck_assert_msg(pool_lease(p, "late", &addr) == -1,
		      "%s: lease from a full pool succeeded", c->what);
	ck_assert_msg(addr == 0x12345678, "%s: *addr changed on failure", c->what);
	ck_assert_uint_eq(pool_in_use(p), n);
	pool_free(p);
}
END_TEST

/* ---- core: bad ranges */

static const struct new_case {
	const char *what;
	uint32_t first, last;
	int ok;
} news[] = {
	{ "first > last", A(10, 0, 0, 2), A(10, 0, 0, 1), 0 },
	{ "2^20 + 1 addresses", A(10, 0, 0, 0), A(10, 16, 0, 0), 0 },
	{ "whole address space", 0, UINT32_MAX, 0 },
	{ "exactly 2^20 addresses", A(10, 0, 0, 0), A(10, 15, 255, 255), 1 },
	{ "one address", A(10, 0, 0, 1), A(10, 0, 0, 1), 1 },
};

START_TEST(test_new_ranges)
{
	const struct new_case *c = &news[_i];
	struct pool *p = pool_new("p", c->first, c->last, 0);

	ck_assert_msg((p != NULL) == c->ok, "%s: expected %s, got %s", c->what,
		      c->ok ? "a pool" : "NULL", p != NULL ? "a pool" : "NULL");
	pool_free(p);
}
END_TEST

START_TEST(test_accessors)
{
	struct pool *p = pool_new("vpn-phone-pool", A(10, 10, 1, 1),
				  A(10, 10, 1, 254), MASK24);

	ck_assert_str_eq(pool_name(p), "vpn-phone-pool");
	ck_assert_uint_eq(pool_mask(p), MASK24);
	ck_assert_int_eq(pool_contains(p, A(10, 10, 1, 1)), 1);
	ck_assert_int_eq(pool_contains(p, A(10, 10, 1, 254)), 1);
	ck_assert_int_eq(pool_contains(p, A(10, 10, 1, 0)), 0);
	ck_assert_int_eq(pool_contains(p, A(10, 10, 1, 255)), 0);
	pool_free(p);
	pool_free(NULL);
}
END_TEST

/* ---- core: release and reuse */

START_TEST(test_release_reuse)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 3), MASK24);
	uint32_t a, b, c, d;

	ck_assert_int_eq(pool_lease(p, NULL, &a), 0);
	ck_assert_int_eq(pool_lease(p, NULL, &b), 0);
	ck_assert_int_eq(pool_lease(p, NULL, &c), 0);
	ck_assert_int_eq(pool_lease(p, NULL, &d), -1);
	ck_assert_int_eq(pool_release(p, b), 0);
	ck_assert_uint_eq(pool_in_use(p), 2);
	ck_assert_int_eq(pool_lease(p, NULL, &d), 0);
	ck_assert_uint_eq(d, b);
	ck_assert_uint_eq(pool_in_use(p), 3);
	pool_free(p);
}
END_TEST

/* Released addresses are reused oldest first, so a recently released one
 * stays free for its owner as long as possible. */
START_TEST(test_release_fifo)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 4), MASK24);
	uint32_t x[4], y;
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pool_lease(p, NULL, &x[i]), 0);
	ck_assert_int_eq(pool_release(p, x[2]), 0);
	ck_assert_int_eq(pool_release(p, x[0]), 0);
	ck_assert_int_eq(pool_lease(p, NULL, &y), 0);
	ck_assert_uint_eq(y, x[2]);
	ck_assert_int_eq(pool_lease(p, NULL, &y), 0);
	ck_assert_uint_eq(y, x[0]);
	pool_free(p);
}
END_TEST

/* ---- core: sticky owners */

START_TEST(test_sticky_owner)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 10), MASK24);
	uint32_t phone, other, again;

	ck_assert_int_eq(pool_lease(p, "CP-8861-SEP682C7B40B5CE", &phone), 0);
	ck_assert_int_eq(pool_lease(p, "CP-7962G-SEP8CB64F576113", &other), 0);
	ck_assert_int_eq(pool_release(p, phone), 0);
	/* Anonymous leases take other free addresses first. */
	ck_assert_int_eq(pool_lease(p, NULL, &again), 0);
	ck_assert_uint_ne(again, phone);
	ck_assert_int_eq(pool_lease(p, "CP-8861-SEP682C7B40B5CE", &again), 0);
	ck_assert_msg(again == phone, "expected %08x back, got %08x", phone, again);
	pool_free(p);
}
END_TEST

/* Once someone else holds the old address, the owner gets a new one, and
 * the new holder now owns the address for stickiness. */
START_TEST(test_sticky_lost)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 2), MASK24);
	uint32_t a, b, c;

	ck_assert_int_eq(pool_lease(p, "alice", &a), 0);
	ck_assert_int_eq(pool_release(p, a), 0);
	ck_assert_int_eq(pool_lease(p, "bob", &b), 0);
	ck_assert_uint_ne(a, b); /* bob avoids alice's address while another is free */
	ck_assert_int_eq(pool_lease(p, "carol", &c), 0);
	ck_assert_uint_eq(c, a); /* pool is small: carol gets it */
	ck_assert_int_eq(pool_release(p, b), 0);
	ck_assert_int_eq(pool_release(p, c), 0);
	ck_assert_int_eq(pool_lease(p, "alice", &a), 0);
	/* alice was forgotten: she gets the oldest free address, bob's. */
	ck_assert_uint_eq(a, b);
	ck_assert_int_eq(pool_lease(p, "carol", &b), 0);
	ck_assert_uint_eq(b, c);
	pool_free(p);
}
END_TEST

START_TEST(test_sticky_long_owner)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 4), MASK24);
	char owner[1024];
	uint32_t a, b;

	memset(owner, 'x', sizeof(owner) - 1);
	owner[sizeof(owner) - 1] = '\0';
	ck_assert_int_eq(pool_lease(p, owner, &a), 0);
	ck_assert_int_eq(pool_release(p, a), 0);
	/* Too long to remember: the lease works, stickiness does not. */
	ck_assert_int_eq(pool_lease(p, owner, &b), 0);
	ck_assert_uint_ne(a, b);
	pool_free(p);
}
END_TEST

/* ---- core: take and bad releases */

START_TEST(test_take)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 4), MASK24);
	uint32_t a;

	ck_assert_int_eq(pool_take(p, A(10, 0, 0, 3), "dev1"), 0);
	ck_assert_int_eq(pool_take(p, A(10, 0, 0, 3), "dev2"), -1);
	ck_assert_int_eq(pool_take(p, A(10, 0, 0, 5), "dev2"), -1);
	ck_assert_int_eq(pool_take(p, A(10, 0, 0, 0), NULL), -1);
	ck_assert_uint_eq(pool_in_use(p), 1);
	ck_assert_int_eq(pool_lease(p, NULL, &a), 0);
	ck_assert_uint_eq(a, A(10, 0, 0, 1));
	ck_assert_int_eq(pool_lease(p, NULL, &a), 0);
	ck_assert_uint_eq(a, A(10, 0, 0, 2)); /* .3 is skipped */
	ck_assert_int_eq(pool_release(p, A(10, 0, 0, 3)), 0);
	ck_assert_int_eq(pool_lease(p, "dev1", &a), 0);
	ck_assert_uint_eq(a, A(10, 0, 0, 3)); /* take is sticky too */
	pool_free(p);
}
END_TEST

static const struct release_case {
	const char *what;
	uint32_t addr;
} bad_releases[] = {
	{ "below the range", A(10, 0, 0, 0) },
	{ "above the range", A(10, 0, 0, 5) },
	{ "foreign pool address", A(192, 168, 1, 1) },
	{ "in range, never leased", A(10, 0, 0, 4) },
	{ "released twice", A(10, 0, 0, 2) },
};

START_TEST(test_release_bad)
{
	const struct release_case *c = &bad_releases[_i];
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 4), MASK24);
	uint32_t a;
	int i, rc;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(pool_lease(p, NULL, &a), 0);
	ck_assert_int_eq(pool_release(p, A(10, 0, 0, 2)), 0);
	rc = pool_release(p, c->addr);
	ck_assert_msg(rc == -1, "%s: expected -1, got %d", c->what, rc);
	ck_assert_uint_eq(pool_in_use(p), 2);
	pool_free(p);
}
END_TEST

/* ---- limits: a large pool */

enum { BIG = 100000 };

START_TEST(test_big_pool)
{
	struct pool *p = pool_new("big", A(10, 0, 0, 0), A(10, 0, 0, 0) + BIG - 1, 0);
	uint32_t a, i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < BIG; i++) {
		ck_assert_int_eq(pool_lease(p, NULL, &a), 0);
		ck_assert_uint_eq(a, A(10, 0, 0, 0) + i);
	}
	ck_assert_uint_eq(pool_in_use(p), BIG);
	ck_assert_int_eq(pool_lease(p, NULL, &a), -1);
	for (i = 0; i < BIG; i++)
		ck_assert_int_eq(pool_release(p, A(10, 0, 0, 0) + i), 0);
	ck_assert_uint_eq(pool_in_use(p), 0);
	pool_free(p);
}
END_TEST

START_TEST(test_big_pool_owners)
{
	struct pool *p = pool_new("big", A(10, 0, 0, 0), A(10, 0, 0, 0) + BIG - 1, 0);
	char owner[32];
	uint32_t a, i;

	for (i = 0; i < BIG; i++) {
		snprintf(owner, sizeof(owner), "CP-8861-SEP%012x", i);
		ck_assert_int_eq(pool_lease(p, owner, &a), 0);
	}
	for (i = 0; i < BIG; i++)
		ck_assert_int_eq(pool_release(p, A(10, 0, 0, 0) + i), 0);
	/* Everyone comes back in reverse order and still gets their address. */
	for (i = BIG; i-- > 0;) {
		snprintf(owner, sizeof(owner), "CP-8861-SEP%012x", i);
		ck_assert_int_eq(pool_lease(p, owner, &a), 0);
		ck_assert_msg(a == A(10, 0, 0, 0) + i, "%s: expected %08x, got %08x",
			      owner, A(10, 0, 0, 0) + i, a);
	}
	ck_assert_uint_eq(pool_in_use(p), BIG);
	pool_free(p);
}
END_TEST

/* ---- limits: random operations against a model */

enum { RND_SIZE = 1000, RND_OWNERS = 300, RND_OPS = 100000, NONE = -1 };

struct model {
	uint8_t leased[RND_SIZE];
	int owner_of[RND_SIZE];   /* remembered owner of each address */
	int addr_of[RND_OWNERS];  /* remembered address of each owner */
	size_t in_use;
};

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

/* xorshift64: same sequence on every libc, so failures reproduce. */
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

/* Mirror of the pool's stickiness rule: one owner per address, one
 * remembered address per owner (its latest). */
static void model_lease(struct model *m, int idx, int owner)
{
	int old = m->owner_of[idx];

	if (old != NONE)
		m->addr_of[old] = NONE;
	if (owner != NONE) {
		if (m->addr_of[owner] != NONE)
			m->owner_of[m->addr_of[owner]] = NONE;
		m->addr_of[owner] = idx;
	}
	m->owner_of[idx] = owner;
	m->leased[idx] = 1;
	m->in_use++;
}

static void rnd_lease(struct pool *p, struct model *m, uint32_t base)
{
	int owner = rnd(4) == 0 ? NONE : (int)rnd(RND_OWNERS);
	char name[16];
	uint32_t a;
	int rc, want;

	snprintf(name, sizeof(name), "u%d", owner);
	rc = pool_lease(p, owner == NONE ? NULL : name, &a);
	if (m->in_use == RND_SIZE) {
		ck_assert_msg(rc == -1, "lease from a full pool: got %d", rc);
		return;
	}
	ck_assert_msg(rc == 0, "lease with %zu in use: got %d", m->in_use, rc);
	ck_assert_msg(pool_contains(p, a), "address %08x outside the pool", a);
	ck_assert_msg(!m->leased[a - base], "address %08x handed out twice", a);
	want = owner != NONE ? m->addr_of[owner] : NONE;
	if (want != NONE && !m->leased[want])
		ck_assert_msg(a - base == (uint32_t)want,
			      "owner %s: expected its old %08x, got %08x", name,
			      base + want, a);
	model_lease(m, (int)(a - base), owner);
}

static void rnd_release(struct pool *p, struct model *m, uint32_t base)
{
	uint32_t idx = rnd(RND_SIZE + 10); /* a few out of range */
	int rc = pool_release(p, base + idx);
	int want = idx < RND_SIZE && m->leased[idx] ? 0 : -1;

	ck_assert_msg(rc == want, "release of index %u: expected %d, got %d", idx,
		      want, rc);
	if (rc == 0) {
		m->leased[idx] = 0;
		m->in_use--;
	}
}

START_TEST(test_random_ops)
{
	static struct model m;
	uint32_t base = A(172, 16, 0, 0);
	struct pool *p = pool_new("rnd", base, base + RND_SIZE - 1, 0);
	int i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < RND_SIZE; i++)
		m.owner_of[i] = NONE;
	for (i = 0; i < RND_OWNERS; i++)
		m.addr_of[i] = NONE;
	for (i = 0; i < RND_OPS; i++) {
		/* Lean towards leases so the pool fills up and empties often. */
		if (rnd(100) < 55)
			rnd_lease(p, &m, base);
		else
			rnd_release(p, &m, base);
		ck_assert_uint_eq(pool_in_use(p), m.in_use);
	}
	pool_free(p);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(core, test_lease_all_then_full, 0, (int)ARRAY_SIZE(ranges));
	tcase_add_loop_test(core, test_new_ranges, 0, (int)ARRAY_SIZE(news));
	tcase_add_test(core, test_accessors);
	tcase_add_test(core, test_release_reuse);
	tcase_add_test(core, test_release_fifo);
	tcase_add_test(core, test_sticky_owner);
	tcase_add_test(core, test_sticky_lost);
	tcase_add_test(core, test_sticky_long_owner);
	tcase_add_test(core, test_take);
	tcase_add_loop_test(core, test_release_bad, 0, (int)ARRAY_SIZE(bad_releases));
	suite_add_tcase(s, core);

	tcase_set_timeout(limits, 60);
	tcase_add_test(limits, test_big_pool);
	tcase_add_test(limits, test_big_pool_owners);
	tcase_add_test(limits, test_random_ops);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
