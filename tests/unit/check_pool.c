/* Unit tests for src/policy/pool.c: address pools. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/leasefile.h"
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

/* Owner names share one buffer per pool (S11: one malloc per name pinned
 * a heap page each after the sessions ended).  20,000 leases by distinct
 * owners on 16 addresses forget 19,984 names: the buffer is compacted many
 * times, and the 16 owners still remembered keep their own address and
 * their names, also a long one. */
static int names_cb(const struct pool_entry *e, void *arg)
{
	char (*want)[80] = arg;

	ck_assert_ptr_nonnull(e->owner);
	ck_assert_str_eq(e->owner, want[e->index]);
	return 0;
}

START_TEST(test_owner_names_compacted)
{
	enum { N = 16, LEASES = 20000 };
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, N), MASK24);
	char name[80], want[N][80];
	uint32_t a, got;

	for (int i = 0; i < LEASES; i++) {
		snprintf(name, sizeof(name), "%s-%d", i % 7 ? "u" :
			 "CP-8861-SEP682C7B40B5CE-a-rather-long-device-name", i);
		ck_assert_int_eq(pool_lease(p, name, &a), 0);
		snprintf(want[a - A(10, 0, 0, 1)], sizeof(want[0]), "%s", name);
		ck_assert_int_eq(pool_release(p, a), 0);
	}
	pool_foreach(p, names_cb, want);
	for (uint32_t i = 0; i < N; i++) {
		ck_assert_int_eq(pool_lease(p, want[i], &got), 0);
		ck_assert_uint_eq(got, A(10, 0, 0, 1) + i);
	}
	pool_free(p);
}
END_TEST

/* Every leased address names its holder, also when one owner holds two
 * (two sessions of one user) and after a reload moved both leases into a
 * new pool object (pool_take, reload.c): "show ip local pool" printed "-"
 * for the first.  Stickiness stays: the owner gets a released one back. */
static int leased_owner_cb(const struct pool_entry *e, void *arg)
{
	size_t *named = arg;

	if (e->leased && e->owner && !strcmp(e->owner, "dev1"))
		(*named)++;
	return 0;
}

START_TEST(test_owner_of_each_lease)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 8), MASK24);
	struct pool *q = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 16), MASK24);
	uint32_t a, b, again;
	size_t named = 0;

	ck_assert_int_eq(pool_lease(p, "dev1", &a), 0);
	ck_assert_int_eq(pool_lease(p, "dev1", &b), 0);
	ck_assert_uint_ne(a, b);
	pool_foreach(p, leased_owner_cb, &named);
	ck_assert_msg(named == 2, "expected both leases owned by dev1, got %zu", named);
	/* the reload's move: take in the new object, release in the old */
	ck_assert_int_eq(pool_take(q, a, "dev1"), 0);
	ck_assert_int_eq(pool_release(p, a), 0);
	ck_assert_int_eq(pool_take(q, b, "dev1"), 0);
	ck_assert_int_eq(pool_release(p, b), 0);
	named = 0;
	pool_foreach(q, leased_owner_cb, &named);
	ck_assert_msg(named == 2, "after the move: expected 2 leases owned by dev1, got %zu", named);
	ck_assert_int_eq(pool_release(q, b), 0);
	ck_assert_int_eq(pool_lease(q, NULL, &again), 0);
	ck_assert_uint_ne(again, b);
	ck_assert_int_eq(pool_lease(q, "dev1", &again), 0);
	ck_assert_msg(again == b, "expected %08x back, got %08x", b, again);
	pool_free(p);
	pool_free(q);
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

/* ---- core: the reuse window */

/* Within the window the owner gets its address back; after it the memory
 * is gone and the address is ordinary free space (here: the owner gets the
 * never-used address at the head of the free list instead). */
