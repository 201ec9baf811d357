/* Dynamic access policies (src/policy/dap.c) through the real loader:
 * the two log sequences of seed 001 (asa-behaviour.md section 7) rendered
 * through the log catalogue, the ANY / ALL / NONE combinators, priorities
 * and multiple selection, terminate and quarantine, network ACL
 * aggregation, DfltAccessPolicy, the session attributes taken from the
 * certificate and the User-Agent, config errors with file:line, and the
 * sslvpnd -T round trip. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/config.h"
#include "sslvpnd/dap.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "cfgtest.h"

#define T_NAME "dap.conf"
#define T_STATE "/var/lib/sslvpnd-test"
#define load_ok(text) cfgtest_load_ok((text), T_NAME)

/* ---- the seed's phone */
#define PHONE_USER "CP-7962G-SEP8CB64F576113"
#define PHONE_ADDR "172.16.250.9"
#define PHONE_SUBJECT "CN=" PHONE_USER ",O=Cisco Systems Inc.,OU=DAVIDVOICE"
#define PHONE_ISSUER "CN=Cisco Manufacturing CA,O=Cisco Systems"
#define PHONE_UA "Cisco SVC IPPhone Client v1.0 (1.0)"

#define BASE                                                                   \
	"ip_local_pools = ( { name = \"phones\"; range = \"10.10.10.10-10.10.10.20\";" \
	" mask = \"255.255.255.0\"; } );\n"                                    \
	"access_lists = (\n"                                                   \
	"  { name = \"A1\"; type = \"extended\"; entries = \"permit ip any any\"; },\n" \
	"  { name = \"B1\"; type = \"extended\"; entries = \"deny ip any host 198.18.0.1\"; },\n" \
	"  { name = \"Q1\"; type = \"extended\"; entries = \"permit ip any host 198.18.0.2\"; },\n" \
	"  { name = \"SPLIT\"; type = \"standard\"; entries = \"permit 198.18.0.0 255.255.0.0\"; }\n" \
	");\n"                                                                 \
	"group_policies = ( { name = \"GroupPolicy_VPNPhone\"; } );\n"         \
	"tunnel_groups = ( { name = \"VPNPhone\"; address-pool = \"phones\";"   \
	" authentication = \"certificate\"; default-group-policy = \"GroupPolicy_VPNPhone\"; } );\n"

#define DFLT_TERMINATE "  { name = \"DfltAccessPolicy\"; action = \"terminate\"; }"
#define WINDOWS_ONLY                                                           \
	"  { name = \"WindowsLaptops\"; priority = 5;"                        \
	" endpoint = { criteria = [ \"endpoint.anyconnect.platform = win\" ]; }; }"
#define PHONE_RECORD                                                           \
	"  { name = \"VPNPhone\"; priority = 10; action = \"continue\";"      \
	" aaa = { criteria = [ \"aaa.cisco.tunnelgroup = VPNPhone\" ]; }; }"

static struct dap_session phone_session(void)
{
	struct dap_input in = {
		.group_policy = "GroupPolicy_VPNPhone", .tunnel_group = "VPNPhone",
		.username = PHONE_USER, .cert_subject = PHONE_SUBJECT,
		.cert_issuer = PHONE_ISSUER, .cert_serial = "1A2B", .user_agent = PHONE_UA,
	};
	struct dap_session s;

	dap_session_init(&s, &in);
	return s;
}

/* ---- rendering as the daemon logs them (format asa) */
struct lines {
	size_t n;
	char v[32][512];
};

static void render(struct lines *l, int ev, const char *const *args)
{
	ck_assert_uint_lt(l->n, 32);
	/* with its "%ASA-<severity>-<id>: " prefix, as syslog gets it */
	log_event_format(l->v[l->n], sizeof(l->v[0]), LOG_FMT_ASA, (enum log_event)ev, args);
	l->n++;
}

static void emit(void *arg, int ev, const char *const *args)
{
	render(arg, ev, args);
}

