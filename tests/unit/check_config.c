/* Unit tests for src/config: loading, every class of error with its exact
 * line, defaults, implicit objects, group-policy attribute states, the dump
 * round trip, and that the man page documents every key of the schema. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sslvpnd/config.h"
#include "sslvpnd/util.h"
#include "../../src/config/schema.h"
#include "cfgtest.h"

#define T_NAME "t.conf"
#define T_STATE "/var/lib/sslvpnd-test"

/* ---- helpers */

#define errs_text cfgtest_errs_text
#define load_ok(text) cfgtest_load_ok((text), T_NAME)

/* The error at `line` whose message contains `msg`, or NULL. */
static const struct cfg_error *find_error(const struct cfg_errors *errs,
					  int line, const char *msg)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		if (errs->e[i].line == line && strstr(errs->e[i].msg, msg))
			return &errs->e[i];
	return NULL;
}

static void expect_error(const char *text, int line, const char *msg)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = (void *)1;
	int rc = config_load_string(text, T_NAME, T_STATE, &cfg, &errs);

	ck_assert_msg(rc == -1 && cfg == NULL,
		      "expected failure, got rc %d\nconfig:\n%s", rc, text);
	ck_assert_msg(find_error(&errs, line, msg),
		      "expected %s:%d: ...%s...\nactual:\n%s", T_NAME, line, msg,
		      errs_text(&errs));
	ck_assert_str_eq(errs.e[0].file, T_NAME);
}

static char *dump_string(const struct sslvpnd_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(config_dump(fp, cfg), 0);
	fclose(fp);
	return buf;
}

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");

	return d && *d ? d : ".";
}

/* ---- equality for the round trip (line numbers and source excluded) */

#define EQ_FLAT(a, b, what)                                                    \
	ck_assert_msg(memcmp(&(a), &(b), sizeof(a)) == 0, "%s differs", what)

static void eq_gp_value(const struct gp_value *a, const struct gp_value *b,
			const char *pol, const char *key)
{
	size_t i;

	ck_assert_msg(a->state == b->state, "%s %s: state %d vs %d", pol, key,
		      a->state, b->state);
	ck_assert_msg(a->num == b->num, "%s %s: %lld vs %lld", pol, key, a->num, b->num);
	ck_assert_msg(!a->str == !b->str && (!a->str || !strcmp(a->str, b->str)),
		      "%s %s: str differs", pol, key);
	ck_assert_msg(a->n_list == b->n_list, "%s %s: list length %zu vs %zu", pol,
		      key, a->n_list, b->n_list);
	for (i = 0; i < a->n_list; i++)
		ck_assert_str_eq(a->list[i], b->list[i]);
}

static void eq_policies(const struct sslvpnd_config *a, const struct sslvpnd_config *b)
{
	size_t i;
	int k;

	ck_assert_uint_eq(a->n_policies, b->n_policies);
	for (i = 0; i < a->n_policies; i++) {
		ck_assert_str_eq(a->policies[i].name, b->policies[i].name);
		for (k = 0; k < GPA__COUNT; k++)
			eq_gp_value(&a->policies[i].attr[k], &b->policies[i].attr[k],
				    a->policies[i].name, gp_attr_table[k].key);
	}
}

/* Elements compared as bytes with their line cleared: the loader zero-fills
 * every field before writing it, so equal configs are equal bytes. */
#define EQ_ARRAY(a, b, arr, n, what)                                           \
	do {                                                                   \
		size_t i_;                                                     \
		ck_assert_msg((a)->n == (b)->n, "%s: %zu vs %zu", what,        \
			      (a)->n, (b)->n);                                 \
		for (i_ = 0; i_ < (a)->n; i_++) {                              \
			__typeof__(*(a)->arr) x_ = (a)->arr[i_];               \
			__typeof__(*(a)->arr) y_ = (b)->arr[i_];               \
			x_.line = y_.line = 0;                                 \
			ck_assert_msg(memcmp(&x_, &y_, sizeof(x_)) == 0,       \
				      "%s \"%s\" differs", what, x_.name);     \
		}                                                              \
	} while (0)

static void eq_config(const struct sslvpnd_config *a, const struct sslvpnd_config *b)
{
	struct cfg_ssl sa = a->ssl, sb = b->ssl; /* without the lines */
	struct cfg_general ga = a->general, gb = b->general;

	ga.user_line = ga.group_line = gb.user_line = gb.group_line = 0;
	EQ_FLAT(ga, gb, "general");
	EQ_FLAT(a->logging, b->logging, "logging");
	memset(sa.cipher_line, 0, sizeof(sa.cipher_line));
	memset(sb.cipher_line, 0, sizeof(sb.cipher_line));
	EQ_FLAT(sa, sb, "ssl");
	EQ_FLAT(a->webvpn, b->webvpn, "webvpn");
	EQ_ARRAY(a, b, interfaces, n_interfaces, "interface");
	EQ_ARRAY(a, b, trustpoints, n_trustpoints, "trustpoint");
	EQ_ARRAY(a, b, pools, n_pools, "pool");
	EQ_ARRAY(a, b, tunnel_groups, n_tunnel_groups, "tunnel group");
	EQ_ARRAY(a, b, users, n_users, "user");
	eq_policies(a, b);
}

/* ================================================================ core */

START_TEST(test_embedded_default)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;
	const struct cfg_tunnel_group *tg;
	const struct cfg_pool *p;

	ck_assert_msg(config_load(NULL, NULL, &cfg, &errs) == 0, "%s", errs_text(&errs));
	ck_assert_str_eq(cfg->source, CFG_EMBEDDED_NAME);
	ck_assert_int_eq(cfg->embedded, 1);
	ck_assert_uint_eq(cfg->n_interfaces, 1);
	ck_assert_str_eq(cfg->interfaces[0].name, "outside");
	ck_assert_str_eq(cfg->interfaces[0].address, "0.0.0.0");
	ck_assert_uint_eq(cfg->interfaces[0].port, 443);
	ck_assert_uint_eq(cfg->interfaces[0].dtls_port, 443);
	ck_assert_uint_eq(cfg->interfaces[0].trustpoints.n, 0);
	ck_assert_uint_eq(cfg->n_trustpoints, 1);
	ck_assert_int_eq(cfg->trustpoints[0].enrollment, CFG_ENROLL_TERMINAL);
	ck_assert_str_eq(cfg->trustpoints[0].certificate, CFG_DEFAULT_STATE_DIR "/trust");
	p = config_pool(cfg, "default-pool");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->first, 0xc6130001u);
	ck_assert_uint_eq(p->last, 0xc61300feu);
	ck_assert_uint_eq(p->mask, 0xffffff00u);
	ck_assert_ptr_nonnull(config_group_policy(cfg, "DfltGrpPolicy"));
	tg = config_tunnel_group(cfg, "DefaultWEBVPNGroup");
	ck_assert_ptr_nonnull(tg);
	ck_assert_int_eq(tg->authentication, CFG_AUTH_CERTIFICATE);
	ck_assert_int_eq(tg->builtin, 0);
	ck_assert_str_eq(tg->address_pools.v[0], "default-pool");
	ck_assert_str_eq(tg->default_group_policy, "DfltGrpPolicy");
	ck_assert_int_eq(cfg->logging.to_syslog, 1);
	ck_assert_int_eq(cfg->logging.format, LOG_FMT_ASA);
	config_free(cfg);
}
END_TEST

/* @STATE_DIR@ follows --state-dir, else general.state-dir. */
/* main names the line of general.user/group when the account is missing
 * (src/main/reload.c); 0 = the default (sslvpnd) applies. */
START_TEST(test_run_user_lines)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = NULL;

	ck_assert_int_eq(config_load_string("general = {\n  workers = 1;\n"
					    "  user = \"vpnw\";\n  group = \"vpng\";\n};\n",
					    T_NAME, T_STATE, &cfg, &errs), 0);
	ck_assert_str_eq(cfg->general.user, "vpnw");
	ck_assert_int_eq(cfg->general.user_line, 3);
	ck_assert_int_eq(cfg->general.group_line, 4);
	config_free(cfg);
	ck_assert_int_eq(config_load_string("", T_NAME, T_STATE, &cfg, &errs), 0);
	ck_assert_str_eq(cfg->general.user, "sslvpnd");
	ck_assert_str_eq(cfg->general.group, "sslvpnd");
	ck_assert_int_eq(cfg->general.user_line, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_state_dir)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;

	ck_assert_int_eq(config_load(NULL, "/srv/vpn", &cfg, &errs), 0);
	ck_assert_str_eq(cfg->general.state_dir, "/srv/vpn");
	ck_assert_str_eq(cfg->trustpoints[0].certificate, "/srv/vpn/trust");
	config_free(cfg);
	ck_assert_int_eq(config_load_string("general = { state-dir = \"/opt/s\"; };\n"
					    "trustpoints = ( { name = \"ca\"; enrollment = \"terminal\";"
					    " certificate = \"@STATE_DIR@/ca.pem\"; } );\n",
					    T_NAME, NULL, &cfg, &errs), 0);
	ck_assert_str_eq(cfg->trustpoints[0].certificate, "/opt/s/ca.pem");
	config_free(cfg);
	ck_assert_int_eq(config_load_string("", T_NAME, "relative", &cfg, &errs), -1);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(test_example_file)
{
	char path[1024];
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;
	const struct cfg_tunnel_group *tg;

	snprintf(path, sizeof(path), "%s/etc/sslvpnd.conf", srcdir());
	ck_assert_msg(config_load(path, NULL, &cfg, &errs) == 0, "%s:\n%s", path,
		      errs_text(&errs));
	ck_assert_str_eq(cfg->source, path);
	ck_assert_int_eq(cfg->embedded, 0);
	tg = config_tunnel_group(cfg, "vpn-phone-group");
	ck_assert_ptr_nonnull(tg);
	ck_assert_int_eq(tg->authentication, CFG_AUTH_CERTIFICATE);
	ck_assert_uint_ge(tg->n_urls, 1);
	ck_assert_ptr_nonnull(config_tunnel_group(cfg, "DefaultWEBVPNGroup"));
	ck_assert_uint_ge(cfg->n_trustpoints, 3);
	config_free(cfg);
}
END_TEST

