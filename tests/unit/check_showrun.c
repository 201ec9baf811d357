/* Unit tests for the show running-config views (src/policy/showrun.c):
 * seed 001's policies and tunnel group compared line by line with the
 * expected ASA text. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "sslvpnd/showrun.h"
#include "sslvpnd/util.h"

static const char conf[] =
	"ip_local_pools = ( { name = \"phones\"; range = \"198.19.0.10-198.19.0.20\";"
	" mask = \"255.255.255.0\"; } );\n"
	"access_lists = ( { name = \"NO-TRAFFIC\"; type = \"extended\";"
	" entries = [ \"remark seed 001\", \"deny ip any any\" ]; },\n"
	"  { name = \"SPLIT\"; type = \"standard\"; entries = [ \"permit 198.18.1.0 255.255.255.0\","
	" \"permit 2001:db8::/32\" ]; } );\n"
	"group_policies = (\n"
	"  { name = \"DfltGrpPolicy\"; vpn-simultaneous-logins = 0;\n"
	"    vpn-tunnel-protocol = [ \"ikev1\", \"ikev2\", \"l2tp-ipsec\", \"ssl-clientless\" ];\n"
	"    group-lock = \"DefaultWEBVPNGroup\"; vpn-filter = \"NO-TRAFFIC\"; },\n"
	"  { name = \"GroupPolicy_VPNPhone\"; wins-server = \"none\"; dns-server = \"10.198.29.20\";\n"
	"    vpn-simultaneous-logins = 3; vpn-tunnel-protocol = \"ssl-client\";\n"
	"    group-lock = \"VPNPhone\"; vpn-filter = \"none\"; default-domain = \"cisco.com\";\n"
	"    split-tunnel-policy = \"tunnelspecified\"; split-tunnel-network-list = \"SPLIT\";\n"
	"    anyconnect-ssl-dtls = false; anyconnect-mtu = 1300; },\n"
	"  { name = \"Empty\"; },\n"
	"  { name = \"Spelled\"; dhcp-network-scope = \"198.18.7.0\"; banner = \"LAB\";\n"
	"    client-bypass-protocol = true; anyconnect-ssl-dtls = \"none\";\n"
	"    vpn-idle-timeout = \"none\"; anyconnect-ssl-keepalive = 30; } );\n"
	"trustpoints = ( { name = \"MIC\"; enrollment = \"terminal\";"
	" certificate = \"/nonexistent/mic.pem\"; } );\n"
	"tunnel_groups = ( { name = \"VPNPhone\"; address-pool = \"phones\";\n"
	"    default-group-policy = \"GroupPolicy_VPNPhone\"; authentication = \"certificate\";\n"
	"    group-url = [ \"https://asa5520-c.cisco.com/VPNPhone\" ]; without-csd = true; },\n"
	"  { name = \"Ext\"; username-from-certificate = \"DEVICE\";\n"
	"    validation-trustpoints = \"MIC\"; authentication = \"aaa certificate\";\n"
	"    group-alias = \"Ext\"; },\n"
	"  { name = \"Ou\"; username-from-certificate = \"OU\";"
	" asa-compat = [ \"dtls-cipher\", \"temp-ec-cert\" ]; },\n"
	"  { name = \"Rad\"; authentication-server-group = \"RAD LOCAL\";\n"
	"    accounting-server-group = \"RAD\"; authorization-server-group = \"RAD\";\n"
	"    authorize-required = true; } );\n"
	"aaa_servers = ( { name = \"RAD\"; protocol = \"radius\"; deadtime = 5;\n"
	"    dynamic-authorization = true;\n"
	"    hosts = ( { address = \"198.18.2.1\"; interface = \"inside\"; key = \"s3cret\";\n"
	"                timeout = 5; } ); } );\n";

static struct sslvpnd_config *cfg;

static void setup(void)
{
	struct cfg_errors errs;

	ck_assert_int_eq(config_load_string(conf, "showrun.conf", "/var/lib/sslvpnd-test",
					    &cfg, &errs), 0);
}

static void teardown(void)
{
	config_free(cfg);
	cfg = NULL;
}

/* The view as a string (freed by the caller); rc the function's result. */
static char *view(int (*fn)(FILE *, const struct sslvpnd_config *, const char *, int),
		  const char *name, int all, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	*rc = fn(fp, cfg, name, all);
	fclose(fp);
	return buf;
}

