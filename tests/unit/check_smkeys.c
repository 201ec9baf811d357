/* Unit tests for sslvpnd-secmod's key table and its checks of a worker's
 * key operation (src/secmod/smkeys.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "../../src/secmod/secmod.h"
#include "sslvpnd/keyprov.h"
#include "sslvpnd/log.h"

enum { W = 1, CONN = 7, NOW = 1000000 };

static EVP_PKEY *rsa, *ec;

static void load(struct smkeys *k, uint32_t gen, EVP_PKEY *const *keys, size_t n)
{
	static struct ipc_secmod_key m;
	size_t loaded = 0;

	for (size_t i = 0; i < (n ? n : 1); i++) {
		unsigned char *der = NULL;
		int len = n ? i2d_PrivateKey(keys[i], &der) : 0;

		memset(&m, 0, sizeof(m));
		m.gen = gen;
		m.flags = (i == 0 ? IPC_KEYS_FIRST : 0) | (i + 1 >= n ? IPC_KEYS_LAST : 0);
		ck_assert_int_ge(len, 0);
		if (len)
			memcpy(m.der, der, (size_t)len);
		m.der_len = (uint16_t)len;
		OPENSSL_free(der);
		ck_assert_int_eq(smkeys_on_key(k, &m, &loaded), 0);
	}
	ck_assert_uint_eq(loaded, n ? n : (size_t)-1);
}

static struct keyprov_req sign_req(EVP_PKEY *key, const uint8_t *dg, size_t len)
{
	struct keyprov_req rq = { .op = KEYPROV_SIGN, .md = "SHA256", .in = dg, .inlen = len };

	ck_assert_int_eq(keyprov_key_id(key, rq.key_id), 0);
	rq.pad = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? 0 : RSA_PKCS1_PADDING;
	return rq;
}

static uint8_t run(struct smkeys *k, uint32_t conn, const struct keyprov_req *rq,
		   const char **why)
{
	uint8_t out[KEYPROV_OUT_MAX];
	size_t n;

	return smkeys_do(k, W, conn, rq, NOW, out, sizeof(out), &n, why);
}

START_TEST(sign_checks)
{
	struct smkeys *k = smkeys_new();
	EVP_PKEY *keys[] = { rsa, ec };
	uint8_t dg[32] = { 1, 2, 3 };
	const char *why = NULL;
	struct keyprov_req rq = sign_req(rsa, dg, sizeof(dg));

	load(k, 1, keys, 2);
	/* a connection main did not announce for this worker */
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_NO_CONN);
	smkeys_conn_add(k, W + 1, CONN, 30000, NOW);
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_NO_CONN);
	smkeys_conn_add(k, W, CONN, 30000, NOW);
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_OK);
	/* the handshake's one operation is done: its right has ended */
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_NO_CONN);
	/* PSS and ECDSA; wrong lengths, digests, paddings */
	smkeys_conn_add(k, W, CONN, 30000, NOW);
	rq.pad = RSA_PKCS1_PSS_PADDING;
	rq.saltlen = RSA_PSS_SALTLEN_DIGEST;
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_OK);
	smkeys_conn_add(k, W, CONN, 30000, NOW);
	rq.inlen = 31;
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_BAD_INPUT);
	rq = sign_req(ec, dg, sizeof(dg));
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_OK);
	smkeys_conn_add(k, W, CONN, 30000, NOW);
	rq.pad = RSA_PKCS1_PADDING;
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_NOT_ALLOWED);
	rq = sign_req(ec, dg, sizeof(dg));
	strcpy(rq.md, "MD5");
	rq.inlen = 16;
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_NOT_ALLOWED);
	rq = sign_req(ec, dg, sizeof(dg));
	rq.op = KEYPROV_DECRYPT;
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_NOT_ALLOWED);
	/* 3 refused attempts so far: a 4th is still looked at, the 5th is
	 * over budget (refusals count: no oracle of many tries) */
	rq = sign_req(ec, dg, sizeof(dg));
	rq.inlen = 20;
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_BAD_INPUT);
	rq = sign_req(ec, dg, sizeof(dg));
	ck_assert_uint_eq(run(k, CONN, &rq, &why), IPC_KEY_BUDGET);
	/* a worker that is gone takes its connections along */
	smkeys_conn_add(k, W, CONN + 1, 30000, NOW);
	smkeys_worker_gone(k, W);
	ck_assert_uint_eq(run(k, CONN + 1, &rq, &why), IPC_KEY_NO_CONN);
	smkeys_free(k);
}
END_TEST

