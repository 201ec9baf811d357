/* Unit tests for the DTLS channel table of a tunnel (src/tls/dtlspath.c)
 * and the token bucket that limits hellos per session (src/common/tbucket.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "sslvpnd/dtlspath.h"
#include "sslvpnd/tbucket.h"

struct pcase {
	const char *what;
	uint8_t est, cand;
	enum dtlspath_ev ev;
	unsigned act;
	uint8_t est_after, cand_after;
};

static const struct pcase pcases[] = {
	{ "first hello starts a candidate", 0, 0, DTLSPATH_HELLO,
	  DTLSPATH_NEW_CAND, 0, 1 },
	{ "hello while established: the established channel stays", 1, 0, DTLSPATH_HELLO,
	  DTLSPATH_NEW_CAND, 1, 1 },
	{ "hello during a candidate: only the candidate is replaced", 1, 1, DTLSPATH_HELLO,
	  DTLSPATH_FREE_CAND | DTLSPATH_NEW_CAND, 1, 1 },
	{ "second hello before anything is up", 0, 1, DTLSPATH_HELLO,
	  DTLSPATH_FREE_CAND | DTLSPATH_NEW_CAND, 0, 1 },
	{ "first handshake completes", 0, 1, DTLSPATH_CAND_UP, DTLSPATH_PROMOTE, 1, 0 },
	{ "candidate proven: new path replaces the old", 1, 1, DTLSPATH_CAND_UP,
	  DTLSPATH_FREE_EST | DTLSPATH_PROMOTE, 1, 0 },
	{ "forged candidate times out: established untouched", 1, 1, DTLSPATH_CAND_FAILED,
	  DTLSPATH_FREE_CAND, 1, 0 },
	{ "only handshake fails: report", 0, 1, DTLSPATH_CAND_FAILED,
	  DTLSPATH_FREE_CAND | DTLSPATH_REPORT_DOWN, 0, 0 },
	{ "established closes, candidate goes on", 1, 1, DTLSPATH_EST_CLOSED,
	  DTLSPATH_FREE_EST | DTLSPATH_REPORT_DOWN, 0, 1 },
	{ "established closes alone", 1, 0, DTLSPATH_EST_CLOSED,
	  DTLSPATH_FREE_EST | DTLSPATH_REPORT_DOWN, 0, 0 },
	{ "CAND_UP without candidate: nothing", 1, 0, DTLSPATH_CAND_UP, 0, 1, 0 },
	{ "CAND_FAILED without candidate: nothing", 1, 0, DTLSPATH_CAND_FAILED, 0, 1, 0 },
	{ "EST_CLOSED without established: nothing", 0, 1, DTLSPATH_EST_CLOSED, 0, 0, 1 },
};

START_TEST(path_table)
{
	const struct pcase *t = &pcases[_i];
	struct dtlspath p = { t->est, t->cand };
	unsigned act = dtlspath_step(&p, t->ev);

	ck_assert_msg(act == t->act, "%s: actions 0x%x, expected 0x%x", t->what, act, t->act);
	ck_assert_msg(p.est == t->est_after && p.cand == t->cand_after,
		      "%s: state est=%u cand=%u, expected est=%u cand=%u", t->what, p.est,
		      p.cand, t->est_after, t->cand_after);
}
END_TEST

/* No event at all may free the established channel except a proven
 * candidate or the channel's own end. */
START_TEST(path_hello_never_frees_est)
{
	for (int cand = 0; cand < 2; cand++) {
		struct dtlspath p = { 1, (uint8_t)cand };

		for (int i = 0; i < 100; i++) {
			unsigned act = dtlspath_step(&p, i % 3 ? DTLSPATH_HELLO : DTLSPATH_CAND_FAILED);

			ck_assert_msg(!(act & (DTLSPATH_FREE_EST | DTLSPATH_PROMOTE)),
				      "step %d freed the established channel (0x%x)", i, act);
			ck_assert(p.est == 1);
		}
	}
}
END_TEST

START_TEST(path_bad_event)
{
	struct dtlspath p = { 1, 1 };

	ck_assert_uint_eq(dtlspath_step(&p, DTLSPATH__EV_COUNT), 0);
	ck_assert(p.est == 1 && p.cand == 1);
}
END_TEST

static const struct tbucket_rate R = { .burst = 3, .period_ms = 1000 };

START_TEST(bucket_burst_then_rate)
{
	struct tbucket b = { 0 };

	for (int i = 0; i < 3; i++)
		ck_assert_msg(tbucket_take(&b, &R, 5000), "burst token %d refused", i);
	ck_assert_msg(!tbucket_take(&b, &R, 5000), "4th token in the same ms granted");
	ck_assert_msg(!tbucket_take(&b, &R, 5999), "token before a period passed");
	ck_assert_msg(tbucket_take(&b, &R, 6000), "token after one period refused");
	ck_assert_msg(!tbucket_take(&b, &R, 6000), "two tokens for one period");
}
END_TEST

/* Asking every 900 ms gives 1 token per 1000 ms, not per ask. */
START_TEST(bucket_keeps_partial_periods)
{
	struct tbucket b = { 0 };
	int granted = 0;
	uint64_t t = 0;

	for (int i = 0; i < 3; i++)
		tbucket_take(&b, &R, t);
	for (int i = 1; i <= 100; i++) {
		t += 900;
		granted += tbucket_take(&b, &R, t);
	}
	ck_assert_msg(granted == 90, "granted %d in 90 s, expected 90", granted);
}
END_TEST

START_TEST(bucket_refills_to_burst_only)
{
	struct tbucket b = { 0 };
	int granted = 0;

	tbucket_take(&b, &R, 0);
	for (int i = 0; i < 10; i++)
		granted += tbucket_take(&b, &R, 3600000);
	ck_assert_int_eq(granted, 3);
}
END_TEST

START_TEST(bucket_clock_back)
{
	struct tbucket b = { 0 };

	for (int i = 0; i < 3; i++)
		tbucket_take(&b, &R, 10000);
	ck_assert(!tbucket_take(&b, &R, 1000));
	ck_assert(!tbucket_take(&b, &R, 10999));
	ck_assert(tbucket_take(&b, &R, 11000));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dtlspath");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_loop_test(core, path_table, 0, (int)(sizeof(pcases) / sizeof(pcases[0])));
	tcase_add_test(core, bucket_burst_then_rate);
	tcase_add_test(lim, path_hello_never_frees_est);
	tcase_add_test(lim, path_bad_event);
	tcase_add_test(lim, bucket_keeps_partial_periods);
	tcase_add_test(lim, bucket_refills_to_burst_only);
	tcase_add_test(lim, bucket_clock_back);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);

	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
