/* Unit tests for sslvpn-phone's vpngroup reader, host-ID wildcard rule and
 * server pin check (src/tools/sslvpn-phone/vpngroup.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "phone.h"
#include "sslvpnd/util.h"

struct ph_opts opt; /* referenced by phone.h users; unused here */

/* ---- core ---------------------------------------------------------------- */

static const char cucm[] =
	"<?xml version=\"1.0\"?>\n<device><vpnGroup>\n"
	"  <mtu>1290</mtu>\n  <failConnectTime>20</failConnectTime>\n"
	"  <authMethod>2</authMethod>\n  <pswdPersistent>0</pswdPersistent>\n"
	"  <autoNetDetect>0</autoNetDetect>\n  <enableHostIDCheck>1</enableHostIDCheck>\n"
	"  <addresses>\n    <url1>https://198.18.0.1/phone</url1>\n"
	"    <url2>https://vpn2.lab.example:8443/phone?a=1&amp;b=2</url2>\n    <url3/>\n"
	"  </addresses>\n  <credentials>\n    <hashAlg>0</hashAlg>\n"
	"    <certHash1>EoYYYqqf/YSGXjiTnzRmphtWCPw=</certHash1>\n"
	"    <certHash2>1289B8A7AA9FFD84865E38939F3466A61B5608FC</certHash2>\n"
	"  </credentials>\n</vpnGroup></device>\n";

START_TEST(test_parse_cucm)
{
	struct vpngroup g;
	char err[128] = "";

	vpngroup_defaults(&g);
	ck_assert_int_eq(vpngroup_parse(&g, cucm, strlen(cucm), err, sizeof(err)), 0);
	ck_assert_int_eq(g.n_url, 2);
	ck_assert_str_eq(g.url[0], "https://198.18.0.1/phone");
	ck_assert_str_eq(g.url[1], "https://vpn2.lab.example:8443/phone?a=1&b=2");
	ck_assert_int_eq(g.mtu, 1290);
	ck_assert_int_eq(g.fail_connect_time, 20);
	ck_assert_int_eq(g.auth_method, 2);
	ck_assert_int_eq(g.host_id_check, 1);
	ck_assert_int_eq(g.n_hash, 2);
	ck_assert_int_eq(g.hash[1][0], 0x12);
	ck_assert_int_eq(g.hash[1][19], 0xfc);
}
END_TEST

START_TEST(test_defaults)
{
	struct vpngroup g;
	char err[128];
	const char *x = "<vpnGroup><url1>https://h/</url1></vpnGroup>";

	vpngroup_defaults(&g);
	ck_assert_int_eq(vpngroup_parse(&g, x, strlen(x), err, sizeof(err)), 0);
	ck_assert_int_eq(g.mtu, 1290);
	ck_assert_int_eq(g.fail_connect_time, 30);
	ck_assert_int_eq(g.auth_method, 2);
	ck_assert_int_eq(g.host_id_check, 0);
}
END_TEST

static const struct {
	const char *host, *pattern;
	int want;
} hostids[] = {
	{ "test.vpn.lab.example", "*.lab.example", -1 }, /* generic third level */
	{ "test.vpn.com", "*.vpn.com", -1 },               /* seed 001 */
	{ "vpn.com", "*.vpn.com", -1 },
	{ "test.vpn.lab.example", "*.vpn.lab.example", 1 },
	{ "a.b.vpn.lab.example", "*.vpn.lab.example", 0 }, /* one label only */
	{ "vpn.lab.example", "*.vpn.lab.example", 0 },
	{ "asav.lab.example", "asav.lab.example", 1 },
	{ "ASAV.lab.example", "asav.LAB.example", 1 },
	{ "asav.lab.example", "other.lab.example", 0 },
};

START_TEST(test_hostid)
{
	int got = hostid_match(hostids[_i].host, hostids[_i].pattern);

	ck_assert_msg(got == hostids[_i].want, "%s vs %s: expected %d, got %d",
		      hostids[_i].host, hostids[_i].pattern, hostids[_i].want, got);
}
END_TEST

static const struct {
	const char *url, *host, *path;
	int port, ok;
} urls[] = {
	{ "https://198.18.0.1/phone", "198.18.0.1", "/phone", 443, 0 },
	{ "https://h:8443", "h", "/", 8443, 0 },
	{ "HTTPS://h.example/", "h.example", "/", 443, 0 },
	{ "http://h/", NULL, NULL, 0, -1 },
	{ "https://:443/", NULL, NULL, 0, -1 },
	{ "https://h:0/", NULL, NULL, 0, -1 },
	{ "https://h:70000/", NULL, NULL, 0, -1 },
};