START_TEST(test_window)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 10), MASK24);
	uint32_t a, b;

	pool_set_window(p, 100);
	ck_assert_int_eq(pool_lease_at(p, "alice", 1000, &a), 0);
	ck_assert_int_eq(pool_release_at(p, a, 1010), 0);
	ck_assert_uint_eq(pool_held(p, 1110), 1);
	ck_assert_uint_eq(pool_held(p, 1111), 0);
	ck_assert_int_eq(pool_lease_at(p, "alice", 1110, &b), 0);
	ck_assert_msg(b == a, "within the window: expected %08x, got %08x", a, b);
	ck_assert_int_eq(pool_release_at(p, b, 1200), 0);
	ck_assert_int_eq(pool_lease_at(p, "alice", 1301, &b), 0);
	ck_assert_msg(b != a, "after the window: got the old %08x again", a);
	/* The expired memory was dropped: nothing is held for anyone now. */
	ck_assert_int_eq(pool_release_at(p, b, 1302), 0);
	ck_assert_uint_eq(pool_held(p, 1302), 1);
	pool_free(p);
}
END_TEST

/* Window 0: remembered for as long as nobody else takes the address. */
START_TEST(test_window_unlimited)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 10), MASK24);
	uint32_t a, b;

	ck_assert_int_eq(pool_lease_at(p, "alice", 1000, &a), 0);
	ck_assert_int_eq(pool_release_at(p, a, 1000), 0);
	ck_assert_uint_eq(pool_held(p, 1000 + 10 * 365 * 86400LL), 1);
	ck_assert_int_eq(pool_lease_at(p, "alice", 1000 + 10 * 365 * 86400LL, &b), 0);
	ck_assert_uint_eq(a, b);
	pool_free(p);
}
END_TEST

/* ---- core: IPv6 pools */

static void a6(const char *text, uint8_t out[16])
{
	ck_assert_msg(inet_pton(AF_INET6, text, out) == 1, "bad test address %s", text);
}

START_TEST(test_ipv6_basic)
{
	uint8_t first[16], got[16], want[16], x[16];
	struct pool *p;
	uint32_t v4;
	char buf[64];
	size_t idx;

	a6("2001:db8:0:1::10", first);
	p = pool_new6("v6", first, 64, 4);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pool_family(p), 6);
	ck_assert_uint_eq(pool_prefix_len(p), 64);
	ck_assert_uint_eq(pool_mask(p), 0);
	ck_assert_uint_eq(pool_size(p), 4);
	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:0:1::%x", 0x10 + i);
		a6(buf, want);
		ck_assert_int_eq(pool_lease6(p, NULL, 0, got), 0);
		ck_assert_msg(memcmp(got, want, 16) == 0, "lease %d: expected %s", i, buf);
		ck_assert_int_eq(pool_contains6(p, got), 1);
	}
	ck_assert_int_eq(pool_lease6(p, "late", 0, got), -1);
	/* The IPv4 calls refuse an IPv6 pool. */
	ck_assert_int_eq(pool_lease(p, NULL, &v4), -1);
	ck_assert_int_eq(pool_contains(p, 0), 0);
	a6("2001:db8:0:1::14", x);
	ck_assert_int_eq(pool_contains6(p, x), 0);
	ck_assert_int_eq(pool_release6(p, x, 0), -1);
	a6("2001:db8:0:1::f", x);
	ck_assert_int_eq(pool_contains6(p, x), 0);
	a6("2001:db8:0:2::10", x);
	ck_assert_int_eq(pool_contains6(p, x), 0);
	/* Text forms used by the lease file and sslvpnctl. */
	ck_assert_str_eq(pool_addr_format(p, 3, buf, sizeof(buf)), "2001:db8:0:1::13");
	ck_assert_ptr_null(pool_addr_format(p, 4, buf, sizeof(buf)));
	ck_assert_int_eq(pool_addr_parse(p, "2001:db8:0:1::12", &idx), 0);
	ck_assert_uint_eq(idx, 2);
	ck_assert_int_eq(pool_addr_parse(p, "2001:db8:0:1::14", &idx), -1);
	ck_assert_int_eq(pool_addr_parse(p, "198.18.0.1", &idx), -1);
	pool_free(p);
}
END_TEST