static void login_lines(const struct dap_result *r, struct lines *l)
{
	const char *auth[] = { "DfltGrpPolicy", PHONE_USER, PHONE_ADDR, "certificate" };

	memset(l, 0, sizeof(*l));
	render(l, LM_AUTH_OK, auth);
	dap_login_events(r, PHONE_USER, PHONE_ADDR, emit, l);
}

/* Seed 001, phone refused: 716038, 734003 (aaa.cisco.grouppolicy first,
 * the seed snips the others), 734001, 734002, and nothing after. */
START_TEST(test_seed_refused)
{
	struct sslvpnd_config *cfg = load_ok(
		BASE "dynamic_access_policy_records = (\n" WINDOWS_ONLY ",\n" DFLT_TERMINATE "\n);\n");
	struct dap_session s = phone_session();
	struct dap_result r;
	struct lines l;

	ck_assert_int_eq(dap_evaluate(cfg, &s, &r), 0);
	ck_assert_int_eq(r.action, DAP_TERMINATE);
	ck_assert_int_eq(r.dflt, 1);
	login_lines(&r, &l);
	ck_assert_uint_ge(l.n, 5);
	ck_assert_str_eq(l.v[0], "%ASA-6-716038: Group <DfltGrpPolicy> User <CP-7962G-SEP8CB64F576113> "
				 "IP <172.16.250.9> Authentication: successful, Session Type: WebVPN.");
	ck_assert_str_eq(l.v[1], "%ASA-7-734003: DAP: User CP-7962G-SEP8CB64F576113, Addr 172.16.250.9: "
				 "Session Attribute aaa.cisco.grouppolicy = GroupPolicy_VPNPhone");
	for (size_t i = 2; i < l.n - 2; i++)
		ck_assert_msg(strncmp(l.v[i], "%ASA-7-734003: DAP: User " PHONE_USER ", Addr "
					      PHONE_ADDR ": Session Attribute ", 78) == 0,
			      "line %zu: %s", i, l.v[i]);
	ck_assert_str_eq(l.v[l.n - 2],
			 "%ASA-6-734001: DAP: User CP-7962G-SEP8CB64F576113, Addr 172.16.250.9, "
			 "Connection AnyConnect: The following DAP records were selected for this "
			 "connection: DfltAccessPolicy");
	ck_assert_str_eq(l.v[l.n - 1],
			 "%ASA-5-734002: DAP: User CP-7962G-SEP8CB64F576113, Addr 172.16.250.9: "
			 "Connection terminated by the following DAP records: DfltAccessPolicy");
	ck_assert_str_eq(r.message, ""); /* no user-message: main answers "Login denied." */
	config_free(cfg);
}
END_TEST

/* Seed 001, phone admitted by a record on the connection profile with
 * action continue: no 734001/734002 at login; at the tunnel 722051, then
 * 734001 naming the record. */
START_TEST(test_seed_admitted)
{
	struct sslvpnd_config *cfg = load_ok(
		BASE "dynamic_access_policy_records = (\n" WINDOWS_ONLY ",\n" PHONE_RECORD
		     ",\n" DFLT_TERMINATE "\n);\n");
	struct dap_session s = phone_session();
	struct dap_result r;
	struct lines l;

	ck_assert_int_eq(dap_evaluate(cfg, &s, &r), 0);
	ck_assert_int_eq(r.action, DAP_CONTINUE);
	ck_assert_int_eq(r.dflt, 0);
	ck_assert_str_eq(r.records, "VPNPhone");
	login_lines(&r, &l);
	for (size_t i = 1; i < l.n; i++)
		ck_assert_msg(strstr(l.v[i], "%ASA-7-734003: ") == l.v[i], "line %zu: %s", i, l.v[i]);

	const char *assigned[] = { "GroupPolicy_VPNPhone", PHONE_USER, PHONE_ADDR, "10.10.10.10" };
	const char *selected[] = { PHONE_USER, PHONE_ADDR, DAP_CONNECTION, r.records };

	memset(&l, 0, sizeof(l));
	render(&l, LM_ADDR_ASSIGNED, assigned);
	render(&l, LM_DAP_SELECTED, selected);
	ck_assert_str_eq(l.v[0], "%ASA-4-722051: Group <GroupPolicy_VPNPhone> User "
				 "<CP-7962G-SEP8CB64F576113> IP <172.16.250.9> Address <10.10.10.10> "
				 "assigned to session");
	ck_assert_str_eq(l.v[1], "%ASA-6-734001: DAP: User CP-7962G-SEP8CB64F576113, Addr "
				 "172.16.250.9, Connection AnyConnect: The following DAP records were "
				 "selected for this connection: VPNPhone");
	config_free(cfg);
}
END_TEST