START_TEST(test_missing_file)
{
	char path[1024];
	struct cfg_errors errs;
	struct sslvpnd_config *cfg = (void *)1;

	ck_assert_int_eq(config_load("/nonexistent/sslvpnd.conf", NULL, &cfg, &errs), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.e[0].file, "/nonexistent/sslvpnd.conf");
	ck_assert_msg(strstr(errs.e[0].msg, "cannot read: No such file"), "%s", errs.e[0].msg);
	snprintf(path, sizeof(path), "%s/etc", srcdir());
	ck_assert_int_eq(config_load(path, NULL, &cfg, &errs), -1);
	ck_assert_msg(strstr(errs.e[0].msg, "Is a directory"), "%s", errs.e[0].msg);
	/* errs is optional */
	ck_assert_int_eq(config_load_string("x = 1;", T_NAME, NULL, &cfg, NULL), -1);
}
END_TEST

/* @include is relative to the including file; errors name the file that
 * holds the mistake. */
START_TEST(test_include)
{
	char dir[] = "/tmp/check_config.XXXXXX", main_[256], sub[256];
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(main_, sizeof(main_), "%s/main.conf", dir);
	snprintf(sub, sizeof(sub), "%s/sub.conf", dir);
	fp = fopen(sub, "w");
	fputs("tunnel_groups = (\n  { name = \"tg\";\n    colour = 1; } );\n", fp);
	fclose(fp);
	fp = fopen(main_, "w");
	fputs("# main\n@include \"sub.conf\"\nbogus = 1;\n", fp);
	fclose(fp);
	ck_assert_int_eq(config_load(main_, NULL, &cfg, &errs), -1);
	ck_assert_msg(errs.n == 2, "%s", errs_text(&errs));
	ck_assert_msg(find_error(&errs, 3, "unknown key \"colour\" in tunnel group \"tg\""),
		      "%s", errs_text(&errs));
	ck_assert_msg(find_error(&errs, 3, "unknown top-level key \"bogus\""), "%s",
		      errs_text(&errs));
	ck_assert_msg(strstr(errs_text(&errs), "sub.conf:3: unknown key"), "%s",
		      errs_text(&errs));
	ck_assert_msg(strstr(errs_text(&errs), "main.conf:3: unknown top-level"), "%s",
		      errs_text(&errs));
	unlink(sub);
	unlink(main_);
	rmdir(dir);
}
END_TEST

/* Nothing configured: DfltGrpPolicy and DefaultWEBVPNGroup exist anyway. */
START_TEST(test_implicit_objects)
{
	struct sslvpnd_config *cfg = load_ok("");
	const struct cfg_tunnel_group *tg = config_tunnel_group(cfg, "DefaultWEBVPNGroup");
	const struct cfg_group_policy *gp = config_group_policy(cfg, "DfltGrpPolicy");
	int i;

	ck_assert_ptr_nonnull(tg);
	ck_assert_int_eq(tg->builtin, 1);
	ck_assert_int_eq(tg->authentication, CFG_AUTH_AAA);
	ck_assert_str_eq(tg->default_group_policy, "DfltGrpPolicy");
	ck_assert_uint_eq(tg->address_pools.n, 0);
	ck_assert_ptr_nonnull(gp);
	for (i = 0; i < GPA__COUNT; i++)
		ck_assert_int_eq(gp->attr[i].state, GP_UNSET);
	ck_assert_uint_eq(cfg->n_interfaces, 0);
	ck_assert_int_eq(cfg->general.workers, 0);
	ck_assert_str_eq(cfg->general.user, "sslvpnd");
	ck_assert_int_eq(cfg->general.cookie_timeout, 300);
	ck_assert_int_eq(cfg->logging.facility, LOG_LOCAL4);
	ck_assert_str_eq(cfg->ssl.server_version, "tlsv1");
	ck_assert_str_eq(cfg->ssl.cipher[CFG_DTLSV1], "AES256-SHA:AES128-SHA");
	ck_assert_ptr_null(config_tunnel_group(cfg, "nope"));
	ck_assert_ptr_null(config_interface(cfg, "outside"));
	config_free(cfg);
	config_free(NULL);
}
END_TEST

/* ---- one row per error class: exact line, part of the message */
struct bad_case {
	const char *name;
	const char *text;
	int line;
	const char *msg;
};

/* sslvpnd --hash-password <<< secret */
#define HASH "$scrypt$ln=14,r=8,p=1$ndVmivrk0c2zp6Cczon0HA$ObMsINJsBSkojYd4Q0xaOT1b86CX0fLiKObZHUuCbSw"
#define USER_TG "tunnel_groups = ( { name = \"tg\"; } );\n"

#define POOL_P "ip_local_pools = ( { name = \"p\"; range = \"198.19.0.10-198.19.0.20\"; mask = \"255.255.255.0\"; } );\n"