START_TEST(test_url)
{
	char host[PH_HOST_MAX], path[PH_URL_MAX];
	uint16_t port = 0;
	int r = url_split(urls[_i].url, host, sizeof(host), &port, path, sizeof(path));

	ck_assert_int_eq(r, urls[_i].ok);
	if (r == 0) {
		ck_assert_str_eq(host, urls[_i].host);
		ck_assert_str_eq(path, urls[_i].path);
		ck_assert_int_eq(port, urls[_i].port);
	}
}
END_TEST

/* A throwaway self-signed certificate with the given SAN DNS name. */
static X509 *make_cert(const char *cn, const char *san)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX ctx;

	ck_assert_ptr_nonnull(k);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	if (san) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);

		ck_assert_ptr_nonnull(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	X509_sign(x, k, EVP_sha256());
	EVP_PKEY_free(k);
	return x;
}

START_TEST(test_hostid_cert)
{
	X509 *wild = make_cert("*.lab.example", "DNS:*.lab.example");
	X509 *exact = make_cert("vpn", "DNS:test.vpn.lab.example,IP:198.18.0.1");
	X509 *cnonly = make_cert("asav.lab.example", NULL);

	ck_assert_int_eq(hostid_check("test.vpn.lab.example", wild), 0);
	ck_assert_int_eq(hostid_check("test.vpn.lab.example", exact), 1);
	ck_assert_int_eq(hostid_check("198.18.0.1", exact), 1);
	ck_assert_int_eq(hostid_check("198.18.0.2", exact), 0);
	ck_assert_int_eq(hostid_check("asav.lab.example", cnonly), 1);
	X509_free(wild);
	X509_free(exact);
	X509_free(cnonly);
}
END_TEST