/* ---- combinators: tunnelgroup = VPNPhone holds, username = bob does not */
static const struct comb {
	const char *match, *crit;
	int want;
} combs[] = {
	{ "ANY", "\"aaa.cisco.tunnelgroup = VPNPhone\", \"aaa.cisco.username = bob\"", 1 },
	{ "ALL", "\"aaa.cisco.tunnelgroup = VPNPhone\", \"aaa.cisco.username = bob\"", 0 },
	{ "ALL", "\"aaa.cisco.tunnelgroup = VPNPhone\", \"aaa.cisco.username != bob\"", 1 },
	{ "NONE", "\"aaa.cisco.tunnelgroup = VPNPhone\", \"aaa.cisco.username = bob\"", 0 },
	{ "NONE", "\"aaa.cisco.tunnelgroup = Other\", \"aaa.cisco.username = bob\"", 1 },
	{ "any", "\"aaa.cisco.username = bob\"", 0 },
	/* names of the ASA's objects compare exactly, certificate fields not */
	{ "ANY", "\"aaa.cisco.tunnelgroup = vpnphone\"", 0 },
	{ "ANY", "\"aaa.cert.subject.cn = cp-7962g-sep8cb64f576113\"", 1 },
	{ "ALL", "\"aaa.cert.issuer.cn = Cisco Manufacturing CA\", \"aaa.cert.subject.ou = DAVIDVOICE\"", 1 },
	{ "ANY", "\"aaa.cert.serial = 1a2b\"", 1 },
	/* an absent attribute: only != holds */
	{ "ANY", "\"aaa.cert.issuer.ou = X\"", 0 },
	{ "ANY", "\"aaa.cert.issuer.ou != X\"", 1 },
};

START_TEST(test_combinators)
{
	const struct comb *c = &combs[_i];
	char text[2048];
	struct dap_session s = phone_session();

	snprintf(text, sizeof(text),
		 BASE "dynamic_access_policy_records = ( { name = \"R\"; aaa = { match = \"%s\";"
		      " criteria = [ %s ]; }; } );\n",
		 c->match, c->crit);
	struct sslvpnd_config *cfg = load_ok(text);

	ck_assert_msg(dap_record_matches(config_dap(cfg, "R"), &s) == c->want,
		      "%s [%s]: want %d", c->match, c->crit, c->want);
	config_free(cfg);
}
END_TEST

/* Both classes must hold; an empty class holds for everyone. */
static const struct cls {
	const char *aaa, *ep;
	int want;
} classes[] = {
	{ "", "", 1 },
	{ "aaa = { criteria = \"aaa.cisco.tunnelgroup = VPNPhone\"; };", "", 1 },
	{ "aaa = { criteria = \"aaa.cisco.tunnelgroup = VPNPhone\"; };",
	  "endpoint = { criteria = \"endpoint.application.clienttype = IPPhone\"; };", 1 },
	{ "aaa = { criteria = \"aaa.cisco.tunnelgroup = VPNPhone\"; };",
	  "endpoint = { criteria = \"endpoint.application.clienttype = AnyConnect\"; };", 0 },
	{ "", "endpoint = { criteria = [ \"endpoint.anyconnect.devicetype = CP-7962G\","
	      " \"endpoint.application.clienttype = IPPhone\" ]; };", 1 },
	{ "", "endpoint = { match = \"ANY\"; criteria = [ \"endpoint.anyconnect.devicetype = CP-8861\","
	      " \"endpoint.application.clienttype = IPPhone\" ]; };", 1 },
	{ "", "endpoint = { criteria = [ \"endpoint.anyconnect.devicetype = CP-8861\","
	      " \"endpoint.application.clienttype = IPPhone\" ]; };", 0 },
};