static const struct bad_case bads[] = {
	{ "libconfig syntax error",
	  "general = {\n"
	  "  workers = ;\n"
	  "};\n",
	  2, "syntax error" },
	{ "libconfig duplicate key",
	  "general = {\n"
	  "  workers = 1;\n"
	  "  workers = 2;\n"
	  "};\n",
	  3, "duplicate setting name" },
	{ "unknown top-level key",
	  "general = { workers = 1; };\n"
	  "genral = { workers = 1; };\n",
	  2, "unknown top-level key \"genral\"" },
	{ "unknown key in general",
	  "general = {\n"
	  "  wrokers = 1;\n"
	  "};\n",
	  2, "unknown key \"wrokers\" in general" },
	{ "unknown key in logging",
	  "logging = {\n"
	  "  level = 1;\n"
	  "};\n",
	  2, "unknown key \"level\" in logging" },
	{ "unknown key in interface",
	  "interfaces = (\n"
	  "  { name = \"outside\";\n"
	  "    mtu = 1500; }\n"
	  ");\n",
	  3, "unknown key \"mtu\" in interface \"outside\"" },
	{ "unknown key in trustpoint",
	  "trustpoints = (\n"
	  "  { name = \"tp\"; enrollment = \"self\";\n"
	  "    fqdn = \"vpn.lab.example\"; }\n"
	  ");\n",
	  3, "unknown key \"fqdn\" in trustpoint \"tp\"" },
	{ "unknown key in ssl",
	  "ssl = {\n"
	  "  proxy-version = \"tlsv1\";\n"
	  "};\n",
	  2, "unknown key \"proxy-version\" in ssl" },
	{ "unknown key in ssl cipher",
	  "ssl = { cipher = {\n"
	  "  tlsv13 = \"AES128-SHA\";\n"
	  "}; };\n",
	  2, "unknown key \"tlsv13\" in ssl cipher" },
	{ "unknown key in pool",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; range = \"198.19.0.10-198.19.0.20\"; mask = \"255.255.255.0\";\n"
	  "    netmask = \"255.255.255.0\"; }\n"
	  ");\n",
	  3, "unknown key \"netmask\" in ip local pool \"p\"" },
	{ "unknown key in group policy",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    vpn-idel-timeout = 30; }\n"
	  ");\n",
	  3, "unknown key \"vpn-idel-timeout\" in group policy \"x\"" },
	{ "unknown key in tunnel group",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    group-urls = \"https://198.18.0.1/phone\"; }\n"
	  ");\n",
	  3, "unknown key \"group-urls\" in tunnel group \"tg\"" },
	/* ---- S7: AnyConnect profiles and custom attributes */
	{ "profile file missing",
	  "anyconnect_profiles = ( { name = \"P\";\n"
	  "  file = \"/nonexistent/p.xml\"; } );\n",
	  2, "anyconnect profile \"P\": file /nonexistent/p.xml: No such file or directory" },
	{ "profile file a directory",
	  "anyconnect_profiles = ( { name = \"P\"; file = \"/\"; } );\n",
	  1, "file /: not a regular file" },
	{ "profile name not for a URI",
	  "anyconnect_profiles = ( { name = \"a%2f\"; file = \"/etc/hostname\"; } );\n",
	  1, "only letters, digits" },
	{ "custom data of an undefined type",
	  "anyconnect_custom_data = (\n"
	  "  { type = \"T\"; name = \"n\"; value = \"v\"; } );\n",
	  2, "type \"T\" is not defined (anyconnect_custom_attrs)" },
	{ "custom data twice",
	  "anyconnect_custom_attrs = ( { type = \"T\"; } );\n"
	  "anyconnect_custom_data = (\n"
	  "  { type = \"T\"; name = \"n\"; value = \"v\"; },\n"
	  "  { type = \"T\"; name = \"n\"; value = \"w\"; } );\n",
	  4, "duplicate anyconnect custom data \"T n\" (first defined at line 3)" },
	{ "policy names undefined custom data",
	  "anyconnect_custom_attrs = ( { type = \"T\"; } );\n"
	  "group_policies = ( { name = \"g\";\n"
	  "  anyconnect-custom = \"T value nope\"; } );\n",
	  3, "\"T nope\" is not defined (anyconnect_custom_data)" },
	{ "policy custom type twice",
	  "anyconnect_custom_attrs = ( { type = \"T\"; } );\n"
	  "group_policies = ( { name = \"g\";\n"
	  "  anyconnect-custom = [ \"T none\", \"T none\" ]; } );\n",
	  3, "type \"T\" is given twice" },
	{ "policy custom syntax",
	  "group_policies = ( { name = \"g\";\n"
	  "  anyconnect-custom = \"T is v\"; } );\n",
	  2, "is not \"TYPE value NAME\" or \"TYPE none\"" },
	{ "policy profile syntax",
	  "group_policies = ( { name = \"g\";\n"
	  "  anyconnect-profiles = \"P type admin\"; } );\n",
	  2, "\"P type admin\" is not \"NAME\", \"NAME type user\"" },
	{ "policy profile undefined",
	  "group_policies = ( { name = \"g\";\n"
	  "  anyconnect-profiles = \"P type vpn-mgmt\"; } );\n",
	  2, "anyconnect-profiles \"P\" is not defined (anyconnect_profiles)" },
	{ "unknown key in webvpn",
	  "webvpn = {\n"
	  "  colour = true;\n"
	  "};\n",
	  2, "unknown key \"colour\" in webvpn" },
	{ "wrong type",
	  "general = {\n"
	  "  workers = \"4\";\n"
	  "};\n",
	  2, "general: workers: expected an integer, got a string" },
	{ "float for an integer",
	  "general = {\n"
	  "  cookie-timeout = 1.5;\n"
	  "};\n",
	  2, "cookie-timeout: expected an integer, got a float" },
	{ "wrong type of a boolean",
	  "webvpn = {\n"
	  "  tunnel-group-list = \"enable\";\n"
	  "};\n",
	  2, "webvpn: tunnel-group-list: expected true or false, got a string" },
	{ "wrong type of a section",
	  "\n"
	  "general = 4;\n",
	  2, "general: expected a group { ... }, got an integer" },
	{ "group instead of list",
	  "\n"
	  "interfaces = { name = \"outside\"; };\n",
	  2, "interfaces: expected a list of groups" },
	/* libconfig dates a scalar list entry by the token after it: keep the
	 * closing parenthesis on the entry's line */
	{ "list entry not a group",
	  "interfaces = (\n"
	  "  \"outside\" );\n",
	  2, "interfaces: entry 1: expected a group" },
	{ "wrong type of an attribute",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    vpn-idle-timeout = \"30\"; }\n"
	  ");\n",
	  3, "group policy \"x\": vpn-idle-timeout: expected an integer or \"none\", got a string" },
	{ "wrong type in a list",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\"; group-alias = (\n"
	  "    \"A\", 5 ); }\n"
	  ");\n",
	  3, "group-alias: entry 2: expected a string, got an integer" },
	{ "out of range",
	  "general = {\n"
	  "  workers = 65;\n"
	  "};\n",
	  2, "general: workers: 65 is out of range 0..64" },
	{ "port out of range",
	  "interfaces = (\n"
	  "  { name = \"outside\";\n"
	  "    port = 0; }\n"
	  ");\n",
	  3, "interface \"outside\": port: 0 is out of range 1..65535" },
	{ "attribute out of range",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    vpn-idle-timeout = 0; }\n"
	  ");\n",
	  3, "group policy \"x\": vpn-idle-timeout: 0 is out of range 1..35791394" },
	{ "bad enum",
	  "logging = {\n"
	  "  facility = \"local9\";\n"
	  "};\n",
	  2, "logging: facility: \"local9\" is not one of local0|local1" },
	{ "bad log format",
	  "logging = {\n"
	  "  format = \"cisco\";\n"
	  "};\n",
	  2, "format: \"cisco\" is not one of asa|native" },
	{ "bad server-version",
	  "ssl = {\n"
	  "  server-version = \"sslv3\";\n"
	  "};\n",
	  2, "ssl: server-version: \"sslv3\" is not one of any|tlsv1|tlsv1.1|tlsv1.2|tlsv1.3" },
	{ "bad enum attribute",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    split-tunnel-policy = \"all\"; }\n"
	  ");\n",
	  3, "split-tunnel-policy: \"all\" is not one of tunnelall|tunnelspecified" },
	{ "bad list attribute entry",
	  "group_policies = (\n"
	  "  { name = \"x\"; vpn-tunnel-protocol = [ \"ssl-client\",\n"
	  "    \"anyconnect\" ]; }\n"
	  ");\n",
	  3, "vpn-tunnel-protocol: \"anyconnect\" is not one of ikev1|" },
	{ "bad tunnel group type",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    type = \"ipsec-l2l\"; }\n"
	  ");\n",
	  3, "type: \"ipsec-l2l\" is not one of remote-access" },
	{ "bad interface address",
	  "interfaces = (\n"
	  "  { name = \"outside\";\n"
	  "    address = \"198.18.0.256\"; }\n"
	  ");\n",
	  3, "address: \"198.18.0.256\" is not an IPv4 or IPv6 address" },
	{ "bad dns-server",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    dns-server = \"198.18.1\"; }\n"
	  ");\n",
	  3, "dns-server: \"198.18.1\" is not an IPv4 or IPv6 address" },
	{ "bad pool range syntax",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; mask = \"255.255.255.0\";\n"
	  "    range = \"198.19.0.10\"; }\n"
	  ");\n",
	  3, "range: \"198.19.0.10\" is not FIRST-LAST" },
	{ "bad pool address",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; mask = \"255.255.255.0\";\n"
	  "    range = \"198.19.0.10-198.19.0.300\"; }\n"
	  ");\n",
	  3, "is not a range of IPv4 addresses" },
	{ "pool range backwards",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; mask = \"255.255.255.0\";\n"
	  "    range = \"198.19.0.20-198.19.0.10\"; }\n"
	  ");\n",
	  3, "ends before it starts" },
	{ "pool range across subnets",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; mask = \"255.255.255.0\";\n"
	  "    range = \"198.19.0.10-198.19.1.10\"; }\n"
	  ");\n",
	  3, "ip local pool \"p\": range 198.19.0.10-198.19.1.10 is not within one subnet of mask 255.255.255.0" },
	{ "bad mask",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; range = \"198.19.0.10-198.19.0.20\";\n"
	  "    mask = \"255.0.255.0\"; }\n"
	  ");\n",
	  3, "mask: \"255.0.255.0\" is not a contiguous netmask" },
	{ "network address in pool",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; mask = \"255.255.255.0\";\n"
	  "    range = \"198.19.0.0-198.19.0.10\"; }\n"
	  ");\n",
	  3, "includes the network address 198.19.0.0 of mask 255.255.255.0" },
	{ "broadcast address in pool",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; mask = \"255.255.255.128\";\n"
	  "    range = \"198.19.0.100-198.19.0.127\"; }\n"
	  ");\n",
	  3, "includes the broadcast address 198.19.0.127 of mask 255.255.255.128" },
	{ "overlapping pools",
	  "ip_local_pools = (\n"
	  "  { name = \"a\"; range = \"198.19.0.10-198.19.0.100\"; mask = \"255.255.255.0\"; },\n"
	  "  { name = \"b\"; mask = \"255.255.255.0\";\n"
	  "    range = \"198.19.0.100-198.19.0.150\"; }\n"
	  ");\n",
	  4, "ip local pool \"b\": range overlaps ip local pool \"a\" (line 2)" },
	{ "ipv6 pool: not a prefix",
	  "ipv6_local_pools = (\n"
	  "  { name = \"v6\"; count = 10;\n"
	  "    prefix = \"2001:db8::10\"; }\n"
	  ");\n",
	  3, "ipv6 local pool \"v6\": prefix \"2001:db8::10\": expected ADDRESS/LENGTH" },
	{ "ipv6 pool: bad address",
	  "ipv6_local_pools = (\n"
	  "  { name = \"v6\"; count = 10;\n"
	  "    prefix = \"2001:db8::g/64\"; }\n"
	  ");\n",
	  3, "prefix \"2001:db8::g/64\": not an IPv6 address" },
	{ "ipv6 pool: count past the prefix",
	  "ipv6_local_pools = (\n"
	  "  { name = \"v6\"; prefix = \"2001:db8::f0/120\";\n"
	  "    count = 17; }\n"
	  ");\n",
	  3, "ipv6 local pool \"v6\": 17 addresses from 2001:db8::f0/120 run past the end of its /120" },
	{ "ipv6 pool: starts at the anycast address",
	  "ipv6_local_pools = (\n"
	  "  { name = \"v6\"; count = 10;\n"
	  "    prefix = \"2001:db8:0:1::/64\"; }\n"
	  ");\n",
	  3, "starts at the Subnet-Router anycast address of its /64" },
	{ "ipv6 pool: count above the ASA limit",
	  "ipv6_local_pools = (\n"
	  "  { name = \"v6\"; prefix = \"2001:db8::1/64\";\n"
	  "    count = 16385; }\n"
	  ");\n",
	  3, "count" },
	{ "overlapping ipv6 pools",
	  "ipv6_local_pools = (\n"
	  "  { name = \"a\"; prefix = \"2001:db8::10/64\"; count = 100; },\n"
	  "  { name = \"b\"; count = 5;\n"
	  "    prefix = \"2001:db8::73/64\"; }\n"
	  ");\n",
	  4, "ipv6 local pool \"b\": addresses overlap ipv6 local pool \"a\" (line 2)" },
	{ "logging host on a missing interface",
	  "interfaces = ( { name = \"outside\"; } );\n"
	  "logging_hosts = (\n"
	  "  { interface = \"inside\"; address = \"198.18.0.9\"; }\n"
	  ");\n",
	  3, "logging host #1 (198.18.0.9): interface \"inside\" is not defined (interfaces)" },
	{ "logging host by name",
	  "interfaces = ( { name = \"outside\"; } );\n"
	  "logging_hosts = ( { interface = \"outside\"; address = \"syslog.example\"; } );\n",
	  2, "address: \"syslog.example\" is not an IPv4 or IPv6 address" },
	{ "logging trap not a level",
	  "logging = { trap = \"loud\"; };\n",
	  1, "trap: \"loud\" is not one of none|emergencies" },
	{ "logging message: an ID nobody prints",
	  "logging_messages = (\n"
	  "  { id = 725001; level = \"errors\"; },\n"
	  "  { id = 999123; enabled = false; }\n"
	  ");\n",
	  3, "logging message #2: 999123 is no message ID of sslvpnd" },
	{ "logging device-id string without its text",
	  "logging = {\n"
	  "  device-id = \"string\"; };\n",
	  2, "logging.device-id \"string\" needs logging.device-id-string: one word" },
	{ "logging device-id string of two words",
	  "logging = { device-id = \"string\";\n"
	  "  device-id-string = \"asa one\"; };\n",
	  2, "logging.device-id \"string\" needs logging.device-id-string: one word" },
	{ "logging buffer-size under the ASA's minimum",
	  "logging = { buffer-size = 100; };\n",
	  1, "buffer-size" },
	{ "tunnel group names a missing ipv6 pool",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\"; authentication = \"certificate\";\n"
	  "    ipv6-address-pool = \"nope\"; }\n"
	  ");\n",
	  3, "tunnel group \"tg\": ipv6-address-pool \"nope\" is not defined (ipv6_local_pools)" },
	{ "group policy names a missing ipv6 pool",
	  "group_policies = (\n"
	  "  { name = \"gp\";\n"
	  "    ipv6-address-pools = [ \"nope\" ]; }\n"
	  ");\n",
	  3, "ipv6-address-pools \"nope\" is not defined (ipv6_local_pools)" },
	{ "missing required key",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; range = \"198.19.0.10-198.19.0.20\"; }\n"
	  ");\n",
	  2, "ip local pool \"p\": missing required key \"mask\"" },
	{ "name with a blank",
	  "ip_local_pools = (\n"
	  "  { name = \"my pool\"; range = \"198.19.0.10-198.19.0.20\"; mask = \"255.255.255.0\"; }\n"
	  ");\n",
	  2, "name: \"my pool\" contains a blank" },
	{ "duplicate tunnel group",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\"; },\n"
	  "  { name = \"tg\"; }\n"
	  ");\n",
	  3, "duplicate tunnel group \"tg\" (first defined at line 2)" },
	{ "duplicate pool",
	  "ip_local_pools = (\n"
	  "  { name = \"p\"; range = \"198.19.0.10-198.19.0.20\"; mask = \"255.255.255.0\"; },\n"
	  "  { name = \"p\"; range = \"198.19.1.10-198.19.1.20\"; mask = \"255.255.255.0\"; }\n"
	  ");\n",
	  3, "duplicate ip local pool \"p\"" },
	{ "duplicate DfltGrpPolicy",
	  "group_policies = (\n"
	  "  { name = \"DfltGrpPolicy\"; },\n"
	  "  { name = \"DfltGrpPolicy\"; }\n"
	  ");\n",
	  3, "duplicate group policy \"DfltGrpPolicy\"" },
	{ "missing address-pool",
	  "tunnel_groups = (\n"
	  "  { name = \"vpn-phone-group\";\n"
	  "    address-pool = \"nope\"; }\n"
	  ");\n",
	  3, "tunnel group \"vpn-phone-group\": address-pool \"nope\" is not defined (ip_local_pools)" },
	{ "missing address-pool in a list",
	  POOL_P
	  "tunnel_groups = (\n"
	  "  { name = \"tg\"; address-pool = [ \"p\",\n"
	  "    \"nope\" ]; }\n"
	  ");\n",
	  4, "address-pool \"nope\" is not defined (ip_local_pools)" },
	{ "missing default-group-policy",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    default-group-policy = \"nope\"; }\n"
	  ");\n",
	  3, "tunnel group \"tg\": default-group-policy \"nope\" is not defined (group_policies)" },
	{ "missing validation trustpoint",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    validation-trustpoints = [ \"nope\" ]; }\n"
	  ");\n",
	  3, "validation-trustpoints \"nope\" is not defined (trustpoints)" },
	{ "missing group-policy address-pools",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    address-pools = [ \"nope\" ]; }\n"
	  ");\n",
	  3, "group policy \"x\": address-pools \"nope\" is not defined (ip_local_pools)" },
	{ "missing group-lock",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    group-lock = \"nope\"; }\n"
	  ");\n",
	  3, "group policy \"x\": group-lock \"nope\" is not defined (tunnel_groups)" },
	{ "missing interface trustpoint",
	  "interfaces = (\n"
	  "  { name = \"outside\";\n"
	  "    trustpoint = \"nope\"; }\n"
	  ");\n",
	  3, "interface \"outside\": trustpoint \"nope\" is not defined (trustpoints)" },
	{ "interface with a CA trustpoint",
	  "trustpoints = ( { name = \"ca\"; enrollment = \"terminal\"; certificate = \"/etc/ca.pem\"; } );\n"
	  "interfaces = (\n"
	  "  { name = \"outside\";\n"
	  "    trustpoint = [ \"ca\" ]; }\n"
	  ");\n",
	  4, "trustpoint \"ca\" is a CA trustpoint (enrollment terminal)" },
	{ "http group-url",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    group-url = \"http://198.18.0.1/phone\"; }\n"
	  ");\n",
	  3, "group-url: \"http://198.18.0.1/phone\" must use the https scheme" },
	{ "group-url without host",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    group-url = [ \"https:///phone\" ]; }\n"
	  ");\n",
	  3, "has no host" },
	{ "group-url with bad port",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    group-url = \"https://198.18.0.1:70000/phone\"; }\n"
	  ");\n",
	  3, "has a bad port" },
	{ "group-url with bad keyword",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    group-url = \"https://198.18.0.1/phone on\"; }\n"
	  ");\n",
	  3, "may only be followed by \"enable\" or \"disable\"" },
	{ "group-url with query",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    group-url = \"https://198.18.0.1/phone?x=1\"; }\n"
	  ");\n",
	  3, "query" },
	{ "bad authentication",
	  "tunnel_groups = (\n"
	  "  { name = \"tg\";\n"
	  "    authentication = \"password\"; }\n"
	  ");\n",
	  3, "authentication: \"password\" is not one of certificate|aaa|aaa certificate" },
	{ "enrollment file without key",
	  "trustpoints = (\n"
	  "  { name = \"id\"; enrollment = \"file\"; certificate = \"/etc/id.pem\"; }\n"
	  ");\n",
	  2, "trustpoint \"id\": enrollment file needs \"key\"" },
	{ "CA trustpoint with a key size",
	  "trustpoints = (\n"
	  "  { name = \"ca\"; enrollment = \"terminal\"; certificate = \"/etc/ca.pem\";\n"
	  "    key-size = 2048; }\n"
	  ");\n",
	  3, "\"key-size\" does not apply to enrollment terminal" },
	{ "ec key with an rsa size",
	  "trustpoints = (\n"
	  "  { name = \"id\"; enrollment = \"self\"; key-type = \"ec\";\n"
	  "    key-size = 2048; }\n"
	  ");\n",
	  3, "key-size 2048 does not fit key-type ec" },
	{ "relative path",
	  "trustpoints = (\n"
	  "  { name = \"ca\"; enrollment = \"terminal\";\n"
	  "    certificate = \"ca.pem\"; }\n"
	  ");\n",
	  3, "certificate: \"ca.pem\" is not an absolute path" },
	{ "two interfaces on one address and port",
	  "interfaces = (\n"
	  "  { name = \"a\"; address = \"0.0.0.0\"; port = 443; dtls-port = 443; },\n"
	  "  { name = \"b\"; address = \"0.0.0.0\"; dtls-port = 8443;\n"
	  "    port = 443; }\n"
	  ");\n",
	  4, "interface \"b\": address 0.0.0.0 port 443 is already used by interface \"a\" (line 2)" },
	{ "same group-url twice",
	  "tunnel_groups = (\n"
	  "  { name = \"a\"; group-url = \"https://198.18.0.1/phone\"; },\n"
	  "  { name = \"b\";\n"
	  "    group-url = \"https://198.18.0.1/phone\"; }\n"
	  ");\n",
	  4, "group-url \"https://198.18.0.1/phone\" is already used by tunnel group \"a\"" },
	{ "same group-alias twice",
	  "tunnel_groups = (\n"
	  "  { name = \"a\"; group-alias = \"PHONES\"; },\n"
	  "  { name = \"b\";\n"
	  "    group-alias = \"PHONES\"; }\n"
	  ");\n",
	  4, "group-alias \"PHONES\" is already used by tunnel group \"a\"" },
	{ "none inside a list",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    dns-server = [ \"none\" ]; }\n"
	  ");\n",
	  3, "\"none\" must be the whole value" },
	{ "empty list attribute",
	  "group_policies = (\n"
	  "  { name = \"x\";\n"
	  "    dns-server = [ ]; }\n"
	  ");\n",
	  3, "is an empty list; write \"none\"" },
	{ "user password in cleartext",
	  "users = (\n"
	  "  { name = \"alice\";\n"
	  "    password = \"secret\"; }\n"
	  ");\n",
	  3, "user \"alice\": password: is not a password hash" },
	{ "user password hash truncated",
	  "users = (\n"
	  "  { name = \"alice\"; password = \"$scrypt$ln=14,r=8,p=1$ndVmivrk0c2zp6Cczon0HA$ObMsINJs\"; }\n"
	  ");\n",
	  2, "password: has a malformed or wrong-length key" },
	{ "user password hash with wild parameters",
	  "users = (\n"
	  "  { name = \"alice\";\n"
	  "    password = \"$scrypt$ln=30,r=8,p=1$ndVmivrk0c2zp6Cczon0HA$ObMsINJsBSkojYd4Q0xaOT1b86CX0fLiKObZHUuCbSw\"; }\n"
	  ");\n",
	  3, "password: has scrypt parameters out of range" },
	{ "user password not a string",
	  "users = (\n"
	  "  { name = \"alice\";\n"
	  "    password = 1234; }\n"
	  ");\n",
	  3, "password: expected a string, got an integer" },
	{ "user without password",
	  "users = (\n"
	  "  { name = \"alice\"; }\n"
	  ");\n",
	  2, "user \"alice\": missing required key \"password\"" },
	{ "user with unknown policy",
	  "users = (\n"
	  "  { name = \"alice\"; password = \"" HASH "\";\n"
	  "    vpn-group-policy = \"nope\"; }\n"
	  ");\n",
	  3, "user \"alice\": vpn-group-policy \"nope\" is not defined (group_policies)" },
	{ "user locked to an unknown tunnel group",
	  USER_TG
	  "users = (\n"
	  "  { name = \"alice\"; password = \"" HASH "\";\n"
	  "    group-lock = \"nope\"; }\n"
	  ");\n",
	  4, "user \"alice\": group-lock \"nope\" is not defined (tunnel_groups)" },
	{ "user defined twice",
	  "users = (\n"
	  "  { name = \"alice\"; password = \"" HASH "\"; },\n"
	  "  { name = \"alice\"; password = \"" HASH "\"; }\n"
	  ");\n",
	  3, "duplicate user \"alice\" (first defined at line 2)" },
	{ "unknown key in a user",
	  "users = (\n"
	  "  { name = \"alice\"; password = \"" HASH "\";\n"
	  "    privilege = 15; }\n"
	  ");\n",
	  3, "unknown key \"privilege\" in user \"alice\"" },
	{ "bad cipher list",
	  "ssl = { cipher = {\n"
	  "  tlsv1 = \"AES256-SHA AES128-SHA\";\n"
	  "}; };\n",
	  2, "tlsv1: \"AES256-SHA AES128-SHA\" has a character" },
};

START_TEST(test_bad)
{
	expect_error(bads[_i].text, bads[_i].line, bads[_i].msg);
}
END_TEST

/* S7: a profile's bytes are read with the configuration; the keys that
 * mean nothing here are notices with their lines, not errors. */
START_TEST(test_profile_and_notices)
{
	char path[] = "/tmp/check_config_profileXXXXXX", text[1024];
	int fd = mkstemp(path);
	struct sslvpnd_config *cfg;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "<AnyConnectProfile/>", 20), 20);
	close(fd);
	snprintf(text, sizeof(text),
		 "anyconnect_profiles = ( { name = \"P\"; file = \"%s\"; } );\n"
		 "webvpn = { cache = false;\n"
		 "  csd-image = \"disk0:/csd_3.6.6210-k9.pkg\"; hsts = false; };\n"
		 "group_policies = ( { name = \"g\"; anyconnect-profiles = \"P type vpn-mgmt\"; } );\n",
		 path);
	cfg = load_ok(text);
	unlink(path);
	ck_assert_uint_eq(cfg->n_ac_profiles, 1);
	ck_assert_uint_eq(cfg->ac_profiles[0].len, 20);
	ck_assert_int_eq(memcmp(cfg->ac_profiles[0].data, "<AnyConnectProfile/>", 20), 0);
	ck_assert_uint_eq(cfg->notices->n, 2);
	ck_assert_int_eq(cfg->notices->e[0].line, 2);  /* in file order */
	ck_assert_ptr_nonnull(strstr(cfg->notices->e[0].msg, "webvpn cache: not applicable"));
	ck_assert_int_eq(cfg->notices->e[1].line, 3);
	ck_assert_ptr_nonnull(strstr(cfg->notices->e[1].msg, "webvpn csd-image: not applicable"));
	ck_assert_int_eq(cfg->webvpn.hsts, 0);
	config_free(cfg);
}
END_TEST

/* All mistakes are reported in one run, in file order within a section. */
START_TEST(test_many_errors)
{
	static const char text[] =
		"general = {\n"
		"  workers = 99;\n"              /* 2 */
		"  colour = \"blue\";\n"         /* 3 */
		"};\n"
		"tunnel_groups = (\n"
		"  { name = \"tg\";\n"
		"    address-pool = \"nope\";\n" /* 7 */
		"    authentication = \"pin\"; }\n" /* 8 */
		");\n"
		"bogus = 1;\n";                  /* 10 */
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;

	ck_assert_int_eq(config_load_string(text, T_NAME, NULL, &cfg, &errs), -1);
	ck_assert_msg(errs.n == 5, "expected 5 errors, got:\n%s", errs_text(&errs));
	ck_assert_ptr_nonnull(find_error(&errs, 2, "out of range"));
	ck_assert_ptr_nonnull(find_error(&errs, 3, "unknown key \"colour\""));
	ck_assert_ptr_nonnull(find_error(&errs, 7, "address-pool \"nope\""));
	ck_assert_ptr_nonnull(find_error(&errs, 8, "authentication"));
	ck_assert_ptr_nonnull(find_error(&errs, 10, "unknown top-level key"));
}
END_TEST

/* config_errors_print: "file:line: message", one per line. */
START_TEST(test_errors_print)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;

	config_load_string("\nfoo = 1;\n", "sslvpnd.conf", NULL, &cfg, &errs);
	ck_assert_str_eq(errs_text(&errs),
			 "sslvpnd.conf:2: unknown top-level key \"foo\"\n");
}
END_TEST