static int gp_view(FILE *fp, const struct sslvpnd_config *c, const char *n, int all)
{
	return showrun_group_policy(fp, c, n, all);
}

static int tg_view(FILE *fp, const struct sslvpnd_config *c, const char *n, int all)
{
	(void)all;
	return showrun_tunnel_group(fp, c, n);
}

static int acl_view(FILE *fp, const struct sslvpnd_config *c, const char *n, int all)
{
	(void)all;
	return showrun_access_list(fp, c, n);
}

static int aaa_view(FILE *fp, const struct sslvpnd_config *c, const char *n, int all)
{
	(void)all;
	return showrun_aaa_server(fp, c, n);
}

static void expect(int (*fn)(FILE *, const struct sslvpnd_config *, const char *, int),
		   const char *name, int all, const char *want)
{
	int rc;
	char *got = view(fn, name, all, &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strcmp(got, want) == 0, "got:\n%s\nwant:\n%s", got, want);
	free(got);
}

START_TEST(test_gp_set)
{
	expect(gp_view, "GroupPolicy_VPNPhone", 0,
	       "group-policy GroupPolicy_VPNPhone internal\n"
	       "group-policy GroupPolicy_VPNPhone attributes\n"
	       " wins-server none\n"
	       " dns-server value 10.198.29.20\n"
	       " vpn-simultaneous-logins 3\n"
	       " vpn-filter none\n"
	       " vpn-tunnel-protocol ssl-client\n"
	       " group-lock value VPNPhone\n"
	       " split-tunnel-policy tunnelspecified\n"
	       " split-tunnel-network-list value SPLIT\n"
	       " default-domain value cisco.com\n"
	       " webvpn\n"
	       "  anyconnect mtu 1300\n"
	       "  anyconnect ssl dtls none\n");
	expect(gp_view, "DfltGrpPolicy", 0,
	       "group-policy DfltGrpPolicy attributes\n"
	       " vpn-simultaneous-logins 0\n"
	       " vpn-filter value NO-TRAFFIC\n"
	       " vpn-tunnel-protocol ikev1 ikev2 l2tp-ipsec ssl-clientless\n"
	       " group-lock value DefaultWEBVPNGroup\n");
	expect(gp_view, "Empty", 0, "group-policy Empty internal\n");
}
END_TEST

START_TEST(test_gp_all)
{
	expect(gp_view, "Empty", 1,
	       "group-policy Empty internal\n"
	       "group-policy Empty attributes\n"
	       " banner none  ! built-in default\n"
	       " wins-server none  ! built-in default\n"
	       " dns-server none  ! built-in default\n"
	       " dhcp-network-scope none  ! built-in default\n"
	       " vpn-access-hours none  ! built-in default\n"
	       " vpn-simultaneous-logins 0  ! DfltGrpPolicy\n"
	       " vpn-idle-timeout 30  ! built-in default\n"
	       " vpn-idle-timeout alert-interval 1  ! built-in default\n"
	       " vpn-session-timeout none  ! built-in default\n"
	       " vpn-session-timeout alert-interval 1  ! built-in default\n"
	       " vpn-filter value NO-TRAFFIC  ! DfltGrpPolicy\n"
	       " ipv6-vpn-filter none  ! built-in default\n"
	       " vpn-tunnel-protocol ikev1 ikev2 l2tp-ipsec ssl-clientless  ! DfltGrpPolicy\n"
	       " group-lock value DefaultWEBVPNGroup  ! DfltGrpPolicy\n"
	       " split-tunnel-policy tunnelall  ! built-in default\n"
	       " split-tunnel-network-list none  ! built-in default\n"
	       " default-domain none  ! built-in default\n"
	       " split-dns none  ! built-in default\n"
	       " client-bypass-protocol disable  ! built-in default\n"
	       " address-pools none  ! built-in default\n"
	       " ipv6-address-pools none  ! built-in default\n"
	       " webvpn\n"
	       "  anyconnect mtu 1406  ! built-in default\n"
	       "  anyconnect ssl keepalive 20  ! built-in default\n"
	       "  anyconnect dpd-interval client 30  ! built-in default\n"
	       "  anyconnect dpd-interval gateway 30  ! built-in default\n"
	       "  anyconnect ssl dtls enable  ! built-in default\n"
	       "  anyconnect ssl compression none  ! built-in default\n"
	       "  anyconnect dtls compression none  ! built-in default\n"
	       "  anyconnect profiles none  ! built-in default\n"
	       "  anyconnect-custom none  ! built-in default\n"
	       "  anyconnect ssl rekey time none  ! built-in default\n"
	       "  anyconnect ssl rekey method none  ! built-in default\n");
}
END_TEST

