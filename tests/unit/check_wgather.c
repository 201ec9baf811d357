/* Unit tests for the worker's wake-up policy (src/worker/wgather.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/worker/wgather.h"

/* n data packets; how many of them changed the mode */
static int packets(struct gather *g, unsigned n)
{
	int changes = 0;

	for (unsigned i = 0; i < n; i++)
		changes += gather_packet(g);
	return changes;
}

/* A low rate never gathers: a single packet is never delayed. */
START_TEST(low_rate_stays_off)
{
	struct gather g = { 0 };
	unsigned iters = 0;

	for (int s = 0; s < 10; s++) {
		ck_assert_int_eq(packets(&g, GATHER_BATCH_PKTS - 1), 0);
		iters += GATHER_BATCH_PKTS - 1;  /* each packet its own wake-up */
		ck_assert_int_eq(gather_tick(&g, iters), 0);
		ck_assert_int_eq(g.mode, GATHER_OFF);
	}
	ck_assert(gather_interval(GATHER_OFF) == 0.);
}
END_TEST

/* The packet that reaches the rate turns batching on at once (not at
 * the next tick); it stays on while the rate holds, even a little below
 * it, and goes off at the tick after a second below half of it. */
START_TEST(high_rate_batches_then_stops)
{
	struct gather g = { 0 };

	ck_assert_int_eq(packets(&g, GATHER_BATCH_PKTS - 1), 0);
	ck_assert_int_eq(gather_packet(&g), 1);
	ck_assert_int_eq(g.mode, GATHER_BATCH);
	ck_assert_int_eq(packets(&g, 20000), 0);
	ck_assert_int_eq(gather_tick(&g, 5000), 0);
	ck_assert_int_eq(g.mode, GATHER_BATCH);
	/* the next second reaches the rate again: no change, no re-arm */
	ck_assert_int_eq(packets(&g, 3 * GATHER_BATCH_PKTS), 0);
	ck_assert_int_eq(gather_tick(&g, 10000), 0);
	/* between the off and the on rate it stays on (hysteresis) */
	ck_assert_int_eq(packets(&g, GATHER_BATCH_PKTS - 1), 0);
	ck_assert_int_eq(gather_tick(&g, 12000), 0);
	ck_assert_int_eq(g.mode, GATHER_BATCH);
	ck_assert_int_eq(packets(&g, GATHER_BATCH_OFF_PKTS - 1), 0);
	ck_assert_int_eq(gather_tick(&g, 14000), 1);
	ck_assert_int_eq(g.mode, GATHER_OFF);
	/* and no packet at all in a second ends it too */
	packets(&g, GATHER_BATCH_PKTS);
	ck_assert_int_eq(g.mode, GATHER_BATCH);
	gather_tick(&g, 20000);
	ck_assert_int_eq(gather_tick(&g, 20001), 1);
	ck_assert_int_eq(g.mode, GATHER_OFF);
}
END_TEST

/* The bound a voice packet may wait: a few hundred microseconds at most
 * when batching; idle gathering is longer but never meets data. */
START_TEST(intervals_bounded)
{
	ck_assert(gather_interval(GATHER_BATCH) > 0.);
	ck_assert(gather_interval(GATHER_BATCH) <= 0.0003);
	ck_assert(gather_interval(GATHER_IDLE) > gather_interval(GATHER_BATCH));
	ck_assert(gather_interval(GATHER_IDLE) <= 0.05);
}
END_TEST

/* Idle gathering as before S11's batching: after two quiet ticks with
 * many wake-ups; the first data packet or connection ends it at once; few
 * wake-ups end it at the tick. */
START_TEST(idle_gathering)
{
	struct gather g = { 0 };

	ck_assert_int_eq(gather_tick(&g, 400), 0);  /* one quiet tick */
	ck_assert_int_eq(gather_tick(&g, 800), 1);
	ck_assert_int_eq(g.mode, GATHER_IDLE);
	ck_assert_int_eq(gather_packet(&g), 1);
	ck_assert_int_eq(g.mode, GATHER_OFF);
	ck_assert_int_eq(gather_tick(&g, 1200), 0); /* busy: counts again */
	ck_assert_int_eq(gather_tick(&g, 1600), 0);
	ck_assert_int_eq(gather_tick(&g, 2000), 1);
	ck_assert_int_eq(gather_conn(&g), 1);
	ck_assert_int_eq(g.mode, GATHER_OFF);
	ck_assert_int_eq(gather_conn(&g), 0);
	gather_tick(&g, 2400);
	gather_tick(&g, 2800);
	gather_tick(&g, 3200);
	ck_assert_int_eq(g.mode, GATHER_IDLE);
	ck_assert_int_eq(gather_tick(&g, 3210), 1);  /* 10 wake-ups */
	ck_assert_int_eq(g.mode, GATHER_OFF);
	/* few wake-ups never start it */
	for (unsigned i = 1; i < 10; i++)
		ck_assert_int_eq(gather_tick(&g, 3210 + 100 * i), 0);
}
END_TEST

/* ev_iteration wraps: the count of wake-ups is taken modulo 2^32. */
START_TEST(iteration_wraps)
{
	struct gather g = { .iters_seen = 0xffffff00u };

	gather_tick(&g, 0xffffff80u);
	ck_assert_int_eq(gather_tick(&g, 0x100u), 1); /* 0x180 wake-ups */
	ck_assert_int_eq(g.mode, GATHER_IDLE);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wgather");
	TCase *core = tcase_create("core");

	tcase_add_test(core, low_rate_stays_off);
	tcase_add_test(core, high_rate_batches_then_stops);
	tcase_add_test(core, intervals_bounded);
	tcase_add_test(core, idle_gathering);
	tcase_add_test(core, iteration_wraps);
	suite_add_tcase(s, core);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
