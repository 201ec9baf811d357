/* Unit tests for sslvpnd-secmod's user table and per-user attempt rate
 * (src/secmod/smauth.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/secmod/secmod.h"
#include "sslvpnd/log.h"
#include "sslvpnd/passwd.h"
#include "sslvpnd/util.h"

/* scrypt("correct horse", salt 00..0f, N=2^10, r=8, p=1): cheap to check */
#define KAT10 "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$" \
	      "nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE"
#define PW "correct horse"

static void batch(struct ipc_secmod_users *b, uint32_t gen, uint8_t flags,
		  const char *const *names, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->gen = gen;
	b->flags = flags;
	for (size_t i = 0; i < n; i++) {
		util_strlcpy(b->u[i].name, names[i], sizeof(b->u[i].name));
		util_strlcpy(b->u[i].hash, KAT10, sizeof(b->u[i].hash));
	}
	b->n_users = (uint16_t)n;
}

START_TEST(verify_verdicts)
{
	static struct ipc_secmod_users b;
	static const char *const names[] = { "zoe", "alice", "bob" };
	struct smauth *a = smauth_new();

	batch(&b, 1, IPC_USERS_FIRST | IPC_USERS_LAST, names, 3);
	ck_assert_int_eq(smauth_on_users(a, &b), 0);
	ck_assert_uint_eq(smauth_count(a), 3);
	ck_assert_uint_eq(smauth_verify(a, "alice", PW, strlen(PW)), IPC_PASSWD_OK);
	ck_assert_uint_eq(smauth_verify(a, "zoe", PW, strlen(PW)), IPC_PASSWD_OK);
	ck_assert_uint_eq(smauth_verify(a, "alice", "wrong", 5), IPC_PASSWD_BAD);
	ck_assert_uint_eq(smauth_verify(a, "mallory", PW, strlen(PW)), IPC_PASSWD_NO_USER);
	smauth_free(a);
	smauth_free(NULL);
}
END_TEST

/* A configuration without local users (certificate-only sites): an empty
 * generation loads (UBSan flagged qsort on the empty table). */
START_TEST(empty_generation)
{
	static struct ipc_secmod_users b;
	struct smauth *a = smauth_new();

	batch(&b, 1, IPC_USERS_FIRST | IPC_USERS_LAST, NULL, 0);
	ck_assert_int_eq(smauth_on_users(a, &b), 0);
	ck_assert_uint_eq(smauth_count(a), 0);
	ck_assert_uint_eq(smauth_verify(a, "alice", PW, strlen(PW)), IPC_PASSWD_NO_USER);
	smauth_free(a);
}
END_TEST

/* A table is replaced only by a complete generation. */
START_TEST(batches_replace_whole)
{
	static struct ipc_secmod_users b;
	static const char *const one[] = { "alice" }, *const two[] = { "bob" };
	struct smauth *a = smauth_new();

	batch(&b, 1, IPC_USERS_FIRST | IPC_USERS_LAST, one, 1);
	ck_assert_int_eq(smauth_on_users(a, &b), 0);
	batch(&b, 2, IPC_USERS_FIRST, two, 1);
	ck_assert_int_eq(smauth_on_users(a, &b), 0);
	/* half of generation 2 loaded: generation 1 still answers */
	ck_assert_uint_eq(smauth_verify(a, "alice", PW, strlen(PW)), IPC_PASSWD_OK);
	ck_assert_uint_eq(smauth_verify(a, "bob", PW, strlen(PW)), IPC_PASSWD_NO_USER);
	batch(&b, 3, IPC_USERS_LAST, two, 1);
	ck_assert_int_eq(smauth_on_users(a, &b), -1);  /* another generation */
	batch(&b, 2, IPC_USERS_LAST, two, 1);
	ck_assert_int_eq(smauth_on_users(a, &b), 0);
	ck_assert_uint_eq(smauth_count(a), 2);
	ck_assert_uint_eq(smauth_verify(a, "bob", PW, strlen(PW)), IPC_PASSWD_OK);
	/* a continuation without a FIRST batch is out of sequence */
	batch(&b, 2, IPC_USERS_LAST, two, 1);
	ck_assert_int_eq(smauth_on_users(a, &b), -1);
	smauth_free(a);
}
END_TEST

/* 6 at once, then one every 10 s, per name and source; names do not
 * share, nor do two sources of one name (a guesser does not lock the
 * account's owner out). */
START_TEST(rate_per_user)
{
	struct smauth *a = smauth_new();
	uint64_t t = 1000000;

	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(smauth_admit(a, "bob", "198.18.2.2", t), 1);
	ck_assert_int_eq(smauth_admit(a, "bob", "198.18.2.2", t), 0);
	ck_assert_int_eq(smauth_admit(a, "alice", "198.18.2.2", t), 1);
	ck_assert_int_eq(smauth_admit(a, "bob", "198.18.0.2", t), 1);
	ck_assert_int_eq(smauth_admit(a, "bob", "198.18.2.2", t + 9999), 0);
	ck_assert_int_eq(smauth_admit(a, "bob", "198.18.2.2", t + 10000), 1);
	ck_assert_int_eq(smauth_admit(a, "bob", "198.18.2.2", t + 10001), 0);
	smauth_free(a);
}
END_TEST

/* More names than tracked: the least recently used is forgotten, the
 * table never grows. */
START_TEST(rate_table_bounded)
{
	struct smauth *a = smauth_new();
	char name[32];

	for (int i = 0; i < 6; i++)
		smauth_admit(a, "bob", "198.18.2.2", 1000);
	ck_assert_int_eq(smauth_admit(a, "bob", "198.18.2.2", 1000), 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(smauth_admit(a, name, "198.18.2.2", 2000 + (uint64_t)i), 1);
	}
	/* bob was evicted: a fresh bucket */
	ck_assert_int_eq(smauth_admit(a, "bob", "198.18.2.2", 9000), 1);
	smauth_free(a);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("smauth");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_test(core, verify_verdicts);
	tcase_add_test(core, empty_generation);
	tcase_add_test(core, batches_replace_whole);
	tcase_add_test(lim, rate_per_user);
	tcase_add_test(lim, rate_table_bounded);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	log_init("check_smauth", 1, 0, LOG_FMT_ASA, 0);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
