/* Unit tests for per-source scores and bans (src/policy/ban.c): weights
 * from the cause table, the window, the threshold, expiry with the clock
 * passed in, the reset on a good login, clear, the rate-limited refusal
 * count, and a full table. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/ban.h"
#include "sslvpnd/util.h"

static const struct ban_params P = { .threshold = 20, .window = 600, .duration = 300 };
static const uint64_t T0 = 1000000;

static void count_cb(const struct ban_entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
}

/* Table-driven: N events of one cause from one address within the window;
 * banned or not after the last one. */
static const struct {
	enum ban_cause cause;
	int events;
	unsigned step;            /* seconds between events */
	int banned;
} scores[] = {
	{ BAN_PASSWORD, 19, 1, 0 },
	{ BAN_PASSWORD, 20, 1, 1 },
	{ BAN_COOKIE, 20, 0, 1 },
	{ BAN_CERT, 20, 10, 1 },
	{ BAN_MALFORMED, 9, 1, 0 },
	{ BAN_MALFORMED, 10, 1, 1 },
	{ BAN_PASSWORD, 20, 40, 0 },  /* 20 over 760 s: the window restarts */
};

START_TEST(test_score)
{
	struct ban_table *t = ban_new(16);
	struct ban_entry e;
	int got = 0;

	ck_assert_ptr_nonnull(t);
	for (int k = 0; k < scores[_i].events; k++)
		got = ban_score(t, &P, "198.18.0.2", scores[_i].cause,
				T0 + (uint64_t)k * scores[_i].step, &e);
	ck_assert_msg(got == scores[_i].banned, "case %d (%s x%d every %u s): expected %d got %d",
		      _i, ban_cause_key(scores[_i].cause), scores[_i].events, scores[_i].step,
		      scores[_i].banned, got);
	if (got) {
		ck_assert_str_eq(e.addr, "198.18.0.2");
		ck_assert_uint_ge(e.score, P.threshold);
		ck_assert_int_eq(e.last_cause, scores[_i].cause);
	}
	ban_free(t);
}
END_TEST

START_TEST(test_weights)
{
	ck_assert_uint_eq(ban_cause_weight(BAN_PASSWORD), 1);
	ck_assert_uint_eq(ban_cause_weight(BAN_COOKIE), 1);
	ck_assert_uint_eq(ban_cause_weight(BAN_CERT), 1);
	ck_assert_uint_eq(ban_cause_weight(BAN_MALFORMED), 2);
	ck_assert_str_eq(ban_cause_key(BAN_COOKIE), "cookie");
	ck_assert_str_eq(ban_cause_key((enum ban_cause)99), "?");
	ck_assert_uint_eq(ban_cause_weight((enum ban_cause)99), 0);
}
END_TEST

static struct ban_table *banned_table(const char *addr, uint64_t at)
{
	struct ban_table *t = ban_new(16);

	for (int k = 0; k < 20; k++)
		ban_score(t, &P, addr, BAN_PASSWORD, at, NULL);
	return t;
}

START_TEST(test_expiry)
{
	struct ban_table *t = banned_table("198.18.2.2", T0);
	uint64_t logn;
	int lifted = 0;

	ck_assert_uint_eq(ban_refuse(t, "198.18.2.2", T0, 60, &logn), 300);
	ck_assert_uint_eq(logn, 1);
	ck_assert_uint_eq(ban_refuse(t, "198.18.2.2", T0 + 299, 60, &logn), 1);
	ck_assert_uint_eq(ban_refuse(t, "198.18.0.2", T0, 60, &logn), 0);
	/* More points during the ban neither extend it nor count. */
	ck_assert_int_eq(ban_score(t, &P, "198.18.2.2", BAN_PASSWORD, T0 + 200, NULL), 0);
	ck_assert_uint_eq(ban_expire(t, &P, T0 + 299, count_cb, &lifted), 0);
	ck_assert_uint_eq(ban_expire(t, &P, T0 + 300, count_cb, &lifted), 1);
	ck_assert_int_eq(lifted, 1);
	ck_assert_uint_eq(ban_refuse(t, "198.18.2.2", T0 + 300, 60, &logn), 0);
	ck_assert_ptr_null(ban_get(t, "198.18.2.2"));
	/* Over but not yet swept: not refused, and a new point starts afresh. */
	ban_free(t);
	t = banned_table("198.18.2.2", T0);
	ck_assert_uint_eq(ban_refuse(t, "198.18.2.2", T0 + 301, 60, &logn), 0);
	ck_assert_int_eq(ban_score(t, &P, "198.18.2.2", BAN_PASSWORD, T0 + 301, NULL), 0);
	ck_assert_uint_eq(ban_get(t, "198.18.2.2")->score, 1);
	ban_free(t);
}
END_TEST

START_TEST(test_refusal_log_rate)
{
	struct ban_table *t = banned_table("198.18.2.2", T0);
	uint64_t logn, total = 0;

	/* 100 refusals in 100 s with a line at most every 60 s: 2 lines, the
	 * first at once with 1, the second with the 60 refused meanwhile. */
	int lines = 0;

	for (int k = 0; k < 100; k++) {
		ban_refuse(t, "198.18.2.2", T0 + (uint64_t)k, 60, &logn);
		if (logn) {
			lines++;
			total += logn;
		}
	}
	ck_assert_int_eq(lines, 2);
	ck_assert_uint_eq(total, 61);
	ck_assert_uint_eq(ban_get(t, "198.18.2.2")->refused, 100);
	ban_free(t);
}
END_TEST