/* ---- values that must load, each with what it must produce */
struct good_case {
	const char *name;
	const char *text;
	void (*check)(const struct sslvpnd_config *cfg);
};

static void chk_aaa_cert(const struct sslvpnd_config *c)
{
	ck_assert_int_eq(config_tunnel_group(c, "tg")->authentication,
			 CFG_AUTH_AAA_CERTIFICATE);
}

static void chk_pool_string(const struct sslvpnd_config *c)
{
	const struct cfg_tunnel_group *tg = config_tunnel_group(c, "tg");

	ck_assert_uint_eq(tg->address_pools.n, 1);
	ck_assert_str_eq(tg->address_pools.v[0], "p");
}

static void chk_aliases(const struct sslvpnd_config *c)
{
	const struct cfg_tunnel_group *tg = config_tunnel_group(c, "tg");

	ck_assert_uint_eq(tg->aliases.n, 2);
	ck_assert_str_eq(tg->aliases.v[0], "PHONES");
	ck_assert_str_eq(tg->aliases.v[1], "VOICE");
}

static void chk_logging(const struct sslvpnd_config *c)
{
	ck_assert_int_eq(c->logging.to_syslog, 0);
	ck_assert_int_eq(c->logging.facility, LOG_DAEMON);
	ck_assert_int_eq(c->logging.format, LOG_FMT_NATIVE);
	ck_assert_int_eq(c->logging.debug, 255);
}

