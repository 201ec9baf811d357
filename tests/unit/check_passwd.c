/* Unit tests for the local-user password hashes (src/common/passwd.c).
 *
 * The known answers were computed independently with Python's
 * hashlib.scrypt (OpenSSL underneath, but a different front end and
 * base64) and pinned here. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/passwd.h"
#include "sslvpnd/util.h"

/* scrypt("correct horse", salt 00..0f, N=2^10, r=8, p=1, 32 bytes) */
#define KAT10 "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$" \
	      "nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE"
/* scrypt("secret", salt 00..0f, N=2^14, r=8, p=1, 32 bytes) */
#define KAT14 "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$" \
	      "lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU"
/* made by `sslvpnd --hash-password` from "secret" (random salt) */
#define MADE14 "$scrypt$ln=14,r=8,p=1$ndVmivrk0c2zp6Cczon0HA$" \
	       "ObMsINJsBSkojYd4Q0xaOT1b86CX0fLiKObZHUuCbSw"

static const uint8_t salt16[16] = { 0, 1, 2, 3, 4, 5, 6, 7,
				    8, 9, 10, 11, 12, 13, 14, 15 };

START_TEST(test_make_known_answer)
{
	char out[PASSWD_HASH_MAX];

	ck_assert_int_eq(passwd_make(out, sizeof(out), "correct horse", 13, 10, 8, 1,
				     salt16, sizeof(salt16)), 0);
	ck_assert_str_eq(out, KAT10);
	ck_assert_int_eq(passwd_make(out, sizeof(out), "secret", 6, 14, 8, 1, salt16,
				     sizeof(salt16)), 0);
	ck_assert_str_eq(out, KAT14);
}
END_TEST

struct vcase {
	const char *hash, *pw;
	int want;
};

static const struct vcase vcases[] = {
	{ KAT10, "correct horse", 1 },
	{ KAT10, "correct horsf", 0 },
	{ KAT10, "correct hors", 0 },
	{ KAT10, "correct horse ", 0 },
	{ KAT10, "", 0 },
	{ KAT14, "secret", 1 },
	{ KAT14, "Secret", 0 },
	{ MADE14, "secret", 1 },
	{ MADE14, "secret\n", 0 },
};

START_TEST(test_verify)
{
	const struct vcase *c = &vcases[_i];
	int got = passwd_verify(c->hash, c->pw, strlen(c->pw));

	ck_assert_msg(got == c->want, "case %d (%s): expected %d, got %d", _i, c->pw,
		      c->want, got);
}
END_TEST

START_TEST(test_hash_roundtrip)
{
	char a[PASSWD_HASH_MAX], b[PASSWD_HASH_MAX];
	struct passwd_hash h;
	const char *why;

	ck_assert_int_eq(passwd_hash(a, sizeof(a), "pw with spaces", 14), 0);
	ck_assert_int_eq(passwd_hash(b, sizeof(b), "pw with spaces", 14), 0);
	ck_assert_str_ne(a, b); /* fresh salt each time */
	ck_assert_int_eq(passwd_parse(a, &h, &why), 0);
	ck_assert_uint_eq(h.ln, 14);
	ck_assert_uint_eq(h.r, 8);
	ck_assert_uint_eq(h.p, 1);
	ck_assert_uint_eq(h.salt_len, PASSWD_SALT_LEN);
	ck_assert_uint_eq(h.key_len, PASSWD_KEY_LEN);
	ck_assert_int_eq(passwd_verify(a, "pw with spaces", 14), 1);
	ck_assert_int_eq(passwd_verify(b, "pw with spaces", 14), 1);
	ck_assert_int_eq(passwd_verify(a, "pw with space", 13), 0);
}
END_TEST

/* An unknown user is checked against the dummy hash: never a match. */
START_TEST(test_verify_dummy)
{
	ck_assert_int_eq(passwd_verify(NULL, "", 0), 0);
	ck_assert_int_eq(passwd_verify(NULL, "secret", 6), 0);
}
END_TEST

struct pcase {
	const char *s;
	const char *why_part; /* substring of the reason */
};