START_TEST(test_classes)
{
	const struct cls *c = &classes[_i];
	char text[2048];
	struct dap_session s = phone_session();

	snprintf(text, sizeof(text),
		 BASE "dynamic_access_policy_records = ( { name = \"R\"; %s %s } );\n", c->aaa,
		 c->ep);
	struct sslvpnd_config *cfg = load_ok(text);

	ck_assert_msg(dap_record_matches(config_dap(cfg, "R"), &s) == c->want, "%s %s: want %d",
		      c->aaa, c->ep, c->want);
	config_free(cfg);
}
END_TEST

/* ---- selection, actions, aggregation */
#define REC(name, prio, action, extra)                                         \
	"  { name = \"" name "\"; priority = " #prio "; action = \"" action "\"; " extra " },\n"
#define HOLDS "aaa = { criteria = \"aaa.cisco.tunnelgroup = VPNPhone\"; };"
#define FAILS "aaa = { criteria = \"aaa.cisco.tunnelgroup = Other\"; };"

static struct sslvpnd_config *evaluate(const char *records, struct dap_result *r)
{
	char text[4096];
	struct dap_session s = phone_session();

	snprintf(text, sizeof(text), BASE "dynamic_access_policy_records = (\n%s"
					  "  { name = \"DfltAccessPolicy\"; network-acl = \"Q1\"; }\n);\n",
		 records);
	struct sslvpnd_config *cfg = load_ok(text);

	dap_evaluate(cfg, &s, r);
	return cfg;
}

START_TEST(test_priorities)
{
	struct dap_result r;
	struct sslvpnd_config *cfg = evaluate(
		REC("Low", 10, "continue", HOLDS "network-acl = \"A1\";")
		REC("High", 50, "continue", HOLDS "network-acl = [ \"B1\", \"A1\" ];")
		REC("HighToo", 50, "continue", HOLDS)
		REC("Unmatched", 99, "terminate", FAILS), &r);

	ck_assert_int_eq(r.action, DAP_CONTINUE);
	ck_assert_int_eq(r.dflt, 0);
	ck_assert_uint_eq(r.n_selected, 3);
	ck_assert_str_eq(r.records, "High, HighToo, Low");
	ck_assert_str_eq(r.terminated_by, "");
	/* highest priority's lists first, each once, deny entries first */
	ck_assert_str_eq(r.filter, "B1 A1");
	ck_assert_int_eq(r.deny_first, 1);
	config_free(cfg);
}
END_TEST

START_TEST(test_terminate_wins)
{
	struct dap_result r;
	struct sslvpnd_config *cfg = evaluate(
		REC("Phones", 50, "continue", HOLDS "user-message = \"welcome\"; network-acl = \"A1\";")
		REC("Quarantine", 40, "quarantine", HOLDS "network-acl = \"Q1\";")
		REC("Blocked", 10, "terminate", HOLDS "user-message = \"Phones are not allowed here.\";"),
		&r);

	ck_assert_int_eq(r.action, DAP_TERMINATE);
	ck_assert_str_eq(r.records, "Phones, Quarantine, Blocked");
	ck_assert_str_eq(r.terminated_by, "Blocked");
	ck_assert_str_eq(r.message, "Phones are not allowed here.");
	ck_assert_str_eq(r.filter, "");
	config_free(cfg);
}
END_TEST