START_TEST(test_ipv6_sticky)
{
	uint8_t first[16], a[16], b[16], c[16];
	struct pool *p;

	a6("2001:db8::100", first);
	p = pool_new6("v6", first, 120, 16);
	pool_set_window(p, 60);
	ck_assert_int_eq(pool_lease6(p, "SEP682C7B40B5CE", 10, a), 0);
	ck_assert_int_eq(pool_lease6(p, "SEP6C3E18F21868", 10, b), 0);
	ck_assert_int_eq(pool_release6(p, a, 20), 0);
	ck_assert_int_eq(pool_lease6(p, NULL, 25, c), 0);
	ck_assert_int_ne(memcmp(a, c, 16), 0);
	ck_assert_int_eq(pool_lease6(p, "SEP682C7B40B5CE", 30, c), 0);
	ck_assert_int_eq(memcmp(a, c, 16), 0);
	ck_assert_uint_eq(pool_in_use(p), 3);
	pool_free(p);
}
END_TEST

/* Addresses are 128-bit: the offset carries across 32-bit words. */
START_TEST(test_ipv6_carry)
{
	uint8_t first[16], got[16], want[16];
	static const char *const expect[] = {
		"2001:db8::ffff:fffe", "2001:db8::ffff:ffff", "2001:db8::1:0:0", "2001:db8::1:0:1",
	};
	struct pool *p;

	a6("2001:db8::ffff:fffe", first);
	p = pool_new6("v6", first, 64, 4);
	for (int i = 0; i < 4; i++) {
		a6(expect[i], want);
		ck_assert_int_eq(pool_lease6(p, NULL, 0, got), 0);
		ck_assert_msg(memcmp(got, want, 16) == 0, "lease %d: expected %s", i, expect[i]);
	}
	ck_assert_int_eq(pool_release6(p, want, 0), 0);
	pool_free(p);
	/* Running past ffff:...:ffff, count 0, too many, bad plen: refused. */
	a6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", first);
	ck_assert_ptr_null(pool_new6("x", first, 64, 3));
	ck_assert_ptr_nonnull(p = pool_new6("x", first, 64, 2));
	pool_free(p);
	ck_assert_ptr_null(pool_new6("x", first, 64, 0));
	a6("2001:db8::1", first);
	ck_assert_ptr_null(pool_new6("x", first, 64, POOL_MAX_ADDRS + 1));
	ck_assert_ptr_null(pool_new6("x", first, 129, 1));
}
END_TEST

/* ---- core: persistence (leasefile.c) */

static struct pool *pool_v6_new(const char *name, const char *first, uint32_t count)
{
	uint8_t f[16];

	a6(first, f);
	return pool_new6(name, f, 64, count);
}

static char *encode(struct pool *const *pools, size_t n, int64_t now, size_t *len)
{
	char *text = NULL;

	ck_assert_int_eq(leasefile_encode(pools, n, now, &text, len), 0);
	ck_assert_ptr_nonnull(text);
	return text;
}

static long decode_copy(const char *text, size_t len, struct pool *const *pools, size_t n,
			int64_t now, uint32_t window, const char **why)
{
	char *copy = malloc(len + 1);
	long rc;

	memcpy(copy, text, len);
	rc = leasefile_decode(copy, len, pools, n, now, window, why);
	free(copy);
	return rc;
}

/* Everyone gets the same address after a "restart": those leased at save
 * time and those released before it, in both families; odd owner names
 * (blanks, '%', non-ASCII) survive the encoding. */