START_TEST(test_reset)
{
	struct ban_table *t = ban_new(16);

	/* A phone failing 19 times, then logging in, then failing 19 times
	 * more: never banned. */
	for (int k = 0; k < 19; k++)
		ck_assert_int_eq(ban_score(t, &P, "198.18.0.2", BAN_PASSWORD, T0 + k, NULL), 0);
	ban_reset(t, "198.18.0.2");
	ck_assert_ptr_null(ban_get(t, "198.18.0.2"));
	for (int k = 0; k < 19; k++)
		ck_assert_int_eq(ban_score(t, &P, "198.18.0.2", BAN_PASSWORD, T0 + 30 + k, NULL), 0);
	ck_assert_uint_eq(ban_get(t, "198.18.0.2")->score, 19);
	/* A ban is not lifted by a reset. */
	ban_free(t);
	t = banned_table("198.18.2.2", T0);
	ban_reset(t, "198.18.2.2");
	uint64_t logn;

	ck_assert_uint_gt(ban_refuse(t, "198.18.2.2", T0 + 1, 60, &logn), 0);
	ban_free(t);
}
END_TEST

START_TEST(test_clear)
{
	struct ban_table *t = banned_table("198.18.2.2", T0);
	uint64_t logn;
	int n = 0;

	for (int k = 0; k < 20; k++)
		ban_score(t, &P, "198.18.2.6", BAN_COOKIE, T0, NULL);
	ck_assert_uint_eq(ban_clear(t, "198.18.9.9", T0, count_cb, &n), 0);
	ck_assert_uint_eq(ban_clear(t, "198.18.2.2", T0, count_cb, &n), 1);
	ck_assert_uint_eq(ban_refuse(t, "198.18.2.2", T0, 60, &logn), 0);
	ck_assert_uint_gt(ban_refuse(t, "198.18.2.6", T0, 60, &logn), 0);
	ck_assert_uint_eq(ban_clear(t, NULL, T0, count_cb, &n), 1);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(ban_refuse(t, "198.18.2.6", T0, 60, &logn), 0);
	ban_free(t);
}
END_TEST

START_TEST(test_threshold_off)
{
	struct ban_params off = P;
	struct ban_table *t = ban_new(4);

	off.threshold = 0;
	for (int k = 0; k < 1000; k++)
		ck_assert_int_eq(ban_score(t, &off, "198.18.0.2", BAN_MALFORMED, T0, NULL), 0);
	ban_free(t);
}
END_TEST

static void foreach_cb(const struct ban_entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
}

START_TEST(test_full_table)
{
	struct ban_table *t = ban_new(4);
	char a[32];
	int n = 0;

	/* Two bans, then many scored addresses: the bans stay, the idle
	 * scores make room. */
	for (int k = 0; k < 20; k++) {
		ban_score(t, &P, "198.18.2.2", BAN_PASSWORD, T0, NULL);
		ban_score(t, &P, "198.18.2.6", BAN_PASSWORD, T0, NULL);
	}
	for (int k = 0; k < 100; k++) {
		snprintf(a, sizeof(a), "198.18.3.%d", k);
		ban_score(t, &P, a, BAN_PASSWORD, T0 + 1 + (uint64_t)k, NULL);
	}
	ban_foreach(t, T0 + 200, foreach_cb, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(ban_get(t, "198.18.3.99"));
	ck_assert_ptr_null(ban_get(t, "198.18.3.0"));
	ck_assert_ptr_null(ban_new(0));
	ban_free(NULL);
	ban_free(t);
}
END_TEST
/* Another node's ban (S16): imposed whatever the score, a longer running
 * one kept, a shorter one lengthened; causes by key. */
START_TEST(test_impose)
{
	struct ban_table *t = ban_new(8);
	uint64_t logn;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(ban_impose(t, "198.18.2.2", BAN_MALFORMED, T0, T0), 0);
	ck_assert_int_eq(ban_impose(t, "198.18.2.2", BAN_MALFORMED, T0, T0 + 100), 1);
	ck_assert_uint_eq(ban_refuse(t, "198.18.2.2", T0 + 10, 60, &logn), 90);
	ck_assert_int_eq(ban_impose(t, "198.18.2.2", BAN_COOKIE, T0, T0 + 50), 0);
	ck_assert_int_eq(ban_impose(t, "198.18.2.2", BAN_COOKIE, T0, T0 + 200), 1);
	ck_assert_uint_eq(ban_refuse(t, "198.18.2.2", T0 + 10, 60, &logn), 190);
	ck_assert_uint_eq(ban_get(t, "198.18.2.2")->last_cause, BAN_COOKIE);
	ck_assert_int_eq(ban_cause_of("malformed"), BAN_MALFORMED);
	ck_assert_int_eq(ban_cause_of("nonsense"), BAN__COUNT);
	ban_free(t);
}
END_TEST

static Suite *ban_suite(void)
{
	Suite *s = suite_create("ban");
	TCase *c = tcase_create("core"), *l = tcase_create("limits");

	tcase_add_loop_test(c, test_score, 0, (int)ARRAY_SIZE(scores));
	tcase_add_test(c, test_weights);
	tcase_add_test(c, test_expiry);
	tcase_add_test(c, test_reset);
	tcase_add_test(c, test_clear);
	tcase_add_test(c, test_impose);
	suite_add_tcase(s, c);
	tcase_add_test(l, test_refusal_log_rate);
	tcase_add_test(l, test_threshold_off);
	tcase_add_test(l, test_full_table);
	suite_add_tcase(s, l);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ban_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
