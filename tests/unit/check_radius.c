/* Unit tests for the RADIUS packet codec (src/common/radius.c): the
 * User-Password hiding of RFC 2865 5.2, the authenticators of RFC 2865/2866,
 * Message-Authenticator (RFC 3579) on requests and replies, the decoding of
 * the attributes sslvpnd uses, and malformed replies. */
#include <check.h>
#include <string.h>

#include <openssl/evp.h>

#include "sslvpnd/radius.h"

static const char secret[] = "xyzzy5461";
static const uint8_t req_auth[16] = {
	0x0f, 0x40, 0x3f, 0x94, 0x73, 0x97, 0x80, 0x57,
	0xbd, 0x83, 0xd5, 0xcb, 0x98, 0xf4, 0x22, 0x7a,
};

/* The reply a server makes: code, id, attributes, then the Message-
 * Authenticator (HMAC with the request's authenticator in place) and the
 * Response Authenticator, as RFC 2865 3 and RFC 3579 3.2 say. */
static void server_reply(const struct radius_pkt *req, uint8_t code, const struct radius_pkt *attrs,
			 int with_ma, const char *key, struct radius_pkt *out)
{
	uint8_t zero[16] = { 0 }, mac[16];
	size_t n = 0, at;
	unsigned int hl = 0;
	EVP_MD_CTX *ctx;

	radius_init(out, code, req->b[1], req->b + 4);
	for (size_t off = RADIUS_HDR; off < attrs->len; off += attrs->b[off + 1])
		radius_add(out, attrs->b[off], attrs->b + off + 2, attrs->b[off + 1] - 2u);
	at = out->len + 2;
	if (with_ma) {
		radius_add(out, RA_MESSAGE_AUTHENTICATOR, zero, 16);
		ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, key, strlen(key),
						out->b, out->len, mac, 16, &n));
		memcpy(out->b + at, mac, 16);
	}
	ctx = EVP_MD_CTX_new();
	ck_assert(EVP_DigestInit_ex(ctx, EVP_md5(), NULL));
	ck_assert(EVP_DigestUpdate(ctx, out->b, out->len));
	ck_assert(EVP_DigestUpdate(ctx, key, strlen(key)));
	ck_assert(EVP_DigestFinal_ex(ctx, mac, &hl));
	EVP_MD_CTX_free(ctx);
	memcpy(out->b + 4, mac, 16);
}

static void request(struct radius_pkt *p, const char *pw)
{
	radius_init(p, RADIUS_ACCESS_REQUEST, 7, req_auth);
	ck_assert_int_eq(radius_add_str(p, RA_USER_NAME, "nemo"), 0);
	ck_assert_int_eq(radius_add_password(p, pw, secret), 0);
	ck_assert_int_eq(radius_finish(p, secret, 1), 0);
}

/* RFC 2865 7.1's example: "arctangent" hidden with secret xyzzy5461. */
START_TEST(test_password_rfc2865)
{
	static const uint8_t want[16] = {
		0x0d, 0xbe, 0x70, 0x8d, 0x93, 0xd4, 0x13, 0xce,
		0x31, 0x96, 0xe4, 0x3f, 0x78, 0x2a, 0x0a, 0xee,
	};
	struct radius_pkt p;

	radius_init(&p, RADIUS_ACCESS_REQUEST, 0, req_auth);
	ck_assert_int_eq(radius_add_password(&p, "arctangent", secret), 0);
	ck_assert_int_eq(p.b[RADIUS_HDR], RA_USER_PASSWORD);
	ck_assert_int_eq(p.b[RADIUS_HDR + 1], 18);
	ck_assert_mem_eq(p.b + RADIUS_HDR + 2, want, 16);
}
END_TEST

START_TEST(test_password_blocks)
{
	struct radius_pkt p;
	char pw[130];

	radius_init(&p, RADIUS_ACCESS_REQUEST, 0, req_auth);
	ck_assert_int_eq(radius_add_password(&p, "0123456789abcdefX", secret), 0);
	ck_assert_int_eq(p.b[RADIUS_HDR + 1], 2 + 32);  /* 17 bytes: two blocks */
	memset(pw, 'a', 129);
	pw[129] = '\0';
	ck_assert_int_eq(radius_add_password(&p, pw, secret), -1);  /* over 128 */
}
END_TEST

/* Every Access-Request ends with a Message-Authenticator that is the
 * HMAC-MD5 of the packet with it zeroed. */
START_TEST(test_request_ma)
{
	struct radius_pkt p;
	uint8_t copy[RADIUS_MAX], mac[16];
	size_t n = 0;

	request(&p, "pw");
	ck_assert_int_eq(p.b[p.len - 18], RA_MESSAGE_AUTHENTICATOR);
	ck_assert_int_eq((p.b[2] << 8) | p.b[3], (int)p.len);
	memcpy(copy, p.b, p.len);
	memset(copy + p.len - 16, 0, 16);
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, secret, strlen(secret),
					copy, p.len, mac, 16, &n));
	ck_assert_mem_eq(mac, p.b + p.len - 16, 16);
}
END_TEST