START_TEST(test_persist_roundtrip)
{
	static const char *const owners[] = { "CP-8861-SEP682C7B40B5CE", "John Smith",
					      "100%\tfun", "m\xc3\xbcller" };
	struct pool *old[2], *fresh[2];
	uint32_t v4[4], again4;
	uint8_t v6[4][16], again6[16];
	const char *why = NULL;
	size_t len;
	char *text;

	old[0] = pool_new("four", A(198, 19, 0, 1), A(198, 19, 0, 254), MASK24);
	old[1] = pool_v6_new("six", "2001:db8:0:1::10", 100);
	for (int i = 0; i < 4; i++) {
		uint32_t pad;

		/* anonymous leases in between so the addresses are not 0..3 */
		ck_assert_int_eq(pool_lease_at(old[0], NULL, 500, &pad), 0);
		ck_assert_int_eq(pool_lease_at(old[0], owners[i], 1000, &v4[i]), 0);
		ck_assert_int_eq(pool_lease6(old[1], owners[i], 1000, v6[i]), 0);
	}
	ck_assert_int_eq(pool_release_at(old[0], v4[1], 1500), 0);
	ck_assert_int_eq(pool_release6(old[1], v6[2], 1500), 0);
	text = encode(old, 2, 2000, &len);

	fresh[0] = pool_new("four", A(198, 19, 0, 1), A(198, 19, 0, 254), MASK24);
	fresh[1] = pool_v6_new("six", "2001:db8:0:1::10", 100);
	pool_set_window(fresh[0], 3600);
	pool_set_window(fresh[1], 3600);
	ck_assert_int_eq(decode_copy(text, len, fresh, 2, 2100, 3600, &why), 8);
	ck_assert_uint_eq(pool_in_use(fresh[0]), 0);
	ck_assert_uint_eq(pool_held(fresh[0], 2100), 4);
	for (int i = 3; i >= 0; i--) {
		ck_assert_int_eq(pool_lease_at(fresh[0], owners[i], 2200, &again4), 0);
		ck_assert_msg(again4 == v4[i], "%s: expected %08x, got %08x", owners[i], v4[i],
			      again4);
		ck_assert_int_eq(pool_lease6(fresh[1], owners[i], 2200, again6), 0);
		ck_assert_msg(memcmp(again6, v6[i], 16) == 0, "%s: IPv6 address changed",
			      owners[i]);
	}
	/* A pool of another name learns nothing; that is no error. */
	pool_free(fresh[0]);
	fresh[0] = pool_new("renamed", A(198, 19, 0, 1), A(198, 19, 0, 254), MASK24);
	ck_assert_int_eq(decode_copy(text, len, fresh, 1, 2100, 3600, &why), 0);
	ck_assert_uint_eq(pool_held(fresh[0], 2100), 0);
	/* Memories older than the window are not restored. */
	ck_assert_int_eq(decode_copy(text, len, &old[0], 0, 2100, 3600, &why), 0);
	pool_free(fresh[0]);
	fresh[0] = pool_new("four", A(198, 19, 0, 1), A(198, 19, 0, 254), MASK24);
	/* leased ones were written with the save time (2000), the released
	 * one with its release (1500) */
	ck_assert_int_eq(decode_copy(text, len, fresh, 1, 2000 + 3601, 3600, &why), 0);
	ck_assert_int_eq(decode_copy(text, len, fresh, 1, 2000 + 3600, 3600, &why), 3);
	free(text);
	for (int i = 0; i < 2; i++) {
		pool_free(old[i]);
		pool_free(fresh[i]);
	}
}
END_TEST

static int count_cb(const struct pool_entry *e, void *arg)
{
	(void)e;
	++*(size_t *)arg;
	return 0;
}

/* A torn write (any prefix of the file) or any flipped byte is refused as
 * a whole, and the pool learns nothing from it. */
START_TEST(test_persist_torn)
{
	struct pool *p = pool_new("four", A(198, 19, 0, 1), A(198, 19, 0, 30), MASK24);
	struct pool *q = pool_new("four", A(198, 19, 0, 1), A(198, 19, 0, 30), MASK24);
	char owner[16], *text, *bad;
	const char *why;
	size_t len, seen = 0;
	uint32_t a;

	for (int i = 0; i < 10; i++) {
		snprintf(owner, sizeof(owner), "user%d", i);
		ck_assert_int_eq(pool_lease_at(p, owner, 100, &a), 0);
	}
	text = encode(&p, 1, 200, &len);
	for (size_t cut = 0; cut < len; cut++) {
		why = NULL;
		ck_assert_msg(decode_copy(text, cut, &q, 1, 300, 0, &why) == -1,
			      "a file cut at %zu of %zu bytes was accepted", cut, len);
		ck_assert_ptr_nonnull(why);
	}
	bad = malloc(len);
	for (size_t at = 0; at < len; at++) {
		memcpy(bad, text, len);
		bad[at] ^= 0x01;
		ck_assert_msg(decode_copy(bad, len, &q, 1, 300, 0, &why) == -1,
			      "byte %zu flipped (%s) was accepted", at, why ? why : "");
	}
	pool_foreach(q, count_cb, &seen);
	ck_assert_uint_eq(seen, 0);
	ck_assert_int_eq(decode_copy(text, len, &q, 1, 300, 0, &why), 10);
	free(bad);
	free(text);
	pool_free(p);
	pool_free(q);
}
END_TEST