START_TEST(test_pin)
{
	X509 *x = make_cert("asav.lab.example", NULL);
	struct vpngroup g;
	uint8_t md[20];
	unsigned int n = sizeof(md);
	char b64[64], hex[41], leaf[41];

	vpngroup_defaults(&g);
	X509_digest(x, EVP_sha1(), md, &n);
	ck_assert_int_eq(util_base64(b64, sizeof(b64), md, 20), 28);
	util_hex(hex, md, 20, 0);
	ck_assert_int_eq(pin_check(&g, x, leaf), 0);
	ck_assert_int_eq(vpngroup_add_hash(&g, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);
	ck_assert_int_eq(pin_check(&g, x, leaf), 0);
	ck_assert_int_eq(vpngroup_add_hash(&g, b64), 0);
	ck_assert_int_eq(pin_check(&g, x, leaf), 1);
	util_hex(hex, md, 20, 1);
	ck_assert_str_eq(leaf, hex);
	vpngroup_defaults(&g);
	ck_assert_int_eq(vpngroup_add_hash(&g, hex), 0); /* 40 hex works too */
	ck_assert_int_eq(pin_check(&g, x, leaf), 1);
	X509_free(x);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

static const char *const bad_docs[] = {
	"<vpnGroup><mtu>1290</mtu></vpnGroup>",                          /* no url1 */
	"<vpnGroup><url1>http://h/</url1></vpnGroup>",                   /* not https */
	"<vpnGroup><url1>https://h/</url1><mtu>99999</mtu></vpnGroup>",  /* range */
	"<vpnGroup><url1>https://h/</url1><mtu>12x</mtu></vpnGroup>",
	"<vpnGroup><url1>https://h/</url1><hashAlg>1</hashAlg></vpnGroup>", /* SHA-1 only */
	"<vpnGroup><url1>https://h/</url1><certHash1>abc</certHash1></vpnGroup>",
	"<!DOCTYPE x [<!ENTITY a \"b\">]><vpnGroup><url1>https://h/</url1></vpnGroup>",
	"<device><url1>https://h/</url1></device>",                      /* no vpnGroup */
};

START_TEST(test_bad_docs)
{
	struct vpngroup g;
	char err[128] = "";

	vpngroup_defaults(&g);
	ck_assert_int_eq(vpngroup_parse(&g, bad_docs[_i], strlen(bad_docs[_i]), err, sizeof(err)),
			 -1);
	ck_assert_msg(err[0], "no error text for %s", bad_docs[_i]);
}
END_TEST

START_TEST(test_too_many)
{
	struct vpngroup g;

	vpngroup_defaults(&g);
	for (int i = 0; i < PH_MAX_HASHES; i++)
		ck_assert_int_eq(vpngroup_add_hash(&g, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);
	ck_assert_int_eq(vpngroup_add_hash(&g, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), -1);
	for (int i = 0; i < PH_MAX_URLS; i++)
		ck_assert_int_eq(vpngroup_add_url(&g, "https://h/"), 0);
	ck_assert_int_eq(vpngroup_add_url(&g, "https://h/"), -1);
}
END_TEST

/* ---- scale.c: --source-addrs, --procs shares, storm figures ----------------- */

static const struct {
	const char *text;
	int rc;
	const char *lo, *hi;
} srcs[] = {
	{ "198.18.4.1-198.18.7.254", 0, "198.18.4.1", "198.18.7.254" },
	{ "198.18.4.1", 0, "198.18.4.1", "198.18.4.1" },
	{ "198.18.4.0/22", 0, "198.18.4.1", "198.18.7.254" },  /* no network/broadcast */
	{ "198.18.4.9/30", 0, "198.18.4.9", "198.18.4.10" },
	{ "198.18.4.6/31", 0, "198.18.4.6", "198.18.4.7" },
	{ "198.18.4.6/32", 0, "198.18.4.6", "198.18.4.6" },
	{ "198.18.7.254-198.18.4.1", -1, NULL, NULL },          /* A > B */
	{ "198.18.4.0/33", -1, NULL, NULL },
	{ "198.18.4.0/", -1, NULL, NULL },
	{ "198.18.4.0/2x", -1, NULL, NULL },
	{ "-198.18.4.1", -1, NULL, NULL },
	{ "198.18.4.1-", -1, NULL, NULL },
	{ "phones", -1, NULL, NULL },
};

START_TEST(test_src_range)
{
	struct in_addr lo, hi;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	ck_assert_int_eq(src_range_parse(srcs[_i].text, &lo, &hi), srcs[_i].rc);
	if (srcs[_i].rc)
		return;
	inet_ntop(AF_INET, &lo, a, sizeof(a));
	inet_ntop(AF_INET, &hi, b, sizeof(b));
	ck_assert_str_eq(a, srcs[_i].lo);
	ck_assert_str_eq(b, srcs[_i].hi);
}
END_TEST

/* every session in exactly one process, in order, shares differing by <= 1 */
START_TEST(test_proc_share)
{
	static const unsigned cases[][2] = { { 40, 2 }, { 50000, 8 }, { 7, 3 }, { 5, 5 }, { 1, 1 },
					     { 100001, 64 } };

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		unsigned total = cases[c][0], procs = cases[c][1], next = 0, lo = ~0u, hi = 0;

		for (unsigned p = 0; p < procs; p++) {
			unsigned base, n = proc_share(total, procs, p, &base);

			ck_assert_uint_eq(base, next);
			next += n;
			lo = n < lo ? n : lo;
			hi = n > hi ? n : hi;
		}
		ck_assert_uint_eq(next, total);
		ck_assert_uint_le(hi - lo, 1);
	}
	ck_assert_uint_eq(nofile_need(50000), 100064);
}
END_TEST

START_TEST(test_storm)
{
	/* 4 sessions: 3 lost at 1000 and back after 100, 300, 200 ms; one
	 * never lost; one lost at 1500 and not back (back before lost) */
	const uint64_t lost[] = { 1000, 1000, 1000, 0, 1500 };
	const uint64_t back[] = { 1100, 1300, 1200, 0, 900 };
	struct storm st;

	storm_figures(lost, back, 5, &st);
	ck_assert_uint_eq(st.lost, 4);
	ck_assert_uint_eq(st.back, 3);
	ck_assert_uint_eq(st.p50_ms, 200);
	ck_assert_uint_eq(st.p99_ms, 300);
	ck_assert_uint_eq(st.max_ms, 300);
	ck_assert_uint_eq(st.span_ms, 300);
	storm_figures(lost, back, 0, &st);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_uint_eq(st.span_ms, 0);
}
END_TEST

static Suite *phone_suite(void)
{
	Suite *s = suite_create("phone_vpngroup");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_parse_cucm);
	tcase_add_test(core, test_defaults);
	tcase_add_loop_test(core, test_hostid, 0, ARRAY_SIZE(hostids));
	tcase_add_loop_test(core, test_url, 0, ARRAY_SIZE(urls));
	tcase_add_test(core, test_hostid_cert);
	tcase_add_test(core, test_pin);
	suite_add_tcase(s, core);
	tcase_add_loop_test(limits, test_bad_docs, 0, ARRAY_SIZE(bad_docs));
	tcase_add_test(limits, test_too_many);
	suite_add_tcase(s, limits);
	TCase *scale = tcase_create("scale");

	tcase_add_loop_test(scale, test_src_range, 0, ARRAY_SIZE(srcs));
	tcase_add_test(scale, test_proc_share);
	tcase_add_test(scale, test_storm);
	suite_add_tcase(s, scale);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(phone_suite());
	int failed;

	ph_quiet = 1;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