static void chk_identity(const struct sslvpnd_config *c)
{
	const struct cfg_interface *i = config_interface(c, "outside");
	const struct cfg_trustpoint *ec = config_trustpoint(c, "ec-id");
	const struct cfg_trustpoint *ca = config_trustpoint(c, "ca");

	ck_assert_uint_eq(i->trustpoints.n, 2);
	ck_assert_str_eq(i->address, "::");
	ck_assert_int_eq(ec->key_type, CFG_KEY_EC);
	ck_assert_int_eq(ec->key_size, 384);
	ck_assert_str_eq(ec->subject_name, "CN=asav.lab.example");
	ck_assert_int_eq(ca->key_size, 0); /* key defaults mean nothing for a CA */
	ck_assert_str_eq(ca->crl, "/etc/sslvpnd/ca/root.crl");
}

static void chk_small_pools(const struct sslvpnd_config *c)
{
	ck_assert_uint_eq(config_pool(c, "one")->first, config_pool(c, "one")->last);
	ck_assert_uint_eq(config_pool(c, "p31")->mask, 0xfffffffeu);
}

static void chk_two_listeners(const struct sslvpnd_config *c)
{
	ck_assert_uint_eq(c->n_interfaces, 2);
	ck_assert_uint_eq(c->interfaces[1].port, 8443);
}