START_TEST(test_quarantine)
{
	struct dap_result r;
	struct sslvpnd_config *cfg = evaluate(
		REC("Phones", 50, "continue", HOLDS "network-acl = \"A1\";")
		REC("Quarantine", 40, "quarantine", HOLDS "network-acl = \"Q1\";"), &r);

	ck_assert_int_eq(r.action, DAP_QUARANTINE);
	ck_assert_str_eq(r.records, "Phones, Quarantine");
	/* only the quarantine access list passes traffic */
	ck_assert_str_eq(r.filter, "Q1");
	ck_assert_int_eq(r.deny_first, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_one_list_in_order)
{
	struct dap_result r;
	struct sslvpnd_config *cfg = evaluate(REC("Phones", 1, "continue", HOLDS "network-acl = \"A1\";")
					      REC("Other", 2, "continue", HOLDS), &r);

	ck_assert_str_eq(r.records, "Other, Phones");
	ck_assert_str_eq(r.filter, "A1");
	ck_assert_int_eq(r.deny_first, 0); /* one list keeps its own order */
	config_free(cfg);
}
END_TEST

START_TEST(test_default_policy)
{
	struct dap_result r;
	struct sslvpnd_config *cfg = evaluate(REC("Unmatched", 1, "terminate", FAILS), &r);

	ck_assert_int_eq(r.dflt, 1);
	ck_assert_int_eq(r.action, DAP_CONTINUE);
	ck_assert_str_eq(r.records, "DfltAccessPolicy");
	ck_assert_str_eq(r.filter, "Q1");
	config_free(cfg);
}
END_TEST

/* No DAP configured: evaluation is off (behaviour as before DAP); the
 * implicit DfltAccessPolicy continues. */
START_TEST(test_not_configured)
{
	struct sslvpnd_config *cfg = load_ok(BASE);
	const struct cfg_dap *d = config_dap(cfg, DAP_DFLT_NAME);
	struct dap_session s = phone_session();
	struct dap_result r;

	ck_assert_int_eq(dap_active(cfg), 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->builtin, 1);
	ck_assert_int_eq(d->action, DAP_CONTINUE);
	dap_evaluate(cfg, &s, &r);
	ck_assert_int_eq(r.action, DAP_CONTINUE);
	ck_assert_str_eq(r.filter, "");
	config_free(cfg);
	cfg = load_ok(BASE "dynamic_access_policy_records = ( " DFLT_TERMINATE " );\n");
	ck_assert_int_eq(dap_active(cfg), 1);
	config_free(cfg);
}
END_TEST

/* ---- session attributes */
static const struct ua {
	const char *ua, *type, *platform;
} uas[] = {
	{ PHONE_UA, "IPPhone", "" },
	{ "AnyConnect-compatible OpenConnect VPN Agent v9.12", "OpenConnect", "" },
	{ "Open AnyConnect VPN Agent v9.01-3", "OpenConnect", "" },
	{ "Cisco AnyConnect VPN Agent for Windows 4.10.07061", "AnyConnect", "win" },
	{ "AnyConnect Linux_64 4.10.07061", "AnyConnect", "linux-64" },
	{ "Cisco AnyConnect VPN Agent for Mac OS X 4.10", "AnyConnect", "mac-intel" },
	{ "AnyConnect Android 4.10", "AnyConnect", "android" },
	{ "curl/8.0", "Unknown", "" },
	{ "", "Unknown", "" },
};

START_TEST(test_user_agent)
{
	struct dap_input in = { .user_agent = uas[_i].ua };
	struct dap_session s;

	dap_session_init(&s, &in);
	ck_assert_str_eq(s.v[DAP_EP_CLIENTTYPE], uas[_i].type);
	ck_assert_str_eq(s.v[DAP_EP_PLATFORM], uas[_i].platform);
}
END_TEST

START_TEST(test_certificate_fields)
{
	struct dap_session s = phone_session();
	struct dap_input lsc = { .cert_subject = "CN=SEP8CB64F576113,OU=VOICE\\, EAST,O=Acme" };

	ck_assert_str_eq(s.v[DAP_AAA_CERT_SUBJECT_CN], PHONE_USER);
	ck_assert_str_eq(s.v[DAP_AAA_CERT_SUBJECT_O], "Cisco Systems Inc.");
	ck_assert_str_eq(s.v[DAP_AAA_CERT_ISSUER_CN], "Cisco Manufacturing CA");
	ck_assert_str_eq(s.v[DAP_AAA_CERT_ISSUER_OU], "");
	ck_assert_str_eq(s.v[DAP_EP_DEVICETYPE], "CP-7962G");
	dap_session_init(&s, &lsc);
	ck_assert_str_eq(s.v[DAP_AAA_CERT_SUBJECT_OU], "VOICE, EAST");
	ck_assert_str_eq(s.v[DAP_EP_DEVICETYPE], ""); /* an LSC has no model */
}
END_TEST

/* ---- configuration errors, each at its line */
static const struct bad {
	const char *records;
	int line;
	const char *msg;
} bads[] = {
	{ "{ name = \"R\";\n aaa = { criteria = \"aaa.cisco.color = red\"; }; }", 2,
	  "names no DAP attribute" },
	{ "{ name = \"R\";\n endpoint = { criteria = \"aaa.cisco.username = x\"; }; }", 2,
	  "is an aaa attribute, not an endpoint one" },
	{ "{ name = \"R\";\n aaa = { criteria = \"aaa.cisco.username x\"; }; }", 2,
	  "has no operator" },
	{ "{ name = \"R\";\n aaa = { match = \"SOME\"; }; }", 2, "is not one of ANY|ALL|NONE" },
	{ "{ name = \"R\";\n action = \"drop\"; }", 2, "is not one of continue|terminate|quarantine" },
	{ "{ name = \"R\";\n network-acl = \"NOPE\"; }", 2,
	  "network-acl \"NOPE\" is not defined (access_lists)" },
	{ "{ name = \"R\";\n network-acl = \"SPLIT\"; }", 2, "must be an access list of type extended" },
	{ "{ name = \"R\";\n action = \"quarantine\"; }", 2, "action quarantine needs a network-acl" },
	{ "{ name = \"DfltAccessPolicy\";\n priority = 3; }", 2, "priority does not apply" },
	{ "{ name = \"DfltAccessPolicy\";\n aaa = { criteria = \"aaa.cisco.username = x\"; }; }", 1,
	  "DfltAccessPolicy has no criteria" },
	{ "{ name = \"R\"; },\n{ name = \"R\"; }", 2, "duplicate DAP record \"R\"" },
	{ "{ name = \"R\";\n colour = 1; }", 2, "unknown key \"colour\" in DAP record \"R\"" },
};

/* S15: aaa.radius.N / aaa.ldap.NAME match what the AAA server sent. */
START_TEST(test_server_attrs)
{
	struct dap_input in = { .username = "alice",
				.server_attrs = "aaa.radius.25=OU=Eng;\naaa.radius.18=quarantine\n"
						"aaa.ldap.memberOf=CN=Phones,OU=g\n" };
	struct dap_criterion c;
	struct dap_session s;
	const char *why = NULL;
	char buf[DAP_TEXT_MAX];

	dap_session_init(&s, &in);
	ck_assert_int_eq(dap_parse_criterion("aaa.radius.18 = quarantine", DAP_CLASS_AAA, &c, &why), 0);
	ck_assert_int_eq(c.attr, DAP_AAA_SERVER);
	ck_assert_int_ge(dap_format_criterion(&c, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "aaa.radius.18 = quarantine");
	struct sslvpnd_config *cfg = load_ok(BASE "dynamic_access_policy_records = ( { name = \"R\";"
					     " aaa = { criteria = [ \"aaa.radius.25 = OU=Eng;\","
					     " \"aaa.ldap.memberOf = CN=Phones,OU=g\" ]; }; },"
					     " { name = \"N\"; aaa = { criteria ="
					     " \"aaa.radius.11 = ACL\"; }; } );\n");

	ck_assert(dap_record_matches(config_dap(cfg, "R"), &s));
	ck_assert(!dap_record_matches(config_dap(cfg, "N"), &s));  /* not sent: no match */
	config_free(cfg);
	ck_assert_int_eq(dap_parse_criterion("aaa.radius.x = 1", DAP_CLASS_AAA, &c, &why), -1);
	ck_assert_int_eq(dap_parse_criterion("aaa.radius.25 = 1", DAP_CLASS_ENDPOINT, &c, &why), -1);
}
END_TEST

/* memberOf of several groups: one value equal is enough ("="), none for
 * "!="; LDAP names and values ignore case, RADIUS values do not. */
struct multi_case {
	const char *criterion;
	int want;
};

static const struct multi_case multis[] = {
	{ "aaa.ldap.memberOf = CN=Phones,OU=g", 1 },
	{ "aaa.ldap.memberOf = CN=Staff,OU=g", 1 },   /* the second value */
	{ "aaa.ldap.memberof = cn=staff,ou=g", 1 },
	{ "aaa.ldap.memberOf = CN=Eng,OU=g", 0 },
	{ "aaa.ldap.memberOf != CN=Eng,OU=g", 1 },
	{ "aaa.ldap.memberOf != CN=Staff,OU=g", 0 },
	{ "aaa.ldap.memberOf = CN=Staff", 0 },        /* whole values only */
	{ "aaa.radius.25 = ou=eng;", 0 },
};

START_TEST(test_server_multi)
{
	struct dap_input in = { .username = "alice",
				.server_attrs = "aaa.ldap.memberOf=CN=Phones,OU=g\n"
						"aaa.ldap.memberOf=CN=Staff,OU=g\n"
						"aaa.radius.25=OU=Eng;\n" };
	struct dap_session s;
	char text[1024];

	dap_session_init(&s, &in);
	snprintf(text, sizeof(text), BASE "dynamic_access_policy_records = ( { name = \"R\";"
		 " aaa = { criteria = \"%s\"; }; } );\n", multis[_i].criterion);
	struct sslvpnd_config *cfg = load_ok(text);

	ck_assert_msg(dap_record_matches(config_dap(cfg, "R"), &s) == multis[_i].want,
		      "%s: want %d", multis[_i].criterion, multis[_i].want);
	config_free(cfg);
}
END_TEST

START_TEST(test_config_bad)
{
	const struct bad *b = &bads[_i];
	struct sslvpnd_config *cfg = NULL;
	struct cfg_errors errs;
	char text[4096];
	int found = 0;
	/* BASE is 9 lines, then the list's opening line: a record's first
	 * line is line 11 */
	int base_lines = 10;

	snprintf(text, sizeof(text), BASE "dynamic_access_policy_records = (\n%s\n);\n",
		 b->records);
	ck_assert_int_eq(config_load_string(text, T_NAME, T_STATE, &cfg, &errs), -1);
	for (size_t i = 0; i < errs.n; i++)
		if (errs.e[i].line == base_lines + b->line && strstr(errs.e[i].msg, b->msg))
			found = 1;
	ck_assert_msg(found, "want %s:%d: ...%s...\nactual:\n%s", T_NAME, base_lines + b->line,
		      b->msg, cfgtest_errs_text(&errs));
}
END_TEST

/* ---- sslvpnd -T prints the records and loads back to the same records */
START_TEST(test_dump_roundtrip)
{
	struct sslvpnd_config *a = load_ok(
		BASE "dynamic_access_policy_records = (\n"
		     REC("Phones", 50, "continue",
			 "description = \"lab phones\"; user-message = \"hi\"; network-acl = [ \"B1\", \"A1\" ];"
			 " aaa = { match = \"ALL\"; criteria = [ \"aaa.cisco.tunnelgroup = VPNPhone\","
			 " \"aaa.cert.issuer.cn != Evil CA\" ]; };"
			 " endpoint = { match = \"NONE\"; criteria = \"endpoint.application.clienttype = AnyConnect\"; };")
		     DFLT_TERMINATE "\n);\n");
	struct sslvpnd_config *b;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	ck_assert_int_eq(config_dump(fp, a), 0);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "\"aaa.cert.issuer.cn != Evil CA\""));
	ck_assert_ptr_nonnull(strstr(text, "match = \"NONE\";"));
	b = load_ok(text);
	ck_assert_uint_eq(a->n_daps, b->n_daps);
	for (size_t i = 0; i < a->n_daps; i++) {
		a->daps[i].line = b->daps[i].line = 0;
		ck_assert_msg(memcmp(&a->daps[i], &b->daps[i], sizeof(a->daps[i])) == 0,
			      "record %s differs after the round trip:\n%s", a->daps[i].name, text);
	}
	free(text);
	config_free(a);
	config_free(b);
	/* the implicit DfltAccessPolicy stays implicit: DAP stays off */
	a = load_ok(BASE);
	fp = open_memstream(&text, &len);
	config_dump(fp, a);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "# implicit: { name = \"DfltAccessPolicy\""));
	b = load_ok(text);
	ck_assert_int_eq(dap_active(b), 0);
	free(text);
	config_free(a);
	config_free(b);
}
END_TEST

