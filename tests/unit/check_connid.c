/* Unit tests for the worker's connection index by conn_id
 * (src/worker/connid.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/worker/worker.h"

enum { N = 3 * ID_BUCKETS };

static struct worker w;
static struct conn conns[N];

static void reset(void)
{
	memset(&w, 0, sizeof(w));
	memset(conns, 0, sizeof(conns));
}

/* Two workers share main's sequence: this one sees every other id, more
 * connections than buckets, and every one is found. */
START_TEST(finds_every_live_id)
{
	reset();
	for (uint32_t i = 0; i < N; i++) {
		conns[i].id = 7 + 2 * i;
		worker_conn_add(&w, &conns[i]);
	}
	for (uint32_t i = 0; i < N; i++)
		ck_assert_ptr_eq(worker_conn_by_id(&w, 7 + 2 * i), &conns[i]);
	ck_assert_ptr_null(worker_conn_by_id(&w, 8));
	ck_assert_ptr_null(worker_conn_by_id(&w, 7 + 2 * N));
	ck_assert_ptr_null(worker_conn_by_id(&w, 0));
}
END_TEST

/* The stride does not pile ids into a few buckets: no chain is much
 * longer than the mean. */
START_TEST(strides_spread)
{
	static const uint32_t strides[] = { 1, 2, 4, 8, 64, 4096 };

	for (size_t s = 0; s < sizeof(strides) / sizeof(strides[0]); s++) {
		size_t longest = 0;

		reset();
		for (uint32_t i = 0; i < N; i++) {
			conns[i].id = 1 + strides[s] * i;
			worker_conn_add(&w, &conns[i]);
		}
		for (size_t b = 0; b < ID_BUCKETS; b++) {
			size_t len = 0;

			for (struct conn *c = w.by_id[b]; c; c = c->idnext)
				len++;
			longest = len > longest ? len : longest;
		}
		ck_assert_msg(longest <= 4 * (N / ID_BUCKETS), "stride %u: a chain of %zu",
			      strides[s], longest);
	}
}
END_TEST

/* Removal from the head, middle and tail of chains; a removed id finds
 * nothing, and removing twice is harmless. */
START_TEST(removed_ids_find_nothing)
{
	reset();
	for (uint32_t i = 0; i < N; i++) {
		conns[i].id = 100 + i;
		worker_conn_add(&w, &conns[i]);
	}
	for (uint32_t i = 0; i < N; i += 3)
		worker_conn_remove(&w, &conns[i]);
	worker_conn_remove(&w, &conns[0]);
	for (uint32_t i = 0; i < N; i++) {
		if (i % 3 == 0)
			ck_assert_ptr_null(worker_conn_by_id(&w, 100 + i));
		else
			ck_assert_ptr_eq(worker_conn_by_id(&w, 100 + i), &conns[i]);
	}
	for (uint32_t i = 0; i < N; i++)
		if (i % 3)
			worker_conn_remove(&w, &conns[i]);
	for (size_t b = 0; b < ID_BUCKETS; b++)
		ck_assert_ptr_null(w.by_id[b]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("connid");
	TCase *core = tcase_create("core");

	tcase_add_test(core, finds_every_live_id);
	tcase_add_test(core, strides_spread);
	tcase_add_test(core, removed_ids_find_nothing);
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
