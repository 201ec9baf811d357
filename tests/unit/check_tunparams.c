/* Unit tests for the tunnel parameters of a CONNECT (src/policy/
 * tunparams.c): a configuration's group policies resolved with
 * policy_resolve, then tunparams_fill with a request and session facts.
 * core: split tunnel, DNS/WINS, domain, banner, MTU, keepalive/DPD, idle
 * and session timeouts, DTLS on/off, vpn-filter (policy and DAP).
 * limits: MTU capped by the client, session timeout used up, list caps. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "sslvpnd/policy.h"
#include "sslvpnd/cstp.h"
#include "sslvpnd/tunparams.h"
#include "cfgtest.h"

#define CONF                                                                   \
	"access_lists = (\n"                                                   \
	"  { name = \"SPLIT\"; type = \"standard\"; entries = [\n"             \
	"      \"permit 198.18.1.0 255.255.255.0\",\n"                         \
	"      \"permit 198.18.8.0 255.255.248.0\",\n"                         \
	"      \"permit 2001:db8:1::/48\" ]; },\n"                             \
	"  { name = \"FILTER\"; type = \"extended\";\n"                        \
	"    entries = \"permit ip any any\"; }\n"                             \
	");\n"                                                                 \
	"group_policies = (\n"                                                 \
	"  { name = \"DfltGrpPolicy\"; vpn-idle-timeout = 30;\n"               \
	"    default-domain = \"dflt.example\"; },\n"                          \
	"  { name = \"phone\"; dns-server = [ \"198.18.1.53\", \"2001:db8::53\",\n" \
	"      \"198.18.1.54\" ];\n"                                           \
	"    wins-server = [ \"198.18.1.60\" ];\n"                             \
	"    default-domain = \"voice.example\"; banner = \"hello\";\n"        \
	"    split-tunnel-policy = \"tunnelspecified\";\n"                     \
	"    split-tunnel-network-list = \"SPLIT\";\n"                         \
	"    split-dns = [ \"a.example\", \"b.example\" ];\n"                  \
	"    vpn-idle-timeout = \"none\"; vpn-session-timeout = 60;\n"         \
	"    anyconnect-mtu = 1300; anyconnect-ssl-keepalive = 15;\n"          \
	"    anyconnect-dpd-interval-gateway = 40;\n"                          \
	"    anyconnect-dpd-interval-client = 50;\n"                           \
	"    anyconnect-ssl-dtls = true; vpn-filter = \"FILTER\";\n"           \
	"    client-bypass-protocol = true;\n"                                 \
	"    anyconnect-ssl-rekey-time = 30; anyconnect-ssl-rekey-method = \"ssl\";\n"           \
	"    anyconnect-ssl-compression = \"deflate\";\n"                      \
	"    anyconnect-dtls-compression = \"lz4\"; },\n"                      \
	"  { name = \"nodtls\"; anyconnect-ssl-dtls = false;\n"                \
	"    split-tunnel-policy = \"excludespecified\";\n"                    \
	"    split-tunnel-network-list = \"SPLIT\"; vpn-filter = \"none\"; }\n" \
	");\n"

static struct sslvpnd_config *cfg;

static void setup(void)
{
	cfg = cfgtest_load_ok(CONF, "tunparams.conf");
}

static void teardown(void)
{
	config_free(cfg);
	cfg = NULL;
}

/* rp for policy with a request asking for mtu and facts f (NULL: a
 * first tunnel right after the login, no DAP). */
static void fill(const char *policy, uint16_t mtu, const struct tunparams_facts *f,
		 struct ipc_tunnel_rep *rp)
{
	struct tunparams_facts none = { .cookie_timeout = 600 };
	struct ipc_tunnel_req rq;
	struct gp_effective e;

	memset(&rq, 0, sizeof(rq));
	memset(rp, 0, sizeof(*rp));
	rq.req_mtu = mtu;
	policy_resolve(cfg, policy, &e);
	tunparams_fill(&e, &rq, f ? f : &none, rp);
}