static void chk_users(const struct sslvpnd_config *c)
{
	const struct cfg_user *a = config_user(c, "alice"), *b = config_user(c, "bob");

	ck_assert_uint_eq(c->n_users, 2);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(a->password, HASH);
	ck_assert_str_eq(a->vpn_group_policy, "x");
	ck_assert_str_eq(a->group_lock, "tg");
	ck_assert_str_eq(b->vpn_group_policy, "");
	ck_assert_str_eq(b->group_lock, "");
	ck_assert_ptr_null(config_user(c, "Alice")); /* names are case-sensitive */
}

static const struct good_case goods[] = {
	{ "local users",
	  USER_TG "group_policies = ( { name = \"x\"; } );\n"
	  "users = ( { name = \"alice\"; password = \"" HASH "\"; vpn-group-policy = \"x\";"
	  " group-lock = \"tg\"; },\n"
	  " { name = \"bob\"; password = \"" HASH "\"; } );",
	  chk_users },
	{ "aaa certificate",
	  "tunnel_groups = ( { name = \"tg\"; authentication = \"aaa certificate\"; } );",
	  chk_aaa_cert },
	{ "address-pool as a string",
	  POOL_P "tunnel_groups = ( { name = \"tg\"; address-pool = \"p\"; } );",
	  chk_pool_string },
	{ "group-alias enable/disable",
	  "tunnel_groups = ( { name = \"tg\"; group-alias = [ \"PHONES\", \"OLD disable\","
	  " \"VOICE enable\" ]; } );",
	  chk_aliases },
	{ "logging variants",
	  "logging = { destination = \"stderr\"; facility = \"daemon\"; format = \"native\";"
	  " debug = 255; };",
	  chk_logging },
	{ "identity trustpoints",
	  "trustpoints = ( { name = \"rsa-id\"; enrollment = \"file\"; certificate = \"/etc/id.pem\";"
	  " key = \"/etc/id.key\"; },\n"
	  " { name = \"ec-id\"; enrollment = \"self\"; subject-name = \"CN=asav.lab.example\";"
	  " key-type = \"ec\"; key-size = 384; },\n"
	  " { name = \"ca\"; enrollment = \"terminal\"; certificate = \"/etc/sslvpnd/ca\";"
	  " crl = \"/etc/sslvpnd/ca/root.crl\"; } );\n"
	  "interfaces = ( { name = \"outside\"; address = \"::\"; trustpoint = [ \"rsa-id\", \"ec-id\" ]; } );",
	  chk_identity },
	{ "single-address and /31 pools",
	  "ip_local_pools = ( { name = \"one\"; range = \"198.19.0.5-198.19.0.5\"; mask = \"255.255.255.255\"; },\n"
	  " { name = \"p31\"; range = \"198.19.0.6-198.19.0.7\"; mask = \"255.255.255.254\"; } );",
	  chk_small_pools },
	{ "same address, other port",
	  "interfaces = ( { name = \"a\"; port = 443; dtls-port = 443; },"
	  " { name = \"b\"; port = 8443; dtls-port = 8443; } );",
	  chk_two_listeners },
};

START_TEST(test_good)
{
	struct sslvpnd_config *cfg = load_ok(goods[_i].text);

	goods[_i].check(cfg);
	config_free(cfg);
}
END_TEST

/* ---- group-url parsing */
struct url_case {
	const char *in;
	const char *url, *host;
	uint16_t port;
	const char *path;
	int enabled;
};

static const struct url_case urls[] = {
	{ "https://ASAV.Lab.Example/phone", "https://ASAV.Lab.Example/phone",
	  "asav.lab.example", 0, "/phone", 1 },
	{ "https://198.18.0.1:8443/phone disable", "https://198.18.0.1:8443/phone",
	  "198.18.0.1", 8443, "/phone", 0 },
	{ "https://vpn.lab.example enable", "https://vpn.lab.example",
	  "vpn.lab.example", 0, "/", 1 },
	{ "https://[2001:DB8::1]:443/mgmt", "https://[2001:DB8::1]:443/mgmt",
	  "2001:db8::1", 443, "/mgmt", 1 },
	{ "HTTPS://h/a/b/", "HTTPS://h/a/b/", "h", 0, "/a/b/", 1 },
};

START_TEST(test_group_url)
{
	char text[512];
	struct sslvpnd_config *cfg;
	const struct cfg_group_url *u;

	snprintf(text, sizeof(text),
		 "tunnel_groups = ( { name = \"tg\"; group-url = \"%s\"; } );", urls[_i].in);
	cfg = load_ok(text);
	u = &config_tunnel_group(cfg, "tg")->urls[0];
	ck_assert_uint_eq(config_tunnel_group(cfg, "tg")->n_urls, 1);
	ck_assert_str_eq(u->url, urls[_i].url);
	ck_assert_str_eq(u->host, urls[_i].host);
	ck_assert_uint_eq(u->port, urls[_i].port);
	ck_assert_str_eq(u->path, urls[_i].path);
	ck_assert_int_eq(u->enabled, urls[_i].enabled);
	config_free(cfg);
}
END_TEST