/* ---- sslvpnctl show running-config dynamic-access-policy-record */
START_TEST(test_showrun)
{
	struct sslvpnd_config *cfg = load_ok(
		BASE "dynamic_access_policy_records = (\n" PHONE_RECORD ",\n"
		     "  { name = \"DfltAccessPolicy\"; action = \"terminate\"; user-message = \"no\"; }\n);\n");
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	ck_assert_int_eq(dap_showrun(fp, cfg, NULL), 0);
	ck_assert_int_eq(dap_showrun(fp, cfg, "VPNPhone"), 0);
	ck_assert_int_eq(dap_showrun(fp, cfg, "Nope"), -1);
	fclose(fp);
	ck_assert_str_eq(text, "dynamic-access-policy-record DfltAccessPolicy\n"
			       " user-message \"no\"\n"
			       " action terminate\n"
			       "dynamic-access-policy-record VPNPhone\n"
			       " priority 10\n"
			       " action continue\n"
			       " ! aaa ANY: aaa.cisco.tunnelgroup = VPNPhone\n"
			       "dynamic-access-policy-record VPNPhone\n"
			       " priority 10\n"
			       " action continue\n"
			       " ! aaa ANY: aaa.cisco.tunnelgroup = VPNPhone\n");
	free(text);
	config_free(cfg);
}
END_TEST