static uint32_t a4(const char *s)
{
	struct in_addr in;

	ck_assert_int_eq(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

START_TEST(test_phone_policy)
{
	struct ipc_tunnel_rep rp;

	fill("phone", 0, NULL, &rp);
	ck_assert_uint_eq(rp.mtu, 1300);
	ck_assert_uint_eq(rp.keepalive, 15);
	ck_assert_uint_eq(rp.dpd, 40);
	ck_assert_uint_eq(rp.dpd_client, 50);
	ck_assert_uint_eq(rp.idle_timeout, 0);          /* "none" stops inheritance */
	ck_assert_uint_eq(rp.session_timeout, 3600);
	ck_assert_uint_eq(rp.session_remaining, 3600);
	ck_assert_uint_eq(rp.dtls, 1);
	ck_assert_uint_eq(rp.client_bypass, 1);
	ck_assert_uint_eq(rp.disconnected_timeout, 600);
	ck_assert_uint_eq(rp.session_alert, 60);    /* built-in 1 minute */
	ck_assert_uint_eq(rp.rekey_time, 1800);
	ck_assert_uint_eq(rp.rekey_method, CSTP_REKEY_SSL);
	ck_assert_uint_eq(rp.n_dns, 2);                 /* IPv4 only: the IPv6 one is skipped */
	ck_assert_uint_eq(rp.dns[0], a4("198.18.1.53"));
	ck_assert_uint_eq(rp.dns[1], a4("198.18.1.54"));
	ck_assert_uint_eq(rp.n_nbns, 1);
	ck_assert_uint_eq(rp.nbns[0], a4("198.18.1.60"));
	ck_assert_str_eq(rp.default_domain, "voice.example");
	ck_assert_str_eq(rp.banner, "hello");
	ck_assert_str_eq(rp.split_dns, "a.example b.example");
	ck_assert_str_eq(rp.filter, "FILTER");
	ck_assert_uint_eq(rp.filter_flags, 0);
	ck_assert_str_eq(rp.ssl_compression, "deflate");
	ck_assert_str_eq(rp.dtls_compression, "lz4");
}
END_TEST

START_TEST(test_split_include)
{
	struct ipc_tunnel_rep rp;

	fill("phone", 0, NULL, &rp);
	ck_assert_uint_eq(rp.split_mode, SPLIT_INCLUDE);
	ck_assert_uint_eq(rp.n_split, 2);
	ck_assert_uint_eq(rp.split[0].addr, a4("198.18.1.0"));
	ck_assert_uint_eq(rp.split[0].mask, a4("255.255.255.0"));
	ck_assert_uint_eq(rp.split[1].addr, a4("198.18.8.0"));
	ck_assert_uint_eq(rp.split[1].mask, a4("255.255.248.0"));
	ck_assert_uint_eq(rp.n_split6, 1);
	ck_assert_uint_eq(rp.split6[0].plen, 48);
}
END_TEST

START_TEST(test_nodtls_exclude_inherit)
{
	struct ipc_tunnel_rep rp;

	fill("nodtls", 0, NULL, &rp);
	ck_assert_uint_eq(rp.dtls, 0);
	ck_assert_uint_eq(rp.split_mode, SPLIT_EXCLUDE);
	ck_assert_uint_eq(rp.n_split, 2);
	ck_assert_str_eq(rp.filter, "");                /* vpn-filter none */
	/* Inherited from DfltGrpPolicy, then the built-in defaults. */
	ck_assert_uint_eq(rp.idle_timeout, 30 * 60);
	ck_assert_str_eq(rp.default_domain, "dflt.example");
	ck_assert_uint_eq(rp.mtu, 1406);
	ck_assert_uint_eq(rp.keepalive, 20);
	ck_assert_uint_eq(rp.dpd, 30);
	ck_assert_uint_eq(rp.session_timeout, 0);
	ck_assert_str_eq(rp.ssl_compression, "none");   /* built-in: off */
	ck_assert_str_eq(rp.dtls_compression, "none");
	ck_assert_uint_eq(rp.session_remaining, 0);
	ck_assert_uint_eq(rp.n_dns, 0);
}
END_TEST

START_TEST(test_dap_filter_wins)
{
	struct tunparams_facts f = { .cookie_timeout = 30, .dap_filter = "QUARANTINE",
				     .dap_filter_flags = IPC_FILTER_DENY_FIRST };
	struct ipc_tunnel_rep rp;

	fill("phone", 0, &f, &rp);
	ck_assert_str_eq(rp.filter, "QUARANTINE");
	ck_assert_uint_eq(rp.filter_flags, IPC_FILTER_DENY_FIRST);
	ck_assert_uint_eq(rp.disconnected_timeout, 30);
	f.dap_filter = "";                              /* DAP without ACLs */
	fill("phone", 0, &f, &rp);
	ck_assert_str_eq(rp.filter, "FILTER");
}
END_TEST

/* ---- anyconnect-custom (S7): inherited per type from DfltGrpPolicy;
 * "TYPE none" on the policy stops it; pushed as X-CSTP-Post-Auth-XML. */
#define CUSTOM_CONF                                                            \
	"anyconnect_custom_attrs = ( { type = \"A\"; }, { type = \"B\"; },\n"     \
	"  { type = \"C\"; description = \"third\"; } );\n"                      \
	"anyconnect_custom_data = (\n"                                          \
	"  { type = \"A\"; name = \"a1\"; value = \"one\"; },\n"                 \
	"  { type = \"A\"; name = \"a2\"; value = \"two\"; },\n"                 \
	"  { type = \"B\"; name = \"b1\"; value = \"bee\"; },\n"                 \
	"  { type = \"C\"; name = \"c1\"; value = \"sea\"; } );\n"               \
	"group_policies = (\n"                                                 \
	"  { name = \"DfltGrpPolicy\";\n"                                       \
	"    anyconnect-custom = [ \"A value a1\", \"B value b1\", \"C value c1\" ]; },\n" \
	"  { name = \"P1\"; anyconnect-custom = [ \"A value a2\", \"B none\" ]; },\n" \
	"  { name = \"P2\"; },\n"                                                \
	"  { name = \"P3\"; anyconnect-custom = \"none\"; } );\n"

static const struct custom_case {
	const char *policy;
	const char *a, *b, *c; /* expected values, NULL = not pushed */
} customs[] = {
	{ "P1", "two", NULL, "sea" },    /* own A, B stopped, C inherited */
	{ "P2", "one", "bee", "sea" },   /* all from DfltGrpPolicy */
	{ "DfltGrpPolicy", "one", "bee", "sea" },
	{ "P3", NULL, NULL, NULL },      /* whole-value none stops every type */
};

static void expect_value(const struct policy_custom *c, const char *type, const char *want)
{
	const char *got = policy_custom_value(c, type);

	if (!want)
		ck_assert_msg(got == NULL, "%s: expected not pushed, got %s", type, got);
	else
		ck_assert_msg(got && !strcmp(got, want), "%s: expected %s, got %s", type, want,
			      got ? got : "(none)");
}

START_TEST(test_custom_inherit)
{
	const struct custom_case *k = &customs[_i];
	struct sslvpnd_config *c = cfgtest_load_ok(CUSTOM_CONF, "custom.conf");
	struct policy_custom pc;

	policy_custom_attrs(c, k->policy, &pc);
	expect_value(&pc, "A", k->a);
	expect_value(&pc, "B", k->b);
	expect_value(&pc, "C", k->c);
	config_free(c);
}
END_TEST

START_TEST(test_custom_header)
{
	struct sslvpnd_config *c = cfgtest_load_ok(CUSTOM_CONF, "custom.conf");
	struct tunparams_facts f = { .cookie_timeout = 30 };
	struct ipc_tunnel_req rq = { 0 };
	struct ipc_tunnel_rep rp;
	struct gp_effective e;

	memset(&rp, 0, sizeof(rp));
	policy_resolve(c, "P1", &e);
	tunparams_fill(&e, &rq, &f, &rp);
	ck_assert_str_eq(rp.custom_xml,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?><config-auth client=\"vpn\" "
			 "type=\"complete\" aggregate-auth-version=\"2\"><config client=\"vpn\" "
			 "type=\"private\"><opaque is-for=\"vpn-client\"><custom-attr>"
			 "<A><![CDATA[two]]></A><C><![CDATA[sea]]></C>"
			 "</custom-attr></opaque></config></config-auth>");
	config_free(c);
	/* no custom attribute at all: no header */
	c = cfgtest_load_ok(CONF, "tunparams.conf");
	policy_resolve(c, "phone", &e);
	tunparams_fill(&e, &rq, &f, &rp);
	ck_assert_str_eq(rp.custom_xml, "");
	config_free(c);
}
END_TEST

/* ---- limits */

static const struct mtu_case {
	uint16_t asked, expect;
} mtus[] = {
	{ 0, 1300 },     /* no X-CSTP-MTU */
	{ 575, 1300 },   /* below the IPv4 minimum: ignored */
	{ 576, 576 },
	{ 1200, 1200 },  /* the client's smaller path wins */
	{ 1300, 1300 },
	{ 1500, 1300 },  /* never more than the policy */
};

START_TEST(test_mtu_cap)
{
	struct ipc_tunnel_rep rp;

	fill("phone", mtus[_i].asked, NULL, &rp);
	ck_assert_msg(rp.mtu == mtus[_i].expect, "asked %u: expected %u, got %u",
		      mtus[_i].asked, mtus[_i].expect, rp.mtu);
}
END_TEST

/* A reconnect keeps the budget fixed at the first tunnel, counted from the
 * login, even when the policy changed since. */
static const struct timer_case {
	int fixed;
	uint32_t fixed_s;
	uint64_t since_login;
	uint32_t timeout, remaining;
} timers[] = {
	{ 0, 0, 0, 3600, 3600 },
	{ 0, 0, 600, 3600, 3000 },
	{ 1, 120, 100, 120, 20 },
	{ 1, 120, 120, 120, 1 },        /* used up: the tick ends it */
	{ 1, 120, 5000, 120, 1 },
	{ 1, 0, 100, 0, 0 },            /* fixed without a limit */
};

START_TEST(test_session_timer)
{
	struct tunparams_facts f = { .cookie_timeout = 600,
				     .timeout_fixed = timers[_i].fixed,
				     .session_timeout = timers[_i].fixed_s,
				     .since_login_s = timers[_i].since_login };
	struct ipc_tunnel_rep rp;

	fill("phone", 0, &f, &rp);
	ck_assert_msg(rp.session_timeout == timers[_i].timeout &&
			      rp.session_remaining == timers[_i].remaining,
		      "case %d: expected %u/%u, got %u/%u", _i, timers[_i].timeout,
		      timers[_i].remaining, rp.session_timeout, rp.session_remaining);
}
END_TEST

static Suite *tunparams_suite(void)
{
	Suite *s = suite_create("tunparams");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(core, test_phone_policy);
	tcase_add_test(core, test_split_include);
	tcase_add_test(core, test_nodtls_exclude_inherit);
	tcase_add_test(core, test_dap_filter_wins);
	tcase_add_loop_test(core, test_custom_inherit, 0, sizeof(customs) / sizeof(customs[0]));
	tcase_add_test(core, test_custom_header);
	tcase_add_loop_test(limits, test_mtu_cap, 0, sizeof(mtus) / sizeof(mtus[0]));
	tcase_add_loop_test(limits, test_session_timer, 0, sizeof(timers) / sizeof(timers[0]));
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tunparams_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
