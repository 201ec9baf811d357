/* Unit tests for the TLS ticket keys' rules (src/common/tkeys.c): the
 * current key encrypts for lifetime/2, the previous one opens until its
 * lifetime ends, expired and future keys are dropped, and the wire form
 * round-trips. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/tkeys.h"

enum { L = 600 };

static struct tkey key(uint8_t b)
{
	struct tkey k;

	memset(&k, b, sizeof(k));
	k.created = 0;
	return k;
}

START_TEST(first_key_then_rotation)
{
	struct tkeys t = { 0 };
	struct tkey a = key(1), b = key(2);

	ck_assert_int_eq(tkeys_rotate(&t, 1000, L, &a), 1);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(t.k[0].created, 1000);
	ck_assert_int_eq(tkeys_next(&t, L), 1000 + L / 2);
	/* not due yet: nothing changes */
	ck_assert_int_eq(tkeys_rotate(&t, 1000 + L / 2 - 1, L, &b), 0);
	ck_assert_uint_eq(t.n, 1);
	/* due: b current, a previous and still opening */
	ck_assert_int_eq(tkeys_rotate(&t, 1000 + L / 2, L, &b), 1);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(t.k[0].name[0], 2);
	ck_assert_int_eq(t.k[1].name[0], 1);
	ck_assert_int_eq(tkeys_find(&t, a.name, 1000 + L - 1, L), 1);
	ck_assert_int_eq(tkeys_find(&t, b.name, 1000 + L - 1, L), 0);
	/* a's lifetime is over: it opens nothing */
	ck_assert_int_eq(tkeys_find(&t, a.name, 1000 + L, L), -1);
	ck_assert_int_eq(tkeys_next(&t, L), 1000 + L);
}
END_TEST

START_TEST(prune_expired_and_future)
{
	struct tkeys t = { 0 };
	struct tkey a = key(1), b = key(2);

	tkeys_rotate(&t, 1000, L, &a);
	tkeys_rotate(&t, 1000 + L / 2, L, &b);
	/* a restart long after both expired: nothing is kept */
	tkeys_prune(&t, 1000 + 10 * L, L);
	ck_assert_uint_eq(t.n, 0);
	/* a key from the future (clock jumped back) is dropped */
	tkeys_rotate(&t, 5000, L, &a);
	tkeys_prune(&t, 5000 - 61, L);
	ck_assert_uint_eq(t.n, 0);
	/* the previous one survives a current one that expired first? never:
	 * it is older; after pruning the survivor becomes current */
	tkeys_rotate(&t, 1000, L, &a);
	tkeys_rotate(&t, 1000 + L / 2, L, &b);
	tkeys_prune(&t, 1000 + L, L);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(t.k[0].name[0], 2);
}
END_TEST

START_TEST(rotate_after_long_sleep)
{
	struct tkeys t = { 0 };
	struct tkey a = key(1), b = key(2);

	tkeys_rotate(&t, 1000, L, &a);
	/* restarted after the whole lifetime: a fresh current key, no stale
	 * previous one */
	ck_assert_int_eq(tkeys_rotate(&t, 1000 + L, L, &b), 1);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(t.k[0].name[0], 2);
}
END_TEST

START_TEST(wire_round_trip)
{
	struct tkeys t = { 0 }, u;
	struct tkey a = key(7), b = key(9);
	uint8_t buf[TKEYS_WIRE_MAX];

	tkeys_rotate(&t, 123456789, L, &a);
	tkeys_rotate(&t, 123456789 + L, L, &b);
	tkeys_rotate(&t, 123456789 + L / 2 + L, L, &a);
	int n = tkeys_encode(&t, buf, sizeof(buf));

	ck_assert_int_eq(n, (int)(t.n * TKEY_WIRE_LEN));
	ck_assert_int_eq(tkeys_decode(&u, buf, (size_t)n), 0);
	ck_assert_uint_eq(u.n, t.n);
	ck_assert_int_eq(memcmp(u.k, t.k, t.n * sizeof(t.k[0])), 0);
	ck_assert_int_eq(tkeys_decode(&u, buf, (size_t)n - 1), -1);
	ck_assert_int_eq(tkeys_encode(&t, buf, TKEY_WIRE_LEN - 1), -1);
	ck_assert_int_eq(tkeys_decode(&u, buf, 0), 0);
	ck_assert_uint_eq(u.n, 0);
}
END_TEST

static Suite *tkeys_suite(void)
{
	Suite *s = suite_create("tkeys");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, first_key_then_rotation);
	tcase_add_test(tc, prune_expired_and_future);
	tcase_add_test(tc, rotate_after_long_sleep);
	tcase_add_test(tc, wire_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tkeys_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