/* ---- limits: persistence of a 100k pool */

START_TEST(test_big_persist)
{
	struct pool *p = pool_v6_new("big6", "2001:db8:1::1", BIG);
	struct pool *q = pool_v6_new("big6", "2001:db8:1::1", BIG);
	uint8_t addr[16], again[16];
	char owner[32], *text;
	const char *why;
	size_t len;

	for (uint32_t i = 0; i < BIG; i++) {
		snprintf(owner, sizeof(owner), "CP-8861-SEP%012x", i);
		ck_assert_int_eq(pool_lease6(p, owner, 1000 + i, addr), 0);
	}
	text = encode(&p, 1, 500000, &len);
	ck_assert_int_eq(decode_copy(text, len, &q, 1, 500001, 0, &why), BIG);
	/* Everyone comes back in reverse order and gets its own address. */
	for (uint32_t i = BIG; i-- > 0;) {
		char want[64], got[64];

		snprintf(owner, sizeof(owner), "CP-8861-SEP%012x", i);
		ck_assert_int_eq(pool_lease6(q, owner, 500002, again), 0);
		pool_addr_format(q, i, want, sizeof(want));
		inet_ntop(AF_INET6, again, got, sizeof(got));
		ck_assert_msg(strcmp(want, got) == 0, "%s: expected %s, got %s", owner, want, got);
	}
	ck_assert_uint_eq(pool_in_use(q), BIG);
	ck_assert_int_eq(pool_lease6(q, "x", 0, addr), -1);
	free(text);
	pool_free(p);
	pool_free(q);
}
END_TEST

/* ---- limits: random lease/release with time and a window, IPv6 */

static int inv_cb(const struct pool_entry *e, void *arg)
{
	size_t *v = arg;

	v[0] += e->leased;
	v[1] += e->owner != NULL;
	return 0;
}

START_TEST(test_random_window)
{
	enum { SZ = 500, OWNERS = 200, OPS = 50000 };
	static uint8_t leased[SZ];
	static uint8_t held_addr[SZ][16];
	struct pool *p = pool_v6_new("rnd6", "2001:db8:2::1", SZ);
	int64_t now = 1000000;
	size_t in_use = 0, counts[2], idx;
	uint8_t addr[16];
	char owner[16], text[64];

	memset(leased, 0, sizeof(leased));
	pool_set_window(p, 300);
	for (int op = 0; op < OPS; op++) {
		now += rnd(20);
		if (rnd(100) < 55) {
			int o = (int)rnd(OWNERS);

			snprintf(owner, sizeof(owner), "u%d", o);
			int rc = pool_lease6(p, rnd(5) ? owner : NULL, now, addr);

			if (in_use == SZ) {
				ck_assert_int_eq(rc, -1);
				continue;
			}
			ck_assert_int_eq(rc, 0);
			inet_ntop(AF_INET6, addr, text, sizeof(text));
			ck_assert_int_eq(pool_addr_parse(p, text, &idx), 0);
			ck_assert_msg(!leased[idx], "%s handed out twice", text);
			leased[idx] = 1;
			memcpy(held_addr[idx], addr, 16);
			in_use++;
		} else {
			idx = rnd(SZ);
			int rc = pool_release6(p, held_addr[idx], now);

			ck_assert_int_eq(rc, leased[idx] ? 0 : -1);
			if (rc == 0) {
				leased[idx] = 0;
				in_use--;
			}
		}
		ck_assert_uint_eq(pool_in_use(p), in_use);
		if (op % 1000 == 0) {
			counts[0] = counts[1] = 0;
			pool_foreach(p, inv_cb, counts);
			ck_assert_uint_eq(counts[0], in_use);
			ck_assert_uint_le(pool_held(p, now) + in_use, SZ);
			ck_assert_uint_le(counts[1], SZ);
		}
	}
	pool_free(p);
}
END_TEST

/* ---- slices and slots held elsewhere (S16: a fleet sharing the pools) */

/* Three nodes cut one pool of 30 in 3 slices: each leases 10, never one
 * the others lease, and each address of slice k satisfies i % 3 == k - 1. */
