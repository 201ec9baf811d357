/* Unit tests for the deadline heap (src/common/dheap.c): checked against a
 * plain array of deadlines under a random mix of set, move, delete and pop. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/dheap.h"

enum { N = 2000, OPS = 50000 };

static struct dheap_node nodes[N];

/* Every parent no later than its children, every node knows its index. */
static void assert_heap(const struct dheap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ck_assert_uint_eq(h->v[i]->pos, i + 1);
		if (i)
			ck_assert_uint_le(h->v[(i - 1) / 2]->due, h->v[i]->due);
	}
}

static uint64_t earliest_queued(void)
{
	uint64_t m = UINT64_MAX;

	for (size_t i = 0; i < N; i++)
		if (dheap_queued(&nodes[i]) && nodes[i].due < m)
			m = nodes[i].due;
	return m;
}

START_TEST(empty)
{
	struct dheap h = { 0 };
	struct dheap_node e = { 0 };

	ck_assert_ptr_null(dheap_pop_due(&h, UINT64_MAX));
	ck_assert_uint_eq(dheap_next(&h), UINT64_MAX);
	dheap_del(&h, &e); /* not queued: a no-op */
	ck_assert_int_eq(dheap_queued(&e), 0);
	dheap_free(&h);
}
END_TEST

/* Pops come out in deadline order, only the due ones. */
START_TEST(pops_in_order)
{
	struct dheap h = { 0 };
	uint64_t last = 0;
	size_t popped = 0;

	memset(nodes, 0, sizeof(nodes));
	srand(7);
	for (size_t i = 0; i < N; i++)
		ck_assert_int_eq(dheap_set(&h, &nodes[i], 1000 + (uint64_t)(rand() % 5000)), 0);
	assert_heap(&h);
	ck_assert_ptr_null(dheap_pop_due(&h, 999));
	for (struct dheap_node *e; (e = dheap_pop_due(&h, 3000)); popped++) {
		ck_assert_uint_ge(e->due, last);
		ck_assert_uint_le(e->due, 3000);
		ck_assert_int_eq(dheap_queued(e), 0);
		last = e->due;
	}
	ck_assert_uint_eq(dheap_next(&h), earliest_queued());
	ck_assert_uint_gt(dheap_next(&h), 3000);
	ck_assert_uint_eq(popped + h.n, N);
	dheap_free(&h);
	for (size_t i = 0; i < N; i++)
		ck_assert_int_eq(dheap_queued(&nodes[i]), 0);
}
END_TEST

/* Random set (new and moved, earlier and later), delete and pop: the heap
 * keeps its shape and its minimum is the reference's. */
START_TEST(random_ops)
{
	struct dheap h = { 0 };
	size_t queued = 0;
	uint64_t now = 0;

	memset(nodes, 0, sizeof(nodes));
	srand(11);
	for (int op = 0; op < OPS; op++) {
		struct dheap_node *e = &nodes[rand() % N];
		int r = rand() % 10;

		if (r < 6) {
			queued += !dheap_queued(e);
			ck_assert_int_eq(dheap_set(&h, e, now + (uint64_t)(rand() % 10000)), 0);
		} else if (r < 8) {
			queued -= dheap_queued(e);
			dheap_del(&h, e);
			ck_assert_int_eq(dheap_queued(e), 0);
		} else {
			now += (uint64_t)(rand() % 50);
			for (struct dheap_node *d; (d = dheap_pop_due(&h, now)); queued--)
				ck_assert_uint_le(d->due, now);
		}
		ck_assert_uint_eq(h.n, queued);
		ck_assert_uint_eq(dheap_next(&h), earliest_queued());
		if (op % 1000 == 0)
			assert_heap(&h);
	}
	assert_heap(&h);
	dheap_free(&h);
}
END_TEST

/* Equal deadlines, and the last node deleted from the middle. */
START_TEST(ties_and_last)
{
	struct dheap h = { 0 };

	memset(nodes, 0, sizeof(nodes));
	for (size_t i = 0; i < 10; i++)
		ck_assert_int_eq(dheap_set(&h, &nodes[i], 5), 0);
	dheap_del(&h, h.v[h.n - 1]);
	dheap_del(&h, h.v[3]);
	assert_heap(&h);
	ck_assert_uint_eq(h.n, 8);
	ck_assert_int_eq(dheap_set(&h, h.v[7], 1), 0); /* moved earlier: to the top */
	ck_assert_uint_eq(dheap_next(&h), 1);
	ck_assert_int_eq(dheap_set(&h, h.v[0], 9), 0); /* and later again */
	ck_assert_uint_eq(dheap_next(&h), 5);
	assert_heap(&h);
	dheap_free(&h);
}
END_TEST

static Suite *dheap_suite(void)
{
	Suite *s = suite_create("dheap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, empty);
	tcase_add_test(tc, pops_in_order);
	tcase_add_test(tc, random_ops);
	tcase_add_test(tc, ties_and_last);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dheap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