START_TEST(test_reply_ok_and_decoded)
{
	struct radius_pkt req, attrs, rep;
	struct radius_reply d;
	const char *why = NULL;
	uint8_t ip[4] = { 198, 19, 0, 37 };

	request(&req, "pw");
	radius_init(&attrs, 0, 0, NULL);
	radius_add_str(&attrs, RA_CLASS, "OU=Engineering;");
	radius_add(&attrs, RA_FRAMED_IP_ADDRESS, ip, 4);
	radius_add_str(&attrs, RA_FILTER_ID, "ENG-ACL");
	radius_add_u32(&attrs, RA_SESSION_TIMEOUT, 3600);
	radius_add_u32(&attrs, RA_IDLE_TIMEOUT, 600);
	radius_add_str(&attrs, RA_REPLY_MESSAGE, "Hello");
	radius_add_str(&attrs, RA_REPLY_MESSAGE, "there");
	server_reply(&req, RADIUS_ACCESS_ACCEPT, &attrs, 1, secret, &rep);
	ck_assert_int_eq(radius_check_reply(rep.b, rep.len, &req, secret, 1, &why), 0);
	ck_assert_int_eq(radius_decode_reply(rep.b, rep.len, &d, &why), 0);
	ck_assert_str_eq(d.group_policy, "Engineering");
	ck_assert_mem_eq(&d.framed_ip, ip, 4);
	ck_assert_str_eq(d.filter, "ENG-ACL");
	ck_assert_uint_eq(d.session_timeout, 3600);
	ck_assert_uint_eq(d.idle_timeout, 600);
	ck_assert_str_eq(d.reply_message, "Hello there");
	ck_assert_ptr_nonnull(strstr(d.attrs, "aaa.radius.25=OU=Engineering;\n"));
	ck_assert_ptr_nonnull(strstr(d.attrs, "aaa.radius.8=198.19.0.37\n"));
	ck_assert_ptr_nonnull(strstr(d.attrs, "aaa.radius.27=3600\n"));
}
END_TEST

START_TEST(test_reply_wrong_key)
{
	struct radius_pkt req, attrs, rep;
	const char *why = NULL;

	request(&req, "pw");
	radius_init(&attrs, 0, 0, NULL);
	server_reply(&req, RADIUS_ACCESS_ACCEPT, &attrs, 1, "other", &rep);
	ck_assert_int_eq(radius_check_reply(rep.b, rep.len, &req, secret, 1, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "Response Authenticator"));
}
END_TEST

/* A forged Message-Authenticator behind a right Response Authenticator
 * (the attacker of BlastRADIUS can make the MD5 match, not the HMAC). */
START_TEST(test_reply_bad_ma)
{
	struct radius_pkt req, attrs, rep, forged;
	const char *why = NULL;

	request(&req, "pw");
	radius_init(&attrs, 0, 0, NULL);
	radius_add(&attrs, RA_MESSAGE_AUTHENTICATOR, "0123456789abcdef", 16);
	server_reply(&req, RADIUS_ACCESS_ACCEPT, &attrs, 0, secret, &forged);
	ck_assert_int_eq(radius_check_reply(forged.b, forged.len, &req, secret, 1, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "Message-Authenticator"));
	/* without any: refused when required, accepted when not */
	radius_init(&attrs, 0, 0, NULL);
	server_reply(&req, RADIUS_ACCESS_REJECT, &attrs, 0, secret, &rep);
	ck_assert_int_eq(radius_check_reply(rep.b, rep.len, &req, secret, 1, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "no Message-Authenticator"));
	ck_assert_int_eq(radius_check_reply(rep.b, rep.len, &req, secret, 0, &why), 0);
}
END_TEST

START_TEST(test_reply_malformed)
{
	struct radius_pkt req, attrs, rep;
	const char *why = NULL;
	uint8_t b[RADIUS_MAX];

	request(&req, "pw");
	radius_init(&attrs, 0, 0, NULL);
	radius_add_str(&attrs, RA_REPLY_MESSAGE, "x");
	server_reply(&req, RADIUS_ACCESS_ACCEPT, &attrs, 1, secret, &rep);
	/* short */
	ck_assert_int_eq(radius_check_reply(rep.b, 19, &req, secret, 1, &why), -1);
	/* length field larger than the datagram */
	memcpy(b, rep.b, rep.len);
	b[3] = (uint8_t)(rep.len + 1);
	ck_assert_int_eq(radius_check_reply(b, rep.len, &req, secret, 1, &why), -1);
	/* an attribute of length 1 */
	memcpy(b, rep.b, rep.len);
	b[RADIUS_HDR + 1] = 1;
	ck_assert_int_eq(radius_check_reply(b, rep.len, &req, secret, 1, &why), -1);
	ck_assert_str_eq(why, "malformed attribute");
	/* another identifier */
	memcpy(b, rep.b, rep.len);
	b[1] ^= 1;
	ck_assert_int_eq(radius_check_reply(b, rep.len, &req, secret, 1, &why), -1);
	/* an Accounting-Response to an Access-Request */
	server_reply(&req, RADIUS_ACCOUNTING_RESPONSE, &attrs, 1, secret, &rep);
	ck_assert_int_eq(radius_check_reply(rep.b, rep.len, &req, secret, 1, &why), -1);
	/* Framed-IP-Address of 3 bytes */
	radius_init(&attrs, 0, 0, NULL);
	radius_add(&attrs, RA_FRAMED_IP_ADDRESS, "abc", 3);
	server_reply(&req, RADIUS_ACCESS_ACCEPT, &attrs, 1, secret, &rep);
	{
		struct radius_reply d;

		ck_assert_int_eq(radius_decode_reply(rep.b, rep.len, &d, &why), -1);
	}
}
END_TEST