START_TEST(test_slices_disjoint)
{
	enum { N = 30, SLICES = 3 };
	struct pool *p[SLICES];
	int seen[N] = { 0 };
	uint32_t a;

	for (unsigned k = 0; k < SLICES; k++) {
		p[k] = pool_new("p", A(10, 0, 0, 0), A(10, 0, 0, N - 1), MASK24);
		ck_assert_int_eq(pool_set_slice(p[k], k + 1, SLICES), 0);
		ck_assert_uint_eq(pool_slice_size(p[k]), N / SLICES);
		for (int n = 0; n < N / SLICES; n++) {
			ck_assert_int_eq(pool_lease(p[k], NULL, &a), 0);
			ck_assert_uint_eq((a - A(10, 0, 0, 0)) % SLICES, k);
			ck_assert_int_eq(seen[a - A(10, 0, 0, 0)]++, 0);
		}
		/* the slice is exhausted: refused although 20 are free here */
		ck_assert_int_eq(pool_lease(p[k], "late", &a), -1);
		ck_assert_uint_eq(pool_in_use(p[k]), N / SLICES);
	}
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(seen[i], 1);
	for (unsigned k = 0; k < SLICES; k++)
		pool_free(p[k]);
}
END_TEST

START_TEST(test_slice_bad)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 1), A(10, 0, 0, 9), MASK24);
	unsigned k, n;

	ck_assert_int_eq(pool_set_slice(p, 0, 3), -1);
	ck_assert_int_eq(pool_set_slice(p, 4, 3), -1);
	ck_assert_int_eq(pool_set_slice(p, 1, 0), -1);
	ck_assert_int_eq(pool_set_slice(p, 1, POOL_MAX_SLICES + 1), -1);
	pool_slice(p, &k, &n);
	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(pool_slice_size(p), 9);
	pool_free(p);
}
END_TEST

/* The sticky return stays inside the slice: an owner whose remembered
 * address lies in another slice (adopted here, then released) gets one of
 * this slice; one remembered in the slice gets it back. */
START_TEST(test_slice_sticky)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 0), A(10, 0, 0, 9), MASK24);
	uint32_t a, b;

	ck_assert_int_eq(pool_set_slice(p, 2, 2), 0);
	ck_assert_int_eq(pool_lease(p, "phone1", &a), 0);
	ck_assert_uint_eq(a, A(10, 0, 0, 1));
	ck_assert_int_eq(pool_release(p, a), 0);
	ck_assert_int_eq(pool_lease(p, NULL, &b), 0);
	ck_assert_uint_eq(b, A(10, 0, 0, 3));
	ck_assert_int_eq(pool_lease(p, "phone1", &b), 0);
	ck_assert_uint_eq(b, a);
	/* adopted from slice 1, released here, back: not given again */
	ck_assert_int_eq(pool_take(p, A(10, 0, 0, 4), "phone2"), 0);
	ck_assert_int_eq(pool_release(p, A(10, 0, 0, 4)), 0);
	ck_assert_int_eq(pool_lease(p, "phone2", &b), 0);
	ck_assert_uint_eq(b % 2, 1);
	pool_free(p);
}
END_TEST

/* Held-elsewhere slots are never leased, whoever asks, until unheld;
 * adopting (pool_take) takes any slot, held or of another slice. */