START_TEST(conn_expiry)
{
	struct smkeys *k = smkeys_new();
	EVP_PKEY *keys[] = { ec };
	uint8_t dg[32] = { 0 }, out[KEYPROV_OUT_MAX];
	struct keyprov_req rq = sign_req(ec, dg, sizeof(dg));
	const char *why;
	size_t n;

	load(k, 1, keys, 1);
	smkeys_conn_add(k, W, CONN, 1000, NOW);
	ck_assert_uint_eq(smkeys_do(k, W, CONN, &rq, NOW + 1001, out, sizeof(out), &n, &why),
			  IPC_KEY_NO_CONN);
	smkeys_free(k);
}
END_TEST

/* Generations: the previous one still serves, the one before is gone. */
START_TEST(generations)
{
	struct smkeys *k = smkeys_new();
	EVP_PKEY *r[] = { rsa }, *e[] = { ec };
	uint8_t dg[32] = { 0 };
	struct keyprov_req rq = sign_req(rsa, dg, sizeof(dg));
	const char *why;

	load(k, 1, r, 1);
	load(k, 2, e, 1);
	for (uint32_t c = 1; c <= 3; c++)
		smkeys_conn_add(k, W, c, 30000, NOW);
	ck_assert_uint_eq(run(k, 1, &rq, &why), IPC_KEY_OK);
	load(k, 3, NULL, 0);
	ck_assert_uint_eq(run(k, 2, &rq, &why), IPC_KEY_UNKNOWN);
	rq = sign_req(ec, dg, sizeof(dg));
	ck_assert_uint_eq(run(k, 3, &rq, &why), IPC_KEY_OK);
	smkeys_free(k);
}
END_TEST

/* The conn table holds 50,000 handshakes at once (a storm after a
 * restart), stays bounded at 65,536 (the oldest goes), and expired or
 * finished entries make room. */
START_TEST(conn_table_bounded)
{
	struct smkeys *k = smkeys_new();
	uint32_t w;

	for (uint32_t c = 0; c < 50000; c++)
		smkeys_conn_add(k, c % 8, c, 30000, NOW);
	ck_assert_uint_eq(smkeys_conns(k), 50000);
	ck_assert_int_eq(smkeys_conn_known(k, 0, 0, NOW), 1);
	ck_assert_int_eq(smkeys_conn_known(k, 49999 % 8, 49999, NOW), 1);
	for (uint32_t c = 50000; c < 70000; c++)
		smkeys_conn_add(k, c % 8, c, 30000, NOW);
	ck_assert_uint_eq(smkeys_conns(k), 65536);
	ck_assert_int_eq(smkeys_conn_known(k, 0, 0, NOW), 0);
	ck_assert_int_eq(smkeys_conn_known(k, 69999 % 8, 69999, NOW), 1);
	/* a worker gone: its 1/8 of the entries go */
	smkeys_worker_gone(k, 3);
	ck_assert_uint_eq(smkeys_conns(k), 65536 - 8192);
	ck_assert_int_eq(smkeys_conn_known(k, 3, 69995, NOW), 0);
	/* all expired: the next add sweeps them */
	smkeys_conn_add(k, 1, 1, 30000, NOW + 30001);
	ck_assert_uint_eq(smkeys_conns(k), 1);
	for (w = 0; w < 8; w++)
		ck_assert_int_eq(smkeys_conn_known(k, w, 69992 + w, NOW + 30001), 0);
	smkeys_free(k);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("smkeys");
	TCase *core = tcase_create("core");

	tcase_add_test(core, sign_checks);
	tcase_add_test(core, conn_expiry);
	tcase_add_test(core, generations);
	tcase_add_test(core, conn_table_bounded);
	suite_add_tcase(s, core);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	log_init("check_smkeys", 1, 0, LOG_FMT_ASA, 0);
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!rsa || !ec)
		return EXIT_FAILURE;
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