/* every attribute appears exactly once in the all view, whatever is set */
START_TEST(test_gp_all_complete)
{
	int rc;
	char *got = view(gp_view, "GroupPolicy_VPNPhone", 1, &rc);
	int lines = 0;

	for (const char *p = got; *p; p++)
		lines += *p == '\n';
	/* internal + attributes + webvpn + one line per attribute */
	ck_assert_int_eq(lines, 3 + GPA__COUNT);
	ck_assert_ptr_nonnull(strstr(got, " vpn-filter none  ! set\n"));
	ck_assert_ptr_nonnull(strstr(got, " vpn-tunnel-protocol ssl-client  ! set\n"));
	ck_assert_ptr_nonnull(strstr(got, " vpn-idle-timeout 30  ! built-in default\n"));
	free(got);
}
END_TEST

START_TEST(test_tg)
{
	int rc;
	char *got;

	expect(tg_view, "VPNPhone", 0,
	       "tunnel-group VPNPhone type remote-access\n"
	       "tunnel-group VPNPhone general-attributes\n"
	       " address-pool phones\n"
	       " default-group-policy GroupPolicy_VPNPhone\n"
	       "tunnel-group VPNPhone webvpn-attributes\n"
	       " authentication certificate\n"
	       " group-url https://asa5520-c.cisco.com/VPNPhone enable\n"
	       " without-csd\n");
	/* the built-in DefaultWEBVPNGroup with nothing set prints nothing */
	expect(tg_view, "DefaultWEBVPNGroup", 0, "");
	got = view(tg_view, "nope", 0, &rc);
	ck_assert_int_eq(rc, -1);
	free(got);
	got = view(gp_view, "nope", 1, &rc);
	ck_assert_int_eq(rc, -1);
	free(got);
}
END_TEST

/* S15: the aaa-server group in ASA syntax, the key as *****; the tunnel
 * group's server groups in its general-attributes. */
START_TEST(test_aaa)
{
	expect(aaa_view, "RAD", 0,
	       "aaa-server RAD protocol radius\n"
	       " reactivation-mode depletion deadtime 5\n"
	       " dynamic-authorization port 1700\n"
	       "aaa-server RAD (inside) host 198.18.2.1\n"
	       " timeout 5\n"
	       " retry-interval 10\n"
	       " authentication-port 1645\n"
	       " accounting-port 1646\n"
	       " key *****\n");
	expect(tg_view, "Rad", 0,
	       "tunnel-group Rad type remote-access\n"
	       "tunnel-group Rad general-attributes\n"
	       " authentication-server-group RAD LOCAL\n"
	       " authorization-server-group RAD\n"
	       " accounting-server-group RAD\n"
	       " authorization-required\n");
}
END_TEST

START_TEST(test_acl)
{
	expect(acl_view, NULL, 0,
	       "access-list NO-TRAFFIC remark seed 001\n"
	       "access-list NO-TRAFFIC extended deny ip any any\n"
	       "access-list SPLIT standard permit 198.18.1.0 255.255.255.0\n"
	       "access-list SPLIT standard permit 2001:db8::/32\n");
}
END_TEST


/* ---- every line in the ASA's own syntax.  Each row: a view, and one line
 * it must print (whole line).  Sources: seed 001 (show run group-policy /
 * tunnel-group of an ASA 5520), seed 004 (anyconnect ssl dtls none, group
 * policy webvpn sub-mode), asa-behaviour.md 1-2, the ASA command reference
 * for the rest (noted per row). */
struct asa_line {
	int (*fn)(FILE *, const struct sslvpnd_config *, const char *, int);
	const char *name;
	int all;
	const char *line;
	const char *never; /* a wrong line that must not appear, or NULL */
};