START_TEST(test_elsewhere)
{
	struct pool *p = pool_new("p", A(10, 0, 0, 0), A(10, 0, 0, 7), MASK24);
	size_t list[8];
	uint32_t a, x;

	ck_assert_int_eq(pool_set_slice(p, 1, 2), 0);  /* .0 .2 .4 .6 */
	ck_assert_int_eq(pool_lease(p, "moved", &a), 0);
	ck_assert_uint_eq(a, A(10, 0, 0, 0));
	/* the session moved away: its lease ends, the slot is not free */
	ck_assert_int_eq(pool_hold_elsewhere(p, 0), 0);
	ck_assert_int_eq(pool_hold_elsewhere(p, 0), 0);
	ck_assert_uint_eq(pool_in_use(p), 0);
	ck_assert_uint_eq(pool_elsewhere(p), 1);
	ck_assert_int_eq(pool_is_elsewhere(p, 0), 1);
	ck_assert_int_eq(pool_release(p, a), -1);
	/* a free slot found leased elsewhere at a reconcile */
	ck_assert_int_eq(pool_hold_elsewhere(p, 4), 0);
	ck_assert_uint_eq(pool_elsewhere_list(p, list, 8), 2);
	ck_assert_uint_eq(list[0], 0);
	ck_assert_uint_eq(list[1], 4);
	/* neither the old owner nor anyone else gets them */
	ck_assert_int_eq(pool_lease(p, "moved", &x), 0);
	ck_assert_uint_eq(x, A(10, 0, 0, 2));
	ck_assert_int_eq(pool_lease(p, NULL, &x), 0);
	ck_assert_uint_eq(x, A(10, 0, 0, 6));
	ck_assert_int_eq(pool_lease(p, NULL, &x), -1);
	ck_assert_int_eq(pool_remember(p, 4, "moved", 5), -1);
	/* the other node let .4 go: free again, leased next */
	ck_assert_int_eq(pool_unhold(p, 4), 0);
	ck_assert_int_eq(pool_unhold(p, 4), -1);
	ck_assert_int_eq(pool_lease(p, NULL, &x), 0);
	ck_assert_uint_eq(x, A(10, 0, 0, 4));
	/* adopt: a held slot and one of the other slice */
	ck_assert_int_eq(pool_take(p, A(10, 0, 0, 0), "back"), 0);
	ck_assert_uint_eq(pool_elsewhere(p), 0);
	ck_assert_int_eq(pool_take(p, A(10, 0, 0, 5), "visitor"), 0);
	ck_assert_uint_eq(pool_in_use(p), 5);
	ck_assert_int_eq(pool_hold_elsewhere(p, 8), -1);
	pool_free(p);
}
END_TEST

/* Cutting a pool that already has free, remembered and held slots keeps
 * every slot on exactly one list: leasing everything from each slice in
 * turn covers the pool once. */
START_TEST(test_slice_recut)
{
	enum { N = 12 };
	struct pool *p = pool_new("p", A(10, 0, 0, 0), A(10, 0, 0, N - 1), MASK24);
	int seen[N] = { 0 };
	uint32_t a;

	ck_assert_int_eq(pool_lease(p, "u", &a), 0);
	ck_assert_int_eq(pool_release(p, a), 0);
	ck_assert_int_eq(pool_hold_elsewhere(p, 5), 0);
	for (unsigned k = 1; k <= 3; k++) {
		ck_assert_int_eq(pool_set_slice(p, k, 3), 0);
		while (pool_lease(p, NULL, &a) == 0) {
			ck_assert_uint_eq((a - A(10, 0, 0, 0)) % 3, k - 1);
			seen[a - A(10, 0, 0, 0)]++;
		}
	}
	ck_assert_int_eq(pool_unhold(p, 5), 0);
	ck_assert_int_eq(pool_set_slice(p, 3, 3), 0);
	ck_assert_int_eq(pool_lease(p, NULL, &a), 0);
	seen[a - A(10, 0, 0, 0)]++;
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(seen[i], 1);
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
	tcase_add_test(core, test_owner_of_each_lease);
	tcase_add_test(core, test_sticky_long_owner);
	tcase_add_test(core, test_owner_names_compacted);
	tcase_add_test(core, test_take);
	tcase_add_loop_test(core, test_release_bad, 0, (int)ARRAY_SIZE(bad_releases));
	tcase_add_test(core, test_window);
	tcase_add_test(core, test_window_unlimited);
	tcase_add_test(core, test_ipv6_basic);
	tcase_add_test(core, test_ipv6_sticky);
	tcase_add_test(core, test_ipv6_carry);
	tcase_add_test(core, test_persist_roundtrip);
	tcase_add_test(core, test_persist_torn);
	tcase_add_test(core, test_slices_disjoint);
	tcase_add_test(core, test_slice_bad);
	tcase_add_test(core, test_slice_sticky);
	tcase_add_test(core, test_elsewhere);
	tcase_add_test(core, test_slice_recut);
	suite_add_tcase(s, core);

	tcase_set_timeout(limits, 60);
	tcase_add_test(limits, test_big_pool);
	tcase_add_test(limits, test_big_pool_owners);
	tcase_add_test(limits, test_random_ops);
	tcase_add_test(limits, test_big_persist);
	tcase_add_test(limits, test_random_window);
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