static Suite *dap_suite(void)
{
	Suite *s = suite_create("dap");
	TCase *seed = tcase_create("seed001"), *core = tcase_create("core");
	TCase *attrs = tcase_create("attributes"), *conf = tcase_create("config");

	tcase_add_test(seed, test_seed_refused);
	tcase_add_test(seed, test_seed_admitted);
	suite_add_tcase(s, seed);
	tcase_add_loop_test(core, test_combinators, 0, (int)ARRAY_SIZE(combs));
	tcase_add_loop_test(core, test_classes, 0, (int)ARRAY_SIZE(classes));
	tcase_add_test(core, test_priorities);
	tcase_add_test(core, test_terminate_wins);
	tcase_add_test(core, test_quarantine);
	tcase_add_test(core, test_one_list_in_order);
	tcase_add_test(core, test_default_policy);
	tcase_add_test(core, test_not_configured);
	suite_add_tcase(s, core);
	tcase_add_loop_test(attrs, test_user_agent, 0, (int)ARRAY_SIZE(uas));
	tcase_add_test(attrs, test_certificate_fields);
	tcase_add_test(attrs, test_server_attrs);
	tcase_add_loop_test(attrs, test_server_multi, 0, (int)ARRAY_SIZE(multis));
	suite_add_tcase(s, attrs);
	tcase_add_loop_test(conf, test_config_bad, 0, (int)ARRAY_SIZE(bads));
	tcase_add_test(conf, test_dump_roundtrip);
	tcase_add_test(conf, test_showrun);
	suite_add_tcase(s, conf);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