START_TEST(test_cisco_avpair_and_challenge)
{
	struct radius_pkt req, attrs, rep;
	struct radius_reply d;
	const char *why = NULL;
	uint8_t vsa[64] = { 0, 0, 0, 9, 1 };
	const char *pair = "ip:inacl#1=permit tcp any host 10.1.1.1 eq 80";

	vsa[5] = (uint8_t)(2 + strlen(pair));
	memcpy(vsa + 6, pair, strlen(pair));
	request(&req, "pw");
	radius_init(&attrs, 0, 0, NULL);
	radius_add(&attrs, RA_VENDOR_SPECIFIC, vsa, 6 + strlen(pair));
	radius_add(&attrs, RA_STATE, "\x01\x02\x03", 3);
	radius_add_str(&attrs, RA_REPLY_MESSAGE, "Enter your OTP");
	server_reply(&req, RADIUS_ACCESS_CHALLENGE, &attrs, 1, secret, &rep);
	ck_assert_int_eq(radius_check_reply(rep.b, rep.len, &req, secret, 1, &why), 0);
	ck_assert_int_eq(radius_decode_reply(rep.b, rep.len, &d, &why), 0);
	ck_assert_int_eq(d.filter_is_aces, 1);
	ck_assert_str_eq(d.filter, "permit tcp any host 10.1.1.1 eq 80\n");
	ck_assert_uint_eq(d.state_len, 3);
	ck_assert_str_eq(d.reply_message, "Enter your OTP");
	ck_assert_ptr_null(strstr(d.attrs, "aaa.radius.24"));  /* State stays out */
}
END_TEST

/* Disconnect-Request (RFC 5176): Request Authenticator as for accounting. */
START_TEST(test_disconnect_request)
{
	struct radius_pkt p;
	const char *why = NULL;

	radius_init(&p, RADIUS_DISCONNECT_REQUEST, 3, NULL);
	radius_add_str(&p, RA_ACCT_SESSION_ID, "c0a80101000010005e0e8f2a");
	ck_assert_int_eq(radius_finish(&p, secret, 1), 0);
	ck_assert_int_eq(radius_check_request(p.b, p.len, secret, &why), 0);
	ck_assert_int_eq(radius_check_request(p.b, p.len, "other", &why), -1);
	p.b[p.len - 1] ^= 1;  /* the Message-Authenticator */
	ck_assert_int_eq(radius_check_request(p.b, p.len, secret, &why), -1);
}
END_TEST

/* 5 GiB + 7 octets: Acct-Input-Octets 0x40000007, Gigawords 1. */
START_TEST(test_gigawords)
{
	static const uint8_t want[] = { RA_ACCT_INPUT_OCTETS, 6, 0x40, 0, 0, 7,
					RA_ACCT_INPUT_GIGAWORDS, 6, 0, 0, 0, 1 };
	struct radius_pkt p;

	radius_init(&p, RADIUS_ACCOUNTING_REQUEST, 1, NULL);
	ck_assert_int_eq(radius_add_octets(&p, RA_ACCT_INPUT_OCTETS, RA_ACCT_INPUT_GIGAWORDS,
					   5ull * 1024 * 1024 * 1024 + 7), 0);
	ck_assert_uint_eq(p.len, RADIUS_HDR + sizeof(want));
	ck_assert_mem_eq(p.b + RADIUS_HDR, want, sizeof(want));
	radius_init(&p, RADIUS_ACCOUNTING_REQUEST, 1, NULL);
	ck_assert_int_eq(radius_add_octets(&p, RA_ACCT_INPUT_OCTETS, RA_ACCT_INPUT_GIGAWORDS, 9), 0);
	ck_assert_uint_eq(p.len, RADIUS_HDR + 6);  /* no Gigawords under 4 GiB */
}
END_TEST

static Suite *radius_suite(void)
{
	Suite *s = suite_create("radius");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_password_rfc2865);
	tcase_add_test(tc, test_password_blocks);
	tcase_add_test(tc, test_request_ma);
	tcase_add_test(tc, test_reply_ok_and_decoded);
	tcase_add_test(tc, test_reply_wrong_key);
	tcase_add_test(tc, test_reply_bad_ma);
	tcase_add_test(tc, test_reply_malformed);
	tcase_add_test(tc, test_cisco_avpair_and_challenge);
	tcase_add_test(tc, test_disconnect_request);
	tcase_add_test(tc, test_gigawords);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(radius_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