/* ---- group-policy attribute states: unset inherits, none is explicit */
START_TEST(test_gp_states)
{
	static const char text[] =
		POOL_P
		"group_policies = (\n"
		"  { name = \"DfltGrpPolicy\";\n"        /* 3 */
		"    vpn-filter = \"NO-TRAFFIC\";\n"     /* 4 */
		"    vpn-simultaneous-logins = 0; },\n"  /* 5 */
		"  { name = \"p1\";\n"                   /* 6 */
		"    vpn-filter = \"none\";\n"           /* 7 */
		"    vpn-session-timeout = \"none\";\n"  /* 8 */
		"    vpn-tunnel-protocol = \"ssl-client\";\n" /* 9 */
		"    anyconnect-ssl-dtls = false;\n"     /* 10 */
		"    address-pools = [ \"p\" ]; },\n"    /* 11 */
		"  { name = \"p2\"; }\n"
		");\n"
		"access_lists = ( { name = \"NO-TRAFFIC\"; type = \"extended\";\n"
		"  entries = [ \"deny ip any any\" ]; } );\n";
	struct sslvpnd_config *cfg = load_ok(text);
	const struct cfg_group_policy *d = config_group_policy(cfg, "DfltGrpPolicy");
	const struct cfg_group_policy *p1 = config_group_policy(cfg, "p1");
	const struct cfg_group_policy *p2 = config_group_policy(cfg, "p2");

	ck_assert_int_eq(d->attr[GPA_VPN_FILTER].state, GP_VALUE);
	ck_assert_str_eq(d->attr[GPA_VPN_FILTER].str, "NO-TRAFFIC");
	ck_assert_int_eq(d->attr[GPA_VPN_FILTER].line, 4);
	/* 0 is a value, not none */
	ck_assert_int_eq(d->attr[GPA_VPN_SIMULTANEOUS_LOGINS].state, GP_VALUE);
	ck_assert_int_eq(d->attr[GPA_VPN_SIMULTANEOUS_LOGINS].num, 0);
	ck_assert_int_eq(p1->attr[GPA_VPN_FILTER].state, GP_NONE);
	ck_assert_int_eq(p1->attr[GPA_VPN_FILTER].line, 7);
	ck_assert_ptr_null(p1->attr[GPA_VPN_FILTER].str);
	ck_assert_int_eq(p1->attr[GPA_VPN_SESSION_TIMEOUT].state, GP_NONE);
	ck_assert_int_eq(p1->attr[GPA_VPN_TUNNEL_PROTOCOL].state, GP_VALUE);
	ck_assert_uint_eq(p1->attr[GPA_VPN_TUNNEL_PROTOCOL].n_list, 1);
	ck_assert_str_eq(p1->attr[GPA_VPN_TUNNEL_PROTOCOL].list[0], "ssl-client");
	ck_assert_int_eq(p1->attr[GPA_ANYCONNECT_SSL_DTLS].state, GP_VALUE);
	ck_assert_int_eq(p1->attr[GPA_ANYCONNECT_SSL_DTLS].num, 0);
	ck_assert_int_eq(p1->attr[GPA_ANYCONNECT_SSL_DTLS].line, 10);
	ck_assert_int_eq(p2->attr[GPA_VPN_FILTER].state, GP_UNSET);
	ck_assert_int_eq(p2->attr[GPA_VPN_FILTER].line, 0);
	config_free(cfg);
}
END_TEST

/* ---- dump: loads again to an equal config */
static const char rich[] =
	"general = { workers = 4; user = \"vpn\"; group = \"vpn\"; cookie-timeout = 600; };\n"
	"logging = { format = \"native\"; destination = \"stderr\"; facility = \"local6\"; debug = 3; };\n"
	"trustpoints = ( { name = \"id\"; enrollment = \"self\"; subject-name = \"CN=a \\\"b\\\"\"; },\n"
	"  { name = \"ca\"; enrollment = \"terminal\"; certificate = \"@STATE_DIR@/ca.pem\"; } );\n"
	"interfaces = ( { name = \"outside\"; address = \"198.18.0.1\"; trustpoint = \"id\"; } );\n"
	"ssl = { server-version = \"tlsv1.2\"; cipher = { tlsv1_2 = \"AES128-SHA\"; }; };\n"
	POOL_P
	"group_policies = ( { name = \"x\"; banner = \"Hello\\nworld\"; dns-server = [\"198.18.1.53\", \"198.18.1.54\"];"
	" vpn-idle-timeout = \"none\"; client-bypass-protocol = true; split-tunnel-policy = \"tunnelall\";"
	" group-lock = \"tg\"; anyconnect-mtu = 1300; } );\n"
	"tunnel_groups = ( { name = \"tg\"; address-pool = \"p\"; default-group-policy = \"x\";"
	" authentication = \"aaa certificate\"; group-url = [ \"https://198.18.0.1/phone\","
	" \"https://198.18.0.1/old disable\" ]; group-alias = \"PHONES\"; without-csd = true;"
	" username-from-certificate = \"OU\"; validation-trustpoints = \"ca\"; } );\n"
	"webvpn = { tunnel-group-list = true; };\n"
	"users = ( { name = \"alice\"; password = \"" HASH "\"; vpn-group-policy = \"x\";"
	" group-lock = \"tg\"; } );\n";

static void roundtrip(struct sslvpnd_config *a)
{
	char *text = dump_string(a);
	struct cfg_errors errs;
	struct sslvpnd_config *b;

	ck_assert_msg(config_load_string(text, "dump", T_STATE, &b, &errs) == 0,
		      "dump does not load:\n%s\n%s", errs_text(&errs), text);
	eq_config(a, b);
	config_free(b);
	free(text);
	config_free(a);
}

START_TEST(test_dump_roundtrip)
{
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;
	char path[1024];

	ck_assert_int_eq(config_load(NULL, T_STATE, &cfg, &errs), 0);
	roundtrip(cfg);
	roundtrip(load_ok(rich));
	roundtrip(load_ok(""));
	snprintf(path, sizeof(path), "%s/etc/sslvpnd.conf", srcdir());
	ck_assert_msg(config_load(path, T_STATE, &cfg, &errs) == 0, "%s", errs_text(&errs));
	roundtrip(cfg);
}
END_TEST

/* The dump prints defaults too, and only set group-policy attributes. */
/* libconfig 1.5 exit()s the process ("input in flex scanner failed") on an
 * @include of a directory: the loader must refuse it with file:line first,
 * also from a nested include, and leave commented-out ones alone (found by
 * fuzz_config). */
START_TEST(test_include_not_regular)
{
	char dir[] = "/tmp/check_config.XXXXXX", sub[64], text[256];
	struct sslvpnd_config *cfg = NULL;
	struct cfg_errors errs;
	FILE *fp;

	expect_error("general = { workers = 1; };\n  @include \"/\"\n", 2,
		     "@include \"/\": not a regular file");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/sub.conf", dir);
	ck_assert_ptr_nonnull((fp = fopen(sub, "w")));
	fputs("# nested\n@include \"/tmp\"\n", fp);
	fclose(fp);
	snprintf(text, sizeof(text), "/* @include \"/\" */\n# @include \"/\"\n@include \"%s\"\n", sub);
	ck_assert_int_eq(config_load_string(text, T_NAME, T_STATE, &cfg, &errs), -1);
	ck_assert_int_eq(errs.n, 1);
	ck_assert_str_eq(errs.e[0].file, sub);
	ck_assert_int_eq(errs.e[0].line, 2);
	ck_assert_str_eq(errs.e[0].msg, "@include \"/tmp\": not a regular file");
	unlink(sub);
	rmdir(dir);
}
END_TEST

START_TEST(test_dump_content)
{
	struct sslvpnd_config *cfg = load_ok(rich);
	char *text = dump_string(cfg);

	ck_assert_msg(strstr(text, "  state-dir = \"" T_STATE "\";\n"), "%s", text);
	ck_assert_msg(strstr(text, "  tlsv1 = \"ECDHE-RSA-AES256-SHA:"), "%s", text);
	ck_assert_msg(strstr(text, "vpn-idle-timeout = \"none\";"), "%s", text);
	ck_assert_msg(!strstr(text, "vpn-session-timeout"), "%s", text);
	ck_assert_msg(strstr(text, "# implicit: { name = \"DefaultWEBVPNGroup\""), "%s", text);
	ck_assert_msg(strstr(text, "\"https://198.18.0.1/old disable\""), "%s", text);
	ck_assert_msg(strstr(text, "    password = \"" HASH "\";\n"), "%s", text);
	ck_assert_msg(strstr(text, "    vpn-group-policy = \"x\";\n"), "%s", text);
	free(text);
	config_free(cfg);
}
END_TEST