static const struct pcase bad[] = {
	{ "", "not a password hash" },
	{ "secret", "not a password hash" },
	{ "$2y$10$abcdefghijklmnopqrstuu", "not a password hash" },
	{ "$scrypt$", "not a password hash" },
	{ "$scrypt$ln=14,r=8,p=1", "not a password hash" },
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw", "not a password hash" },
	{ KAT14 "$", "not a password hash" },
	/* parameters */
	{ "$scrypt$ln=14,r=8$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "malformed scrypt parameters" },
	{ "$scrypt$r=8,ln=14,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "malformed scrypt parameters" },
	{ "$scrypt$ln=014,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "malformed scrypt parameters" },
	{ "$scrypt$ln= 14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "malformed scrypt parameters" },
	{ "$scrypt$ln=14,r=8,p=1,x=2$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "malformed scrypt parameters" },
	{ "$scrypt$ln=9,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "out of range" },
	{ "$scrypt$ln=21,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "out of range" },
	{ "$scrypt$ln=20,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "out of range" }, /* 1 GiB */
	{ "$scrypt$ln=14,r=0,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "out of range" },
	{ "$scrypt$ln=14,r=8,p=17$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "out of range" },
	/* salt */
	{ "$scrypt$ln=14,r=8,p=1$$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU", "salt" },
	{ "$scrypt$ln=14,r=8,p=1$AAECAw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU", "salt" },
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw==$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "salt" },
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODx$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "salt" }, /* non-canonical trailing bits */
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQF*gcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU",
	  "salt" },
	/* key */
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$", "key" },
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt", "key" },
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqm",
	  "key" }, /* truncated by one: non-canonical */
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmUAB",
	  "key" }, /* two characters too many: 6 dangling bits */
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV+zIOgQ+DcviNZtmSHaWiqmU=",
	  "key" },
	{ "$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$lUTkiXnaPIlt+39/W8AV zIOgQ+DcviNZtmSHaWiqmU",
	  "key" },
};

START_TEST(test_parse_bad)
{
	const struct pcase *c = &bad[_i];
	struct passwd_hash h;
	const char *why = NULL;

	ck_assert_msg(passwd_parse(c->s, &h, &why) == -1, "case %d: \"%s\" accepted", _i,
		      c->s);
	ck_assert_msg(why && strstr(why, c->why_part),
		      "case %d: expected a reason with \"%s\", got \"%s\"", _i,
		      c->why_part, why ? why : "(null)");
	ck_assert_int_eq(passwd_verify(c->s, "secret", 6), -1);
}
END_TEST

START_TEST(test_limits)
{
	char out[PASSWD_HASH_MAX], big[PASSWD_INPUT_MAX + 1];

	memset(big, 'x', sizeof(big));
	/* parameters outside the bounds are refused when making, too */
	ck_assert_int_eq(passwd_make(out, sizeof(out), "a", 1, 9, 8, 1, salt16, 16), -1);
	ck_assert_int_eq(passwd_make(out, sizeof(out), "a", 1, 10, 8, 1, salt16, 4), -1);
	ck_assert_int_eq(passwd_make(out, 40, "a", 1, 10, 8, 1, salt16, 16), -1);
	ck_assert_int_eq(passwd_make(out, sizeof(out), big, sizeof(big), 10, 8, 1,
				     salt16, 16), -1);
	ck_assert_int_eq(passwd_make(out, sizeof(out), big, PASSWD_INPUT_MAX, 10, 8, 1,
				     salt16, 16), 0);
	ck_assert_int_eq(passwd_verify(out, big, PASSWD_INPUT_MAX), 1);
	/* an over-long password never matches */
	ck_assert_int_eq(passwd_verify(out, big, sizeof(big)), 0);
	/* NUL bytes count: the length, not strlen, is the password */
	ck_assert_int_eq(passwd_make(out, sizeof(out), "a\0b", 3, 10, 8, 1, salt16, 16), 0);
	ck_assert_int_eq(passwd_verify(out, "a\0b", 3), 1);
	ck_assert_int_eq(passwd_verify(out, "a", 1), 0);
}
END_TEST

static Suite *passwd_suite(void)
{
	Suite *s = suite_create("passwd");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_set_timeout(core, 60);
	tcase_set_timeout(limits, 60);
	tcase_add_test(core, test_make_known_answer);
	tcase_add_loop_test(core, test_verify, 0, (int)ARRAY_SIZE(vcases));
	tcase_add_test(core, test_hash_roundtrip);
	tcase_add_test(core, test_verify_dummy);
	tcase_add_loop_test(limits, test_parse_bad, 0, (int)ARRAY_SIZE(bad));
	tcase_add_test(limits, test_limits);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(passwd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
