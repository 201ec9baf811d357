/* Unit tests for the per-user session count (src/main/sessions_user.c):
 * add/del per name, names that differ only in case or by a prefix, an
 * entry that leaves at 0, growth past many buckets with every count kept,
 * a del of an unknown name, free then reuse, and the grown buckets given
 * back when the last name leaves (S11). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "sessions_user.h"

START_TEST(test_empty)
{
	struct sessions_users t = { 0 };

	ck_assert_uint_eq(sessions_users_count(&t, "alice"), 0);
	sessions_users_del(&t, "alice"); /* nothing to do, no crash */
	ck_assert_uint_eq(t.n_users, 0);
	sessions_users_free(&t);
}
END_TEST

/* Table-driven: each step adds (+1) or removes (-1) a session of a name,
 * then the counts of every name are checked. */
static const struct {
	const char *user;
	int delta;
	unsigned alice, Alice, al, n_users;
} steps[] = {
	{ "alice", +1, 1, 0, 0, 1 },
	{ "alice", +1, 2, 0, 0, 1 },
	{ "Alice", +1, 2, 1, 0, 2 },   /* case matters, as in strcmp */
	{ "al", +1, 2, 1, 1, 3 },      /* a prefix is another name */
	{ "alice", -1, 1, 1, 1, 3 },
	{ "bob", -1, 1, 1, 1, 3 },     /* never added: ignored */
	{ "alice", -1, 0, 1, 1, 2 },   /* at 0 the name leaves */
	{ "alice", -1, 0, 1, 1, 2 },   /* and does not go negative */
	{ "alice", +1, 1, 1, 1, 3 },
};

START_TEST(test_steps)
{
	struct sessions_users t = { 0 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].delta > 0)
			ck_assert_int_eq(sessions_users_add(&t, steps[i].user), 0);
		else
			sessions_users_del(&t, steps[i].user);
		ck_assert_msg(sessions_users_count(&t, "alice") == steps[i].alice, "step %zu", i);
		ck_assert_msg(sessions_users_count(&t, "Alice") == steps[i].Alice, "step %zu", i);
		ck_assert_msg(sessions_users_count(&t, "al") == steps[i].al, "step %zu", i);
		ck_assert_msg(t.n_users == steps[i].n_users, "step %zu", i);
	}
	sessions_users_free(&t);
}
END_TEST

/* 5,000 names, name i with i % 4 + 1 sessions: the table grows many times
 * over and every count survives the rehashing; then all leave, and the
 * buckets the burst grew leave with the last of them (S11: memory after
 * the sessions ended), and the table grows again from nothing. */
START_TEST(test_grow)
{
	enum { N = 5000 };
	struct sessions_users t = { 0 };
	char name[32];

	for (unsigned k = 0; k < 4; k++)
		for (unsigned i = 0; i < N; i++) {
			if (i % 4 < k)
				continue;
			snprintf(name, sizeof(name), "user%u", i);
			ck_assert_int_eq(sessions_users_add(&t, name), 0);
		}
	ck_assert_uint_eq(t.n_users, N);
	ck_assert_uint_ge(t.n_buckets, N);
	for (unsigned i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "user%u", i);
		ck_assert_uint_eq(sessions_users_count(&t, name), i % 4 + 1);
	}
	for (unsigned i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "user%u", i);
		for (unsigned k = 0; k <= i % 4; k++)
			sessions_users_del(&t, name);
		ck_assert_uint_eq(sessions_users_count(&t, name), 0);
	}
	ck_assert_uint_eq(t.n_users, 0);
	ck_assert_uint_eq(t.n_buckets, 0);
	ck_assert_ptr_null(t.bucket);
	ck_assert_int_eq(sessions_users_add(&t, "alice"), 0);
	ck_assert_int_eq(sessions_users_add(&t, "alice"), 0);
	ck_assert_uint_eq(sessions_users_count(&t, "alice"), 2);
	sessions_users_del(&t, "alice");
	ck_assert_uint_eq(sessions_users_count(&t, "alice"), 1);
	sessions_users_free(&t);
}
END_TEST

/* Shutdown frees the table; a later add starts a new one. */
START_TEST(test_free_reuse)
{
	struct sessions_users t = { 0 };

	ck_assert_int_eq(sessions_users_add(&t, "alice"), 0);
	sessions_users_free(&t);
	ck_assert_uint_eq(sessions_users_count(&t, "alice"), 0);
	ck_assert_int_eq(sessions_users_add(&t, "alice"), 0);
	ck_assert_uint_eq(sessions_users_count(&t, "alice"), 1);
	sessions_users_free(&t);
}
END_TEST

static Suite *sessusers_suite(void)
{
	Suite *s = suite_create("sessusers");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_steps);
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_free_reuse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sessusers_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
