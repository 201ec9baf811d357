/* Unit tests for the node record's pure part (src/main/fleet_noderec.c):
 * what a reader takes from one HMGET, and the order views list nodes in. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/main/fleet_nodes.h"

/* url slice certhash seen, as fleet.c's heartbeat writes them */
START_TEST(parses_a_live_record)
{
	const char *val[FLEET_NODE_NFIELDS] = { "https://n1.example/", "2",
						 "aa11,bb22", "1796000000" };
	struct fleet_node_rec r;

	fleet_node_parse(&r, "n1", val);
	ck_assert_str_eq(r.name, "n1");
	ck_assert_str_eq(r.url, "https://n1.example/");
	ck_assert_int_eq(r.slice, 2);
	ck_assert_str_eq(r.certhash, "aa11,bb22");
	ck_assert_int_eq(r.seen, 1796000000LL);
	ck_assert_int_eq(r.alive, 1);
}
END_TEST

/* Named in sslvpnd:nodes but its record expired (HMGET: every value nil):
 * dead, and nothing of an earlier record is left in the struct. */
START_TEST(expired_record_is_dead)
{
	const char *val[FLEET_NODE_NFIELDS] = { NULL, NULL, NULL, NULL };
	struct fleet_node_rec r;

	memset(&r, 0x5a, sizeof(r));
	fleet_node_parse(&r, "n3", val);
	ck_assert_str_eq(r.name, "n3");
	ck_assert_int_eq(r.alive, 0);
	ck_assert_str_eq(r.url, "");
	ck_assert_str_eq(r.certhash, "");
	ck_assert_int_eq(r.slice, 0);
	ck_assert_int_eq(r.seen, 0);
}
END_TEST

/* A record of an older node (no slice, no certhash) still lives; numbers
 * that do not parse read as 0, never as a prefix. */
START_TEST(partial_and_bad_fields)
{
	const char *old[FLEET_NODE_NFIELDS] = { "", NULL, NULL, "12" };
	const char *bad[FLEET_NODE_NFIELDS] = { "u", "3x", "", "-" };
	const char *neg[FLEET_NODE_NFIELDS] = { "u", "-4", "", "99999999999" };
	struct fleet_node_rec r;

	fleet_node_parse(&r, "old", old);
	ck_assert_int_eq(r.alive, 1);
	ck_assert_int_eq(r.slice, 0);
	ck_assert_int_eq(r.seen, 12);
	fleet_node_parse(&r, "bad", bad);
	ck_assert_int_eq(r.alive, 1);
	ck_assert_int_eq(r.slice, 0);
	ck_assert_int_eq(r.seen, 0);
	fleet_node_parse(&r, "neg", neg);
	ck_assert_int_eq(r.slice, 0);
	ck_assert_int_eq(r.seen, 99999999999LL);
}
END_TEST

/* Values longer than the struct holds are cut, terminated. */
START_TEST(long_values_are_cut)
{
	static char url[1000], name[200];
	const char *val[FLEET_NODE_NFIELDS] = { url, "1", "", "1" };
	struct fleet_node_rec r;

	memset(url, 'u', sizeof(url) - 1);
	memset(name, 'n', sizeof(name) - 1);
	fleet_node_parse(&r, name, val);
	ck_assert_uint_eq(strlen(r.url), sizeof(r.url) - 1);
	ck_assert_uint_eq(strlen(r.name), sizeof(r.name) - 1);
}
END_TEST

/* certhash --fleet lists url1..3 in slice order; equal slices (or none)
 * by name. */
START_TEST(sorts_by_slice_then_name)
{
	static const struct { const char *name, *slice; } in[] = {
		{ "n3", "3" }, { "b", "1" }, { "a", "1" }, { "z", NULL }, { "n2", "2" },
	};
	static const char *const want[] = { "z", "a", "b", "n2", "n3" };
	struct fleet_node_rec r[5];

	for (size_t i = 0; i < 5; i++) {
		const char *val[FLEET_NODE_NFIELDS] = { "u", in[i].slice, "", "1" };

		fleet_node_parse(&r[i], in[i].name, val);
	}
	fleet_nodes_sort(r, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_str_eq(r[i].name, want[i]);
	fleet_nodes_sort(r, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fleet_nodes");
	TCase *core = tcase_create("core");

	tcase_add_test(core, parses_a_live_record);
	tcase_add_test(core, expired_record_is_dead);
	tcase_add_test(core, partial_and_bad_fields);
	tcase_add_test(core, long_values_are_cut);
	tcase_add_test(core, sorts_by_slice_then_name);
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