/* ---- the man page documents every key of the schema and gpattrs.def */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, n + 1);
	ck_assert_uint_eq(fread(buf, 1, n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

/* Keys are set in bold with roff hyphens: \fBdtls\-port\fR */
static int man_has(const char *man, const char *key)
{
	char want[256];
	size_t o = 0;

	o += snprintf(want, sizeof(want), "\\fB");
	for (; *key && o < sizeof(want) - 8; key++) {
		if (*key == '-')
			want[o++] = '\\';
		want[o++] = *key;
	}
	snprintf(want + o, sizeof(want) - o, "\\fR");
	return strstr(man, want) != NULL;
}

START_TEST(test_man_page)
{
	char path[1024];
	char *man;
	size_t i;

	snprintf(path, sizeof(path), "%s/man/sslvpnd.conf.5.in", srcdir());
	man = slurp(path);
	for (i = 0; i < schema_n_keys; i++)
		ck_assert_msg(man_has(man, schema_keys[i].key),
			      "man/sslvpnd.conf.5.in does not document \"%s\"", schema_keys[i].key);
	for (i = 0; i < GPA__COUNT; i++)
		ck_assert_msg(man_has(man, gp_attr_table[i].key),
			      "man/sslvpnd.conf.5.in does not document \"%s\"", gp_attr_table[i].key);
	free(man);
}
END_TEST

/* ================================================================ limits */

/* Every schema row stores into a field of the size its type writes. */
START_TEST(test_schema_rows)
{
	const struct schema_key *k = &schema_keys[_i];

	switch (k->type) {
	case ST_INT:
		ck_assert_msg(k->size == sizeof(int) || k->size == sizeof(uint16_t), "%s", k->key);
		ck_assert_msg(k->min <= k->max, "%s", k->key);
		break;
	case ST_BOOL:
	case ST_ENUM:
		ck_assert_msg(k->size == sizeof(int) && (k->type == ST_BOOL || k->map), "%s", k->key);
		break;
	case ST_NAME:
		ck_assert_msg(k->size == CFG_NAME_MAX, "%s", k->key);
		break;
	case ST_NAMES:
	case ST_ALIASES:
		ck_assert_msg(k->size == sizeof(struct cfg_name_list), "%s", k->key);
		break;
	case ST_GLIST:
		ck_assert_msg(k->elem_size > 0 && k->what, "%s", k->key);
		break;
	default:
		break;
	}
	ck_assert_msg(k->doc && *k->doc, "%s has no doc", k->key);
	ck_assert_ptr_eq(schema_find(k->obj, k->key), k);
}
END_TEST

enum fill { F_NONE, F_CHARS, F_NAMES };

struct limit_case {
	const char *name;
	const char *fmt;    /* "%s" marks where the filler goes */
	enum fill fill;
	int count;
	int ok;
	const char *msg;    /* expected error when !ok */
};

static const struct limit_case limits[] = {
	{ "workers 64", "general = { workers = 64;%s };", F_NONE, 0, 1, NULL },
	{ "workers -1", "general = { workers = -1;%s };", F_NONE, 0, 0, "-1 is out of range 0..64" },
	{ "debug 255", "logging = { debug = 255;%s };", F_NONE, 0, 1, NULL },
	{ "debug 256", "logging = { debug = 256;%s };", F_NONE, 0, 0, "out of range 0..255" },
	{ "port 65535", "interfaces = ( { name = \"a\"; port = 65535;%s } );", F_NONE, 0, 1, NULL },
	{ "port 65536", "interfaces = ( { name = \"a\"; port = 65536;%s } );", F_NONE, 0, 0,
	  "65536 is out of range 1..65535" },
	{ "dtls-port 0", "interfaces = ( { name = \"a\"; dtls-port = 0;%s } );", F_NONE, 0, 0,
	  "dtls-port: 0 is out of range" },
	{ "cookie-timeout 10", "general = { cookie-timeout = 10;%s };", F_NONE, 0, 1, NULL },
	{ "cookie-timeout 9", "general = { cookie-timeout = 9;%s };", F_NONE, 0, 0, "out of range 10..86400" },
	{ "name of 64", "tunnel_groups = ( { name = \"%s\"; } );", F_CHARS, 64, 1, NULL },
	{ "name of 65", "tunnel_groups = ( { name = \"%s\"; } );", F_CHARS, 65, 0,
	  "is longer than 64 characters" },
	{ "16 aliases", "tunnel_groups = ( { name = \"t\"; group-alias = [ %s ]; } );", F_NAMES, 16, 1, NULL },
	{ "17 aliases", "tunnel_groups = ( { name = \"t\"; group-alias = [ %s ]; } );", F_NAMES, 17, 0,
	  "has 17 entries, at most 16" },
	{ "idle timeout max", "group_policies = ( { name = \"x\"; vpn-idle-timeout = 35791394;%s } );",
	  F_NONE, 0, 1, NULL },
	{ "idle timeout max+1", "group_policies = ( { name = \"x\"; vpn-idle-timeout = 35791395;%s } );",
	  F_NONE, 0, 0, "35791395 is out of range 1..35791394" },
	{ "mtu 575", "group_policies = ( { name = \"x\"; anyconnect-mtu = 575;%s } );", F_NONE, 0, 0,
	  "575 is out of range 576..1462" },
	{ "cipher list 1023", "ssl = { cipher = { tlsv1 = \"%s\"; }; };", F_CHARS, 1023, 1, NULL },
	{ "cipher list 1024", "ssl = { cipher = { tlsv1 = \"%s\"; }; };", F_CHARS, 1024, 0, "too long" },
	{ "path 255", "trustpoints = ( { name = \"c\"; enrollment = \"terminal\"; certificate = \"/%s\"; } );",
	  F_CHARS, 254, 1, NULL },
	{ "path 256", "trustpoints = ( { name = \"c\"; enrollment = \"terminal\"; certificate = \"/%s\"; } );",
	  F_CHARS, 255, 0, "is longer than 255 characters" },
	{ "@STATE_DIR@ too long after expansion",
	  "trustpoints = ( { name = \"c\"; enrollment = \"terminal\"; certificate = \"@STATE_DIR@/%s\"; } );",
	  F_CHARS, 240, 0, "after @STATE_DIR@ expansion" },
};

static void fill(char *buf, size_t len, enum fill f, int count)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; f == F_CHARS && i < count && o + 1 < len; i++)
		buf[o++] = 'a';
	for (i = 0; f == F_NAMES && i < count; i++)
		o += snprintf(buf + o, len - o, "%s\"N%d\"", i ? ", " : "", i);
	if (f == F_CHARS)
		buf[o] = '\0';
}

START_TEST(test_limits)
{
	const struct limit_case *l = &limits[_i];
	char filler[2048], text[4096];
	struct sslvpnd_config *cfg;

	const char *at = strstr(l->fmt, "%s");

	fill(filler, sizeof(filler), l->fill, l->count);
	/* spliced by hand: fmt is data, not a format for the compiler to check */
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - l->fmt), l->fmt,
		 filler, at + 2);
	if (l->ok) {
		cfg = load_ok(text);
		config_free(cfg);
	} else {
		expect_error(text, 1, l->msg);
	}
}
END_TEST

/* More than CFG_MAX_ERRORS mistakes: the first ones kept, the rest counted. */
START_TEST(test_error_overflow)
{
	char text[8192];
	size_t o = 0;
	struct cfg_errors errs;
	struct sslvpnd_config *cfg;
	int i;

	for (i = 0; i < CFG_MAX_ERRORS + 6; i++)
		o += snprintf(text + o, sizeof(text) - o, "bad%d = 1;\n", i);
	ck_assert_int_eq(config_load_string(text, T_NAME, NULL, &cfg, &errs), -1);
	ck_assert_uint_eq(errs.n, CFG_MAX_ERRORS);
	ck_assert_uint_eq(errs.dropped, 6);
	ck_assert_int_eq(errs.e[CFG_MAX_ERRORS - 1].line, CFG_MAX_ERRORS);
	ck_assert_msg(strstr(errs_text(&errs), "6 more errors not shown"), "%s", errs_text(&errs));
}
END_TEST

/* Many objects: lookups and the O(n^2) checks stay correct. */
START_TEST(test_many_objects)
{
	enum { N = 200 };
	char *text = malloc(N * 160), name[32];
	size_t o = 0;
	struct sslvpnd_config *cfg;
	int i;

	o += sprintf(text + o, "ip_local_pools = (\n");
	for (i = 0; i < N; i++)
		o += sprintf(text + o, "%s{ name = \"p%d\"; range = \"198.18.%d.1-198.18.%d.254\";"
			     " mask = \"255.255.255.0\"; }\n", i ? "," : "", i, i, i);
	o += sprintf(text + o, ");\ntunnel_groups = (\n");
	for (i = 0; i < N; i++)
		o += sprintf(text + o, "%s{ name = \"t%d\"; address-pool = \"p%d\"; group-alias = \"A%d\"; }\n",
			     i ? "," : "", i, i, i);
	sprintf(text + o, ");\n");
	cfg = load_ok(text);
	ck_assert_uint_eq(cfg->n_pools, N);
	ck_assert_uint_eq(cfg->n_tunnel_groups, N + 1);
	snprintf(name, sizeof(name), "p%d", N - 1);
	ck_assert_uint_eq(config_pool(cfg, name)->first, 0xc612c701u);
	config_free(cfg);
	free(text);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_test(core, test_embedded_default);
	tcase_add_test(core, test_state_dir);
	tcase_add_test(core, test_run_user_lines);
	tcase_add_test(core, test_example_file);
	tcase_add_test(core, test_missing_file);
	tcase_add_test(core, test_include);
	tcase_add_test(core, test_implicit_objects);
	tcase_add_loop_test(core, test_bad, 0, (int)ARRAY_SIZE(bads));
	tcase_add_test(core, test_many_errors);
	tcase_add_test(core, test_errors_print);
	tcase_add_loop_test(core, test_good, 0, (int)ARRAY_SIZE(goods));
	tcase_add_loop_test(core, test_group_url, 0, (int)ARRAY_SIZE(urls));
	tcase_add_test(core, test_gp_states);
	tcase_add_test(core, test_dump_roundtrip);
	tcase_add_test(core, test_dump_content);
	tcase_add_test(core, test_include_not_regular);
	tcase_add_test(core, test_man_page);
	tcase_add_test(core, test_profile_and_notices);
	suite_add_tcase(s, core);

	tcase_add_loop_test(lim, test_schema_rows, 0, (int)schema_n_keys);
	tcase_add_loop_test(lim, test_limits, 0, (int)ARRAY_SIZE(limits));
	tcase_add_test(lim, test_error_overflow);
	tcase_add_test(lim, test_many_objects);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