static const struct asa_line asa_lines[] = {
	/* seed 004 / asa-behaviour.md 1, 5: dtls off is "none", not "disable" */
	{ gp_view, "GroupPolicy_VPNPhone", 0, "  anyconnect ssl dtls none", "  anyconnect ssl dtls disable" },
	{ gp_view, "Spelled", 0, "  anyconnect ssl dtls none", "  anyconnect ssl dtls disable" },
	{ gp_view, "Empty", 1, "  anyconnect ssl dtls enable  ! built-in default", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 1, "  anyconnect ssl dtls none  ! set", NULL },
	/* command reference: dhcp-network-scope {ip_address | none}, no "value" */
	{ gp_view, "Spelled", 0, " dhcp-network-scope 198.18.7.0", " dhcp-network-scope value 198.18.7.0" },
	{ gp_view, "Empty", 1, " dhcp-network-scope none  ! built-in default", NULL },
	/* seed 001 / 004 */
	{ gp_view, "Spelled", 0, " banner value LAB", NULL },
	{ gp_view, "Spelled", 0, " client-bypass-protocol enable", NULL },
	{ gp_view, "Empty", 1, " client-bypass-protocol disable  ! built-in default", NULL },
	{ gp_view, "Spelled", 0, " vpn-idle-timeout none", NULL },
	{ gp_view, "Spelled", 0, "  anyconnect ssl keepalive 30", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 0, " wins-server none", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 0, " dns-server value 10.198.29.20", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 0, " vpn-tunnel-protocol ssl-client", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 0, " group-lock value VPNPhone", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 0, " default-domain value cisco.com", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 0, " split-tunnel-network-list value SPLIT", NULL },
	{ gp_view, "GroupPolicy_VPNPhone", 0, "  anyconnect mtu 1300", NULL },
	{ gp_view, "Empty", 1, " vpn-idle-timeout alert-interval 1  ! built-in default", NULL },
	{ gp_view, "Empty", 1, " vpn-session-timeout alert-interval 1  ! built-in default", NULL },
	{ gp_view, "Empty", 1, "  anyconnect dpd-interval client 30  ! built-in default", NULL },
	{ gp_view, "Empty", 1, "  anyconnect dpd-interval gateway 30  ! built-in default", NULL },
	/* tunnel groups: seed 001, asa-behaviour.md 1 */
	{ tg_view, "Ext", 0, " authentication aaa certificate", NULL },
	{ tg_view, "Ext", 0, " group-alias Ext enable", NULL },
	{ tg_view, "Ou", 0, " username-from-certificate OU", NULL },
	/* sslvpnd-only settings have no ASA command: comments, never an
	 * invented command */
	{ tg_view, "Ext", 0, " ! sslvpnd: username-from-certificate DEVICE",
	  " username-from-certificate DEVICE" },
	{ tg_view, "Ext", 0, " ! sslvpnd: validation-trustpoints MIC", " ssl-trustpoint MIC" },
	{ tg_view, "Ou", 0, " ! sslvpnd: asa-compat dtls-cipher temp-ec-cert", " asa-compat" },
	/* access-list NAME remark TEXT (command reference) */
	{ acl_view, "NO-TRAFFIC", 0, "access-list NO-TRAFFIC remark seed 001",
	  "access-list NO-TRAFFIC remark" },
};

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

START_TEST(test_asa_syntax)
{
	const struct asa_line *l = &asa_lines[_i];
	int rc;
	char *got = view(l->fn, l->name, l->all, &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_msg(has_line(got, l->line), "%s%s: want the line \"%s\" in:\n%s",
		      l->name, l->all ? " (all)" : "", l->line, got);
	if (l->never)
		ck_assert_msg(!has_line(got, l->never), "%s: not ASA syntax: \"%s\" in:\n%s",
			      l->name, l->never, got);
	free(got);
}
END_TEST

static Suite *showrun_suite(void)
{
	Suite *s = suite_create("showrun");
	TCase *c = tcase_create("core");

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, test_gp_set);
	tcase_add_test(c, test_gp_all);
	tcase_add_test(c, test_gp_all_complete);
	tcase_add_test(c, test_tg);
	tcase_add_test(c, test_acl);
	tcase_add_test(c, test_aaa);
	tcase_add_loop_test(c, test_asa_syntax, 0, sizeof(asa_lines) / sizeof(asa_lines[0]));
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(showrun_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
