/* Unit tests for the config-auth XML parser (src/common/xmlauth.c). */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/http.h"
#include "sslvpnd/util.h"
#include "sslvpnd/xmlauth.h"

/* Parse from an exact-size heap copy so a sanitizer build sees any read
 * past the end. */
static int parse_n(struct xmlauth_req *out, const char *doc, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, doc, n);
	r = xmlauth_parse(out, copy, n);
	free(copy);
	return r;
}

static int parse(struct xmlauth_req *out, const char *doc)
{
	return parse_n(out, doc, strlen(doc));
}

/* ---- samples ------------------------------------------------------------- */

/* openconnect 9.01 first request (anyconnect-protocol.md 1.3). */
static const char oc_init[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">\n"
	"  <version who=\"vpn\">v9.01-3</version>\n"
	"  <device-id>linux-64</device-id>\n"
	"  <capabilities>\n"
	"    <auth-method>single-sign-on-v2</auth-method>\n"
	"    <auth-method>single-sign-on-external-browser</auth-method>\n"
	"    <!-- <auth-method>multiple-cert</auth-method> only when a 2nd cert "
	"is configured -->\n"
	"  </capabilities>\n"
	"  <group-access>https://vpn.example:4443/phone</group-access>\n"
	"</config-auth>\n";

/* openconnect --authgroup: a new init carrying group-select. */
static const char oc_group_select[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">"
	"<version who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id>"
	"<capabilities><auth-method>single-sign-on-v2</auth-method>"
	"</capabilities>"
	"<group-access>https://vpn.example/</group-access>"
	"<group-select>grpB</group-select></config-auth>";

/* init after a failed client certificate (1.6). */
static const char oc_cert_fail[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">\n"
	"<version who=\"vpn\">v9.01-3</version>\n"
	"<device-id>linux-64</device-id>\n"
	"<group-access>https://vpn.example/certs</group-access>\n"
	"<client-cert-fail/>\n"
	"</config-auth>\n";

/* openconnect 9.01 auth-reply echoing the server's opaque (1.5). */
static const char oc_reply[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<config-auth client=\"vpn\" type=\"auth-reply\" "
	"aggregate-auth-version=\"2\">\n"
	"<version who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id>\n"
	"<capabilities><auth-method>single-sign-on-v2</auth-method>"
	"</capabilities>\n"
	"<opaque is-for=\"sg\">\n"
	"<tunnel-group>PHONES</tunnel-group>\n"
	"<group-alias>PHONES</group-alias>\n"
	"<aggauth-handle>864640002</aggauth-handle>\n"
	"<config-hash>1619719004259</config-hash>\n"
	"<auth-method>multiple-cert</auth-method>\n"
	"<auth-method>single-sign-on</auth-method>\n"
	"</opaque>\n"
	"<auth><username>test</username><password>secret</password></auth>\n"
	"<group-select>grpA</group-select>\n"
	"</config-auth>\n";

/* Second factor and form select, ocserv style; AnyConnect's empty tokens. */
static const char oc_reply2[] =
	"<?xml version='1.0' encoding='UTF-8'?>"
	"<config-auth client='vpn' type='auth-reply'>"
	"<version who='vpn'>v9.01-3</version>"
	"<auth><username>alice</username><secondary_password>123456"
	"</secondary_password><group_list>grpB</group_list></auth>"
	"<session-token/><session-id/>"
	"</config-auth>";

/* AnyConnect-style init: device-id attributes, mac-address-list. */
static const char ac_init[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	"<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">"
	"\r\n<version who=\"vpn\">4.10.07073</version>\r\n"
	"<device-id computer-name=\"LAPTOP-1\" device-type=\"LENOVO 20XW&amp;\""
	" platform-version=\"10.0.19045 #1 SMP\" unique-id=\"8D4C1E0F3A5B7C9D"
	"8D4C1E0F3A5B7C9D8D4C1E0F3A5B7C9D8D4C1E0F3A5B7C9D\" unique-id-global="
	"'0123456789ABCDEF0123456789ABCDEF01234567'>win</device-id>\r\n"
	"<mac-address-list>\r\n"
	"<mac-address public-interface=\"true\">00-50-56-c0-00-08</mac-address>"
	"\r\n<mac-address>3c-22-fb-11-22-33</mac-address>\r\n"
	"</mac-address-list>\r\n"
	"<group-select>EMPLOYEES</group-select>\r\n"
	"<group-access>https://vpn.example.com/employees</group-access>\r\n"
	"<capabilities><auth-method>multiple-cert</auth-method>"
	"<auth-method>single-sign-on</auth-method></capabilities>\r\n"
	"</config-auth>\r\n";

/* AnyConnect aggregate-auth logout (1.11). */
static const char ac_logout[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<config-auth client=\"vpn\" type=\"logout\"><session-token>"
	"61D5E0@106496@2C64@1A03AA09D5B053ED6F58D56ABDF4EA125F12956C"
	"</session-token></config-auth>";

/* BOM, comments around the root. */
static const char bom_comments[] =
	"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- hi --><config-auth "
	"type='logout'><session-token>t</session-token></config-auth>"
	"<!-- bye -->\n";

/* Only the client's version and the "sg" opaque count. */
static const char foreign[] =
	"<config-auth type=\"something-else\">"
	"<version who=\"sg\">0.1(1)</version>"
	"<opaque is-for=\"vpn-client\"><tunnel-group>X</tunnel-group>"
	"<aggauth-handle>1</aggauth-handle></opaque>"
	"<opaque><tunnel-group>Y</tunnel-group></opaque>"
	"<auth/><x><client-cert-fail/><username>u</username></x>"
	"</config-auth>";

static const struct sample {
	const char *name;
	const char *doc;
	enum xmlauth_type type;
	const char *client, *version, *device_id, *group_select, *group_access;
	const char *username, *password, *secondary_password, *group_list;
	const char *session_token, *tunnel_group, *aggauth_handle;
	int cert_fail, has_auth;
} samples[] = {
	{ "oc_init", oc_init, XA_INIT, "vpn", "v9.01-3", "linux-64", "",
	  "https://vpn.example:4443/phone", "", "", "", "", "", "", "", 0, 0 },
	{ "oc_group_select", oc_group_select, XA_INIT, "vpn", "v9.01-3",
	  "linux-64", "grpB", "https://vpn.example/", "", "", "", "", "", "",
	  "", 0, 0 },
	{ "oc_cert_fail", oc_cert_fail, XA_INIT, "vpn", "v9.01-3", "linux-64",
	  "", "https://vpn.example/certs", "", "", "", "", "", "", "", 1, 0 },
	{ "oc_reply", oc_reply, XA_AUTH_REPLY, "vpn", "v9.01-3", "linux-64",
	  "grpA", "", "test", "secret", "", "", "", "PHONES", "864640002", 0,
	  1 },
	{ "oc_reply2", oc_reply2, XA_AUTH_REPLY, "vpn", "v9.01-3", "", "", "",
	  "alice", "", "123456", "grpB", "", "", "", 0, 1 },
	{ "ac_init", ac_init, XA_INIT, "vpn", "4.10.07073", "win", "EMPLOYEES",
	  "https://vpn.example.com/employees", "", "", "", "", "", "", "", 0,
	  0 },
	{ "ac_logout", ac_logout, XA_LOGOUT, "vpn", "", "", "", "", "", "", "",
	  "", "61D5E0@106496@2C64@1A03AA09D5B053ED6F58D56ABDF4EA125F12956C", "",
	  "", 0, 0 },
	{ "bom_comments", bom_comments, XA_LOGOUT, "", "", "", "", "", "", "",
	  "", "", "t", "", "", 0, 0 },
	{ "foreign", foreign, XA_UNKNOWN, "", "", "", "", "", "", "", "", "",
	  "", "", "", 0, 1 },
};

#define CHECK_FIELD(s, out, f)                     \
	ck_assert_msg(!strcmp((out)->f, (s)->f),   \
		      "%s: " #f " expected '%s', " \
		      "got '%s'",                  \
		      (s)->name, (s)->f, (out)->f)

START_TEST(test_samples)
{
	const struct sample *s = &samples[_i];
	struct xmlauth_req out;
	int r = parse(&out, s->doc);

	ck_assert_msg(r == 0, "%s: expected 0, got %d", s->name, r);
	ck_assert_msg(out.type == s->type, "%s: type expected %d, got %d",
		      s->name, s->type, out.type);
	CHECK_FIELD(s, &out, client);
	CHECK_FIELD(s, &out, version);
	CHECK_FIELD(s, &out, device_id);
	CHECK_FIELD(s, &out, group_select);
	CHECK_FIELD(s, &out, group_access);
	CHECK_FIELD(s, &out, username);
	CHECK_FIELD(s, &out, password);
	CHECK_FIELD(s, &out, secondary_password);
	CHECK_FIELD(s, &out, group_list);
	CHECK_FIELD(s, &out, session_token);
	ck_assert_str_eq(out.opaque_tunnel_group, s->tunnel_group);
	ck_assert_str_eq(out.aggauth_handle, s->aggauth_handle);
	ck_assert_int_eq(out.client_cert_fail, s->cert_fail);
	ck_assert_int_eq(out.has_auth, s->has_auth);
	ck_assert_int_eq(
		xmlauth_is_xml((const uint8_t *)s->doc, strlen(s->doc)), 1);
}
END_TEST

/* Every truncation of a valid sample is rejected or, once the root has
 * closed, gives exactly the full result; never a crash or half a result. */
START_TEST(test_truncated)
{
	const char *doc = samples[_i].doc, *p, *last = NULL;
	size_t n = strlen(doc), k, root_end;
	struct xmlauth_req full, out;
	int r;

	for (p = strstr(doc, "</config-auth>"); p;
	     p = strstr(p + 1, "</config-auth>"))
		last = p;
	ck_assert_ptr_nonnull(last);
	root_end = (size_t)(last - doc) + 14;
	ck_assert_int_eq(parse(&full, doc), 0);
	for (k = 0; k < n; k++) {
		r = parse_n(&out, doc, k);
		ck_assert_msg(r == -1 || (r == 0 &&
					  !memcmp(&out, &full, sizeof(out))),
			      "%s cut at %zu: got %d, inconsistent",
			      samples[_i].name, k, r);
		ck_assert_msg(r == -1 || k >= root_end,
			      "%s cut at %zu: accepted before the root closed",
			      samples[_i].name, k);
		if (r == -1)
			ck_assert_str_eq(out.password, "");
	}
	r = parse_n(&out, doc, root_end);
	ck_assert_msg(r == 0, "%s cut after the root: expected 0, got %d",
		      samples[_i].name, r);
}
END_TEST

/* Damaged samples (one byte replaced) must not crash; any success must
 * still yield NUL-terminated fields. */
START_TEST(test_mutated)
{
	static const char subst[] = { '<', '>', '&', '"', '/', '\0', '\x80',
				      ' ', '!', '?', ']', ';', '#' };
	const char *doc = samples[_i].doc;
	size_t n = strlen(doc), k, j;
	struct xmlauth_req out;
	char *copy = malloc(n);

	ck_assert_ptr_nonnull(copy);
	for (k = 0; k < n; k++) {
		for (j = 0; j < sizeof(subst); j++) {
			memcpy(copy, doc, n);
			copy[k] = subst[j];
			if (parse_n(&out, copy, n) == 0) {
				ck_assert_uint_lt(strlen(out.username),
						  sizeof(out.username));
				ck_assert_uint_lt(strlen(out.group_access),
						  sizeof(out.group_access));
			}
		}
	}
	free(copy);
}
END_TEST

/* ---- text decoding ------------------------------------------------------- */

static const struct {
	const char *in; /* content of <username> */
	const char *out; /* decoded */
} texts[] = {
	{ "a&lt;b&gt;c&amp;d&quot;e&apos;f", "a<b>c&d\"e'f" },
	{ "&#65;&#x42;&#x63;&#0000068;", "ABcD" },
	{ "&#233;&#xe9;", "\xc3\xa9\xc3\xa9" },
	{ "&#x263A;", "\xe2\x98\xba" },
	{ "&#x1F600;&#x10FFFF;", "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf" },
	{ "&#x7f;&#x80;", "\x7f\xc2\x80" },
	{ "&#9;&#10;&#13;", "\t\n\r" },
	{ "&#xD7FF;&#xE000;&#xFFFD;", "\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd" },
	{ "<![CDATA[<&amp;>]]>", "<&amp;>" },
	{ "a<![CDATA[b]]>c&amp;<![CDATA[]]>", "abc&" },
	{ "a<!-- c -->b<!---->c", "abc" },
	{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },
	{ "  spaced\t\n ", "  spaced\t\n " },
	{ "", "" },
	{ "]]", "]]" },
	{ "a]>b", "a]>b" },
	{ "p&amp;amp;", "p&amp;" },
	{ "\"'>", "\"'>" },
	{ "x<ignored>inner</ignored>y", "xy" },
	{ "x<ignored/>y", "xy" },
};

START_TEST(test_text)
{
	char doc[512];
	struct xmlauth_req out;
	int r;

	snprintf(doc, sizeof(doc),
		 "<config-auth type=\"auth-reply\"><auth><username>%s"
		 "</username></auth></config-auth>",
		 texts[_i].in);
	r = parse(&out, doc);
	ck_assert_msg(r == 0, "case %d: expected 0, got %d", _i, r);
	ck_assert_str_eq(out.username, texts[_i].out);
}
END_TEST

static const struct {
	const char *attrs;
	enum xmlauth_type type;
	const char *client;
} attr_cases[] = {
	{ "type=\"init\"", XA_INIT, "" },
	{ "type='auth-reply' client='vpn'", XA_AUTH_REPLY, "vpn" },
	{ "type = \"logout\"", XA_LOGOUT, "" },
	{ "type=\"&#105;nit\" client=\"v&amp;n\"", XA_INIT, "v&n" },
	{ "type=\"INIT\"", XA_UNKNOWN, "" },
	{ "type=\"\"", XA_UNKNOWN, "" },
	{ "client=\"vpn\" x=\"a>b\" y='\"'", XA_UNKNOWN, "vpn" },
	{ "\n\ttype=\"init\"\n", XA_INIT, "" },
	{ "", XA_UNKNOWN, "" },
};

START_TEST(test_attrs)
{
	char doc[256];
	struct xmlauth_req out;
	int r;

	snprintf(doc, sizeof(doc), "<config-auth %s></config-auth>",
		 attr_cases[_i].attrs);
	r = parse(&out, doc);
	ck_assert_msg(r == 0, "case %d: expected 0, got %d", _i, r);
	ck_assert_msg(out.type == attr_cases[_i].type,
		      "case %d: type expected %d, got %d", _i,
		      attr_cases[_i].type, out.type);
	ck_assert_str_eq(out.client, attr_cases[_i].client);
}
END_TEST

static const struct {
	const char *doc;
	int ret;
} is_xml_cases[] = {
	{ "<?xml version=\"1.0\"?><config-auth/>", 1 },
	{ "  \r\n\t<config-auth type=\"init\"/>", 1 },
	{ "\xef\xbb\xbf<?xml version=\"1.0\"?>", 1 },
	{ "<config-auth", 1 },
	{ "username=a&password=b", 0 },
	{ "", 0 },
	{ "   ", 0 },
	{ "<html>", 0 },
	{ "<?xm", 0 },
	{ "<config", 0 },
	{ "<CONFIG-AUTH>", 0 },
};

START_TEST(test_is_xml)
{
	const char *d = is_xml_cases[_i].doc;
	int r = xmlauth_is_xml((const uint8_t *)d, strlen(d));

	ck_assert_msg(r == is_xml_cases[_i].ret, "case %d: expected %d, got %d",
		      _i, is_xml_cases[_i].ret, r);
}
END_TEST

static const struct {
	const char *src;
	size_t cap;
	int ret;
	const char *out;
} esc_cases[] = {
	{ "a&b<c>d\"e'f", 64, 31, "a&amp;b&lt;c&gt;d&quot;e&apos;f" },
	{ "tab\there\nnl\r", 64, 12, "tab\there\nnl\r" },
	{ "bell\x07x\x1b\x7f", 64, 6, "bellx\x7f" },
	{ "caf\xc3\xa9", 64, 5, "caf\xc3\xa9" },
	{ "", 64, 0, "" },
	{ "abc", 4, 3, "abc" },
	{ "abc", 3, -1, NULL },
	{ "&", 6, 5, "&amp;" },
	{ "&", 5, -1, NULL },
	{ "\x01\x02", 1, 0, "" },
	{ "", 0, -1, NULL },
};

START_TEST(test_escape)
{
	char out[64];
	int r = xmlauth_escape(out, esc_cases[_i].cap, esc_cases[_i].src);

	ck_assert_msg(r == esc_cases[_i].ret, "case %d: expected %d, got %d",
		      _i, esc_cases[_i].ret, r);
	if (r >= 0)
		ck_assert_str_eq(out, esc_cases[_i].out);
}
END_TEST

/* ---- rejections ---------------------------------------------------------- */

#define CA(body) "<config-auth type=\"init\">" body "</config-auth>"
#define USER(text) CA("<auth><username>" text "</username></auth>")

static const struct {
	const char *why;
	const char *doc;
} bad[] = {
	{ "doctype", "<?xml version=\"1.0\"?><!DOCTYPE config-auth>" CA("") },
	{ "internal subset",
	  "<!DOCTYPE config-auth [<!ENTITY x \"y\">]>" USER("&x;") },
	{ "billion laughs",
	  "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	  "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>" USER("&lol2;") },
	{ "external entity",
	  "<!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	  "<config-auth>&x;</config-auth>" },
	{ "doctype inside", CA("<!DOCTYPE x>") },
	{ "element decl", CA("<!ELEMENT x ANY>") },
	{ "undeclared entity", USER("&xxe;") },
	{ "html entity", USER("&nbsp;") },
	{ "no semicolon", USER("&lt") },
	{ "no semicolon 2", USER("&lt x") },
	{ "empty entity", USER("&;") },
	{ "bare ampersand", USER("a & b") },
	{ "numeric empty", USER("&#;") },
	{ "hex empty", USER("&#x;") },
	{ "numeric NUL", USER("&#0;") },
	{ "hex NUL", USER("&#x0;") },
	{ "numeric control", USER("&#1;") },
	{ "hex control", USER("&#x1F;") },
	{ "surrogate lo", USER("&#xD800;") },
	{ "surrogate hi", USER("&#xDFFF;") },
	{ "fffe", USER("&#xFFFE;") },
	{ "ffff", USER("&#xFFFF;") },
	{ "above unicode", USER("&#x110000;") },
	{ "huge decimal", USER("&#99999999999999999999;") },
	{ "upper X", USER("&#X41;") },
	{ "negative", USER("&#-1;") },
	{ "hex in decimal", USER("&#4a;") },
	{ "unterminated numeric", USER("&#x41") },
	{ "mismatched", CA("<auth><username>a</password></auth>") },
	{ "mismatched case", "<config-auth></Config-auth>" },
	{ "mismatched prefix", "<config-auth></config-aut>" },
	{ "unclosed", "<config-auth><auth>" },
	{ "unclosed root", "<config-auth>" },
	{ "unclosed start tag", "<config-auth" },
	{ "close without open", "<config-auth></auth></config-auth>" },
	{ "root wrong", "<foo/>" },
	{ "root wrong 2", "<config-authx></config-authx>" },
	{ "root case", "<Config-Auth/>" },
	{ "two roots", "<config-auth/><config-auth/>" },
	{ "text after root", "<config-auth/>x" },
	{ "text before root", "x<config-auth/>" },
	{ "no root", "<?xml version=\"1.0\"?>" },
	{ "only comment", "<!-- x -->" },
	{ "empty", "" },
	{ "blank", " \r\n" },
	{ "json", "{\"type\":\"init\"}" },
	{ "form", "username=a&password=b" },
	{ "pi inside", CA("<?php x ?>") },
	{ "pi before root", "<?xml-stylesheet href=\"x\"?><config-auth/>" },
	{ "decl twice", "<?xml version=\"1.0\"?><?xml version=\"1.0\"?>"
			"<config-auth/>" },
	{ "decl inside", CA("<?xml version=\"1.0\"?>") },
	{ "decl unterminated", "<?xml version=\"1.0\"<config-auth/>" },
	{ "bad utf8 truncated", USER("\xc3") },
	{ "bad utf8 at end", "<config-auth/>\xe2\x82" },
	{ "bad utf8 overlong", USER("\xc0\xaf") },
	{ "bad utf8 overlong 3", USER("\xe0\x80\xaf") },
	{ "bad utf8 surrogate", USER("\xed\xa0\x80") },
	{ "bad utf8 above max", USER("\xf4\x90\x80\x80") },
	{ "bad utf8 ff", USER("\xff") },
	{ "bad utf8 continuation", USER("\x80") },
	{ "utf8 fffe", USER("\xef\xbf\xbe") },
	{ "raw control", USER("a\x01") },
	{ "raw escape", USER("\x1b[31m") },
	{ "lt in attribute", "<config-auth type=\"<\"/>" },
	{ "bad entity in attribute", "<config-auth x=\"&foo;\"/>" },
	{ "unquoted attribute", "<config-auth type=init/>" },
	{ "attribute no value", "<config-auth type/>" },
	{ "unterminated attribute", "<config-auth type=\"init/>" },
	{ "duplicate attribute",
	  "<config-auth type=\"init\" type=\"logout\"/>" },
	{ "duplicate other attribute", "<config-auth a=\"1\" a=\"1\"/>" },
	{ "attributes unseparated", "<config-auth a=\"1\"b=\"2\"/>" },
	{ "too many attributes",
	  "<config-auth a1='' a2='' a3='' a4='' a5='' a6='' a7='' a8='' a9=''"
	  " b1='' b2='' b3='' b4='' b5='' b6='' b7='' b8=''/>" },
	{ "type too long",
	  "<config-auth type=\"0123456789abcdef0123456789abcdef\"/>" },
	{ "client too long", "<config-auth client=\"0123456789abcdef\"/>" },
	{ "is-for too long",
	  CA("<opaque is-for=\"0123456789abcdef0123456789abcdef\"/>") },
	{ "cdata end in text", USER("a]]>b") },
	{ "cdata unterminated", USER("<![CDATA[abc") },
	{ "cdata outside root", "<config-auth/><![CDATA[x]]>" },
	{ "comment unterminated", CA("<!-- x") },
	{ "comment unterminated before root", "<!-- x <config-auth/>" },
	{ "comment unterminated after root", "<config-auth/><!-- x" },
	{ "comment double dash", CA("<!-- a -- b -->") },
	{ "comment ends with dash", CA("<!-- a --->") },
	{ "comment short", CA("<!-->") },
	{ "end tag attribute", CA("<auth></auth x=\"1\">") },
	{ "end tag unterminated", "<config-auth></config-auth" },
	{ "space after lt", "< config-auth/>" },
	{ "name starts with digit", CA("<1a/>") },
	{ "name starts with dash", CA("<-a/>") },
	{ "non-ascii name", CA("<\xc3\xa9/>") },
	{ "bare lt", USER("a < b") },
	{ "duplicate username",
	  CA("<auth><username>a</username><username>b</username></auth>") },
	{ "duplicate across auth", CA("<auth><password>a</password></auth>"
				      "<auth><password>b</password></auth>") },
	{ "duplicate group-select",
	  CA("<group-select>a</group-select><group-select>b</group-select>") },
	{ "duplicate empty token",
	  CA("<session-token/><session-token>x</session-token>") },
	{ "duplicate tunnel-group",
	  CA("<opaque is-for=\"sg\"><tunnel-group>a</tunnel-group></opaque>"
	     "<opaque is-for=\"sg\"><tunnel-group>b</tunnel-group></opaque>") },
	{ "truncated body", "<config-auth type=\"init\"><auth><username>te" },
};

START_TEST(test_reject)
{
	struct xmlauth_req out;
	int r = parse(&out, bad[_i].doc);

	ck_assert_msg(r == -1, "%s: expected -1, got %d", bad[_i].why, r);
}
END_TEST

/* Documents holding a NUL byte (strlen cannot size them). */
/* clang-format off */
#define NUL_DOC(why, doc) { why, doc, sizeof(doc) - 1 }
/* clang-format on */
static const struct {
	const char *why;
	const char *doc;
	size_t len;
} bad_nul[] = {
	NUL_DOC("raw NUL", USER("a\0b")),
	NUL_DOC("NUL after root", "<config-auth/>\0"),
	NUL_DOC("NUL in tag", "<config-auth\0/>"),
};

START_TEST(test_reject_nul)
{
	struct xmlauth_req out;
	int r = parse_n(&out, bad_nul[_i].doc, bad_nul[_i].len);

	ck_assert_msg(r == -1, "%s: expected -1, got %d", bad_nul[_i].why, r);
}
END_TEST

/* A document that fails after the password was seen leaves nothing. */
START_TEST(test_reject_wipes)
{
	static const char doc[] =
		CA("<auth><username>u</username><password>hunter2</password>"
		   "</auth>&bogus;");
	static const struct xmlauth_req zero;
	struct xmlauth_req out;

	memset(&out, 0x5a, sizeof(out));
	ck_assert_int_eq(parse(&out, doc), -1);
	ck_assert(!memcmp(&out, &zero, sizeof(out)));
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

static char big[HTTP_MAX_BODY + 4096];

/* <config-auth> + depth-1 nested <a> elements: depth levels in all. */
static size_t nest(size_t depth)
{
	size_t n = 0, i;

	n += (size_t)sprintf(big + n, "<config-auth>");
	for (i = 1; i < depth; i++)
		n += (size_t)sprintf(big + n, "<a>");
	for (i = 1; i < depth; i++)
		n += (size_t)sprintf(big + n, "</a>");
	n += (size_t)sprintf(big + n, "</config-auth>");
	return n;
}

static const struct {
	size_t depth;
	int ret;
} depth_cases[] = {
	{ 1, 0 }, { 15, 0 }, { 16, 0 }, { 17, -1 }, { 100, -1 }, { 5000, -1 },
};

START_TEST(test_depth)
{
	struct xmlauth_req out;
	size_t n = nest(depth_cases[_i].depth);
	int r = parse_n(&out, big, n);

	ck_assert_msg(r == depth_cases[_i].ret,
		      "depth %zu: expected %d, got %d", depth_cases[_i].depth,
		      depth_cases[_i].ret, r);
}
END_TEST

/* A self-closing element at depth 17 counts too. */
START_TEST(test_depth_empty)
{
	struct xmlauth_req out;
	size_t n = nest(16);

	/* turn the innermost "<a></a>" into "<a><b/></a>" */
	memmove(big + 13 + 15 * 3 + 4, big + 13 + 15 * 3, n - 13 - 15 * 3);
	memcpy(big + 13 + 15 * 3, "<b/>", 4);
	ck_assert_int_eq(parse_n(&out, big, n + 4), -1);
}
END_TEST

/* clang-format off */
#define FIELD(path_open, path_close, member)                \
	{ #member, path_open, path_close,                   \
	  offsetof(struct xmlauth_req, member),             \
	  sizeof(((struct xmlauth_req *)0)->member) }
/* clang-format on */

static const struct {
	const char *name;
	const char *open;
	const char *close;
	size_t off;
	size_t cap;
} field_cases[] = {
	FIELD("<version who='vpn'>", "</version>", version),
	FIELD("<device-id>", "</device-id>", device_id),
	FIELD("<group-select>", "</group-select>", group_select),
	FIELD("<group-access>", "</group-access>", group_access),
	FIELD("<session-token>", "</session-token>", session_token),
	FIELD("<auth><username>", "</username></auth>", username),
	FIELD("<auth><password>", "</password></auth>", password),
	FIELD("<auth><secondary_password>", "</secondary_password></auth>",
	      secondary_password),
	FIELD("<auth><group_list>", "</group_list></auth>", group_list),
	FIELD("<opaque is-for='sg'><tunnel-group>", "</tunnel-group></opaque>",
	      opaque_tunnel_group),
	FIELD("<opaque is-for='sg'><aggauth-handle>",
	      "</aggauth-handle></opaque>", aggauth_handle),
};

static const char *const field_modes[] = { "text", "refs", "cdata" };

/* Text of cap-1 bytes fits a field, cap bytes is malformed, whether the
 * bytes come as text, as references (the bound is on the decoded length) or
 * as CDATA. */
START_TEST(test_field_size)
{
	const size_t nf = ARRAY_SIZE(field_cases);
	size_t fi = (size_t)_i % nf, len, n, i;
	int extra = _i / (int)nf % 2, mode = _i / (int)nf / 2;
	struct xmlauth_req out;
	int r;

	len = field_cases[fi].cap - 1 + (size_t)extra;
	n = (size_t)sprintf(big, "<config-auth>%s%s", field_cases[fi].open,
			    mode == 2 ? "<![CDATA[" : "");
	for (i = 0; i < len; i++)
		n += (size_t)sprintf(big + n, mode == 1 ? "&#x7a;" : "z");
	n += (size_t)sprintf(big + n, "%s%s</config-auth>",
			     mode == 2 ? "]]>" : "", field_cases[fi].close);
	r = parse_n(&out, big, n);
	ck_assert_msg(r == (extra ? -1 : 0),
		      "%s with %zu bytes (%s): expected %d, got %d",
		      field_cases[fi].name, len, field_modes[mode],
		      extra ? -1 : 0, r);
	if (r == 0)
		ck_assert_uint_eq(strlen((char *)&out + field_cases[fi].off),
				  len);
}
END_TEST

/* Multi-byte characters may not be split at the field boundary: the bound
 * is on bytes, and a character that does not fit rejects the document. */
START_TEST(test_field_size_utf8)
{
	struct xmlauth_req out;
	size_t n, i;

	/* 127 x "é" = 254 bytes fits username[256]; 128 = 256 does not */
	for (i = 127; i <= 128; i++) {
		size_t k;

		n = (size_t)sprintf(big, "<config-auth><auth><username>");
		for (k = 0; k < i; k++)
			n += (size_t)sprintf(big + n, "\xc3\xa9");
		n += (size_t)sprintf(big + n,
				     "</username></auth></config-auth>");
		ck_assert_int_eq(parse_n(&out, big, n), i == 127 ? 0 : -1);
	}
}
END_TEST

static const struct {
	size_t len;
	int ret;
} body_cases[] = {
	{ HTTP_MAX_BODY, 0 },
	{ HTTP_MAX_BODY + 1, -1 },
};

/* The body limit counts every byte, padding included. */
START_TEST(test_body_size)
{
	static const char head[] = "<config-auth type=\"init\">";
	static const char tail[] = "</config-auth>";
	size_t len = body_cases[_i].len;
	struct xmlauth_req out;
	int r;

	memcpy(big, head, sizeof(head) - 1);
	memset(big + sizeof(head) - 1, ' ',
	       len - sizeof(head) - sizeof(tail) + 2);
	memcpy(big + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	r = parse_n(&out, big, len);
	ck_assert_msg(r == body_cases[_i].ret, "%zu bytes: expected %d, got %d",
		      len, body_cases[_i].ret, r);
	if (r == 0)
		ck_assert_int_eq(out.type, XA_INIT);
}
END_TEST

/* Many comments and elements: linear work, no limit tripped wrongly. */
START_TEST(test_many_elements)
{
	struct xmlauth_req out;
	size_t n = 0;

	n += (size_t)sprintf(big, "<config-auth type='init'>");
	while (n < HTTP_MAX_BODY - 64)
		n += (size_t)sprintf(big + n, "<x a='1'/><!--c-->");
	n += (size_t)sprintf(big + n, "</config-auth>");
	ck_assert_int_eq(parse_n(&out, big, n), 0);
	ck_assert_int_eq(out.type, XA_INIT);
}
END_TEST

/* Configured limits: size, depth and element count, each reported. */
START_TEST(test_configured_limits)
{
	const struct xmlauth_limits lim = { .max_bytes = 512, .max_depth = 4,
					    .max_elements = 8 };
	struct xmlauth_req out;
	enum xmlauth_err err;
	size_t n;

	n = (size_t)sprintf(big, "<config-auth type='init'><a><b><c/></b></a></config-auth>");
	ck_assert_int_eq(xmlauth_parse_limited(&out, (uint8_t *)big, n, &lim, &err), 0);
	ck_assert_int_eq(err, XAE_NONE);
	n = (size_t)sprintf(big, "<config-auth type='init'><a><b><c><d/></c></b></a></config-auth>");
	ck_assert_int_eq(xmlauth_parse_limited(&out, (uint8_t *)big, n, &lim, &err), -1);
	ck_assert_int_eq(err, XAE_DEPTH);
	ck_assert_str_eq(xmlauth_err_text(err), "XML nesting depth");
	n = (size_t)sprintf(big, "<config-auth type='init'><x/><x/><x/><x/><x/><x/><x/></config-auth>");
	ck_assert_int_eq(xmlauth_parse_limited(&out, (uint8_t *)big, n, &lim, &err), 0);
	n = (size_t)sprintf(big, "<config-auth type='init'><x/><x/><x/><x/><x/><x/><x/><x/></config-auth>");
	ck_assert_int_eq(xmlauth_parse_limited(&out, (uint8_t *)big, n, &lim, &err), -1);
	ck_assert_int_eq(err, XAE_ELEMENTS);
	memset(big, ' ', 600);
	n = (size_t)sprintf(big + 600, "<config-auth type='init'/>") + 600;
	ck_assert_int_eq(xmlauth_parse_limited(&out, (uint8_t *)big, n, &lim, &err), -1);
	ck_assert_int_eq(err, XAE_SIZE);
	n = (size_t)sprintf(big, "<config-auth type='init'><a></b></config-auth>");
	ck_assert_int_eq(xmlauth_parse_limited(&out, (uint8_t *)big, n, &lim, &err), -1);
	ck_assert_int_eq(err, XAE_MALFORMED);
	/* a depth above the ceiling is cut to it: 65 levels are refused */
	const struct xmlauth_limits deep = { .max_bytes = 4096, .max_depth = 1000,
					     .max_elements = 1000 };
	n = (size_t)sprintf(big, "<config-auth>");
	for (int i = 0; i < XMLAUTH_DEPTH_CEILING; i++)
		n += (size_t)sprintf(big + n, "<a>");
	for (int i = 0; i < XMLAUTH_DEPTH_CEILING; i++)
		n += (size_t)sprintf(big + n, "</a>");
	n += (size_t)sprintf(big + n, "</config-auth>");
	ck_assert_int_eq(xmlauth_parse_limited(&out, (uint8_t *)big, n, &deep, &err), -1);
	ck_assert_int_eq(err, XAE_DEPTH);
}
END_TEST

/* ---- S7: profile manifest, custom attributes ------------------------------ */

static const char *sha1_of(const void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "MGMT"))
		return "D8A6C807A7DE0B47EC07026BB798CAD945839B5F";
	if (!strcmp(name, "User.1"))
		return "0123456789ABCDEF0123456789ABCDEF01234567";
	return NULL; /* not in the worker's table */
}

START_TEST(test_manifest)
{
	char out[1024];

	ck_assert_int_gt(xmlauth_manifest(out, sizeof(out), "MGMT:vpn-mgmt Gone:user User.1:user",
					  sha1_of, NULL), 0);
	ck_assert_str_eq(out,
			 "<vpn-profile-manifest><vpn rev=\"1.0\">"
			 "<file type=\"profile\" service-type=\"vpn-mgmt\"><uri>/CACHE/stc/profiles/MGMT"
			 "</uri><hash type=\"sha1\">D8A6C807A7DE0B47EC07026BB798CAD945839B5F</hash></file>"
			 "<file type=\"profile\" service-type=\"user\"><uri>/CACHE/stc/profiles/User.1"
			 "</uri><hash type=\"sha1\">0123456789ABCDEF0123456789ABCDEF01234567</hash></file>"
			 "</vpn></vpn-profile-manifest>");
	ck_assert_int_eq(xmlauth_manifest(out, sizeof(out), "", sha1_of, NULL), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(xmlauth_manifest(out, sizeof(out), "Gone:user", sha1_of, NULL), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(xmlauth_manifest(out, 64, "MGMT:vpn-mgmt", sha1_of, NULL), -1);
}
END_TEST

START_TEST(test_profile_listed)
{
	ck_assert_int_eq(xmlauth_profile_listed("A:user MGMT:vpn-mgmt", "MGMT"), 1);
	ck_assert_int_eq(xmlauth_profile_listed("A:user MGMT:vpn-mgmt", "A"), 1);
	ck_assert_int_eq(xmlauth_profile_listed("XMGMT:user", "MGMT"), 0);
	ck_assert_int_eq(xmlauth_profile_listed("MGMTX:user", "MGMT"), 0);
	ck_assert_int_eq(xmlauth_profile_listed("MGMT:user", ""), 0);
	ck_assert_int_eq(xmlauth_profile_listed("", "MGMT"), 0);
}
END_TEST

START_TEST(test_custom_attrs)
{
	const char *types[] = { "ManagementTunnelAllAllowed", "1bad", "Nl", "Cd", "ok" };
	const char *values[] = { "true", "x", "a\r\nX-Evil: 1", "a]]>b", "<&>" };
	char out[1024];

	ck_assert_int_gt(xmlauth_custom_attrs(out, sizeof(out), types, values, 5), 0);
	ck_assert_str_eq(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><config-auth client=\"vpn\" "
			      "type=\"complete\" aggregate-auth-version=\"2\"><config client=\"vpn\" "
			      "type=\"private\"><opaque is-for=\"vpn-client\"><custom-attr>"
			      "<ManagementTunnelAllAllowed><![CDATA[true]]></ManagementTunnelAllAllowed>"
			      "<ok><![CDATA[<&>]]></ok>"
			      "</custom-attr></opaque></config></config-auth>");
	ck_assert_ptr_null(strchr(out, '\n'));
	ck_assert_int_eq(xmlauth_custom_attrs(out, sizeof(out), types + 1, values + 1, 3), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(xmlauth_custom_attrs(out, 100, types, values, 1), -1);
}
END_TEST

static Suite *xmlauth_suite(void)
{
	Suite *s = suite_create("xmlauth");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(limits, test_configured_limits);
	tcase_add_loop_test(core, test_samples, 0, ARRAY_SIZE(samples));
	tcase_add_loop_test(core, test_text, 0, ARRAY_SIZE(texts));
	tcase_add_loop_test(core, test_attrs, 0, ARRAY_SIZE(attr_cases));
	tcase_add_loop_test(core, test_is_xml, 0, ARRAY_SIZE(is_xml_cases));
	tcase_add_loop_test(core, test_escape, 0, ARRAY_SIZE(esc_cases));
	tcase_add_loop_test(core, test_reject, 0, ARRAY_SIZE(bad));
	tcase_add_loop_test(core, test_reject_nul, 0, ARRAY_SIZE(bad_nul));
	tcase_add_test(core, test_reject_wipes);
	tcase_add_test(core, test_manifest);
	tcase_add_test(core, test_profile_listed);
	tcase_add_test(core, test_custom_attrs);
	suite_add_tcase(s, core);

	tcase_add_loop_test(limits, test_truncated, 0, ARRAY_SIZE(samples));
	tcase_add_loop_test(limits, test_mutated, 0, ARRAY_SIZE(samples));
	tcase_add_loop_test(limits, test_depth, 0, ARRAY_SIZE(depth_cases));
	tcase_add_test(limits, test_depth_empty);
	tcase_add_loop_test(
		limits, test_field_size, 0,
		(int)(ARRAY_SIZE(field_cases) * 2 * ARRAY_SIZE(field_modes)));
	tcase_add_test(limits, test_field_size_utf8);
	tcase_add_loop_test(limits, test_body_size, 0, ARRAY_SIZE(body_cases));
	tcase_add_test(limits, test_many_elements);
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(xmlauth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
