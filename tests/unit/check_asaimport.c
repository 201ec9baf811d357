/* Unit tests for sslvpn-asa-import (src/tools/asaimport): one case per
 * command family, each with its malformed lines and the line numbers the
 * report gives them.  Where the family exists in this tree's schema the
 * output must also load (config_load_string). */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../../src/tools/asaimport/asaimport.h"
#include "cfgtest.h"
#include "sslvpnd/util.h"

enum { MAXW = 12 };

struct icase {
	const char *name, *in;
	const char *out[MAXW];     /* substrings of the configuration */
	const char *report[MAXW];  /* substrings of the report */
	const char *not_out[4];    /* must not appear in the configuration */
	int errors;                /* the return value */
	int loads;                 /* the output loads in this tree's schema */
};

static char *out_text, *rep_text;

static int run(const char *in, const char *cert_dir, int hash)
{
	struct asaimport_opts o = { .cert_dir = cert_dir, .listen = "198.19.9.9",
				    .source = "test", .hash_cleartext = hash };
	size_t on = 0, rn = 0;
	char *copy = strdup(in);
	FILE *fin = fmemopen(copy, strlen(in), "r");
	FILE *fout = open_memstream(&out_text, &on);
	FILE *frep = open_memstream(&rep_text, &rn);
	int rc;

	ck_assert_ptr_nonnull(fin);
	rc = asaimport_run(fin, fout, frep, &o);
	fclose(fin);
	free(copy);
	fclose(fout);
	fclose(frep);
	return rc;
}

static void done(void)
{
	free(out_text);
	free(rep_text);
	out_text = rep_text = NULL;
}

static const struct icase cases[] = {
	{ "pools",
	  "ip local pool phones 198.19.0.10-198.19.0.250 mask 255.255.255.0\n"
	  "ip local pool nomask 198.19.1.10-198.19.1.20\n"
	  "ipv6 local pool six 2001:db8::10/64 100\n"
	  "ipv6 local pool bad 2001:db8::10/64 many\n"
	  "ip local pool short\n",
	  { "name = \"phones\";", "range = \"198.19.0.10-198.19.0.250\";",
	    "mask = \"255.255.255.0\";", "name = \"nomask\";", "prefix = \"2001:db8::10/64\";",
	    "count = 100;" },
	  { "line 2: note: pool nomask has no mask: 255.255.255.0",
	    "line 4: warning: \"ipv6 local pool bad 2001:db8::10/64 many\": the address count",
	    "line 5: warning: \"ip local pool short\": too few words" },
	  { "\"bad\"" }, 0, 0 },
	{ "access lists",
	  "access-list SPLIT standard permit 198.18.1.0 255.255.255.0\n"
	  "access-list SPLIT remark voice network\n"
	  "access-list F line 1 extended permit udp any any eq 5060 log\n"
	  "access-list F extended deny tcp any object-group WEB eq www\n"
	  "access-list F extended permit tcp any object WEB\n"
	  "access-list F extended deny ip any any time-range WORK\n"
	  "access-list F extended permit ip any any inactive\n"
	  "access-list F standard permit 198.18.1.0 255.255.255.0\n"
	  "access-list W webtype permit url http://x\n"
	  "access-list X bogus permit ip any any\n",
	  { "name = \"SPLIT\";", "type = \"standard\";",
	    "entries = [ \"permit 198.18.1.0 255.255.255.0\", \"remark voice network\" ];",
	    "entries = [ \"permit udp any any eq 5060\" ];" },
	  { "line 3: note: the ACE's log option is dropped",
	    "line 4: ERROR: \"access-list F extended deny tcp any object-group WEB eq www\"",
	    "leaving this deny out would let its traffic through",
	    "line 5: warning: \"access-list F extended permit tcp any object WEB\"",
	    "line 6: ERROR: \"access-list F extended deny ip any any time-range WORK\": time-range",
	    "line 7: note: inactive ACE left out",
	    "line 8: ERROR: \"access-list F standard permit 198.18.1.0 255.255.255.0\": "
	    "standard and extended",
	    "line 9: not applicable: \"access-list W webtype",
	    "line 10: warning: \"access-list X bogus permit ip any any\": access-list type" },
	  { "inactive", "time-range" }, 3, 0 },
	{ "group policies",
	  "group-policy DfltGrpPolicy attributes\n"
	  " banner none\n"
	  " vpn-idle-timeout 30\n"
	  " vpn-tunnel-protocol ikev1 ikev2 l2tp-ipsec ssl-client ssl-clientless\n"
	  " vpn-simultaneous-logins 0\n"
	  " webvpn\n"
	  "  anyconnect ssl dtls enable\n"
	  "group-policy P internal\n"
	  "group-policy P attributes\n"
	  " dns-server value 198.18.1.53 198.18.1.54\n"
	  " wins-server none\n"
	  " vpn-filter none\n"
	  " group-lock value T\n"
	  " vpn-idle-timeout none\n"
	  " vpn-idle-timeout alert-interval 5\n"
	  " client-bypass-protocol enable\n"
	  " banner value first line\n"
	  " banner value second line\n"
	  " vpn-simultaneous-logins many\n"
	  " anyconnect-custom ManagementTunnelAllAllowed value true\n"
	  " ip-comp disable\n"
	  " webvpn\n"
	  "  anyconnect ssl dtls none\n"
	  "  anyconnect mtu 1300\n"
	  "  anyconnect ssl keepalive 20\n"
	  "  anyconnect dpd-interval client none\n"
	  "  svc dpd-interval gateway 60\n"
	  "  anyconnect profiles value MGMT type vpn-mgmt\n"
	  "  anyconnect ssl rekey time 60\n"
	  "  anyconnect ssl compression deflate\n"
	  "  anyconnect keep-installer installed\n"
	  "group-policy EXT external server-group RAD\n",
	  { "name = \"DfltGrpPolicy\";\n    vpn-simultaneous-logins = 0;\n  }",
	    "dns-server = [ \"198.18.1.53\", \"198.18.1.54\" ];", "wins-server = \"none\";",
	    "group-lock = \"T\";", "vpn-idle-timeout = \"none\";",
	    "vpn-idle-timeout-alert-interval = 5;", "client-bypass-protocol = true;",
	    "banner = \"first line\\nsecond line\";", "anyconnect-ssl-dtls = false;",
	    "anyconnect-dpd-interval-client = \"none\";",
	    "anyconnect-profiles = [ \"MGMT type vpn-mgmt\" ];" },
	  { "line 2: default dropped: \"banner none\"", "line 3: default dropped",
	    "line 4: default dropped", "line 7: default dropped: \"anyconnect ssl dtls enable\"",
	    "line 19: warning: \"vpn-simultaneous-logins many\": not a number",
	    "line 21: not applicable: \"ip-comp disable\"",
	    "line 31: not applicable: \"anyconnect keep-installer installed\"",
	    "line 32: ERROR: \"group-policy EXT external server-group RAD\"" },
	  { "\"EXT\"", "many" }, 1, 0 },
	{ "group policy keys of S7",
	  "group-policy P attributes\n"
	  " anyconnect-custom ManagementTunnelAllAllowed value true\n"
	  " anyconnect-custom Other none\n"
	  " webvpn\n"
	  "  anyconnect ssl rekey method new-tunnel\n"
	  "  anyconnect ssl compression deflate\n"
	  "  anyconnect dtls compression lzs\n"
	  "  anyconnect ssl dpd-interval\n",
	  { "anyconnect-custom = [ \"ManagementTunnelAllAllowed value true\", \"Other none\" ];",
	    "anyconnect-ssl-rekey-method = \"new-tunnel\";",
	    "anyconnect-ssl-compression = \"deflate\";", "anyconnect-dtls-compression = \"lzs\";" },
	  { "line 8: ignored: \"anyconnect ssl dpd-interval\"" }, { NULL }, 0, 0 },
	{ "global webvpn",
	  "webvpn\n"
	  " enable outside\n"
	  " anyconnect image disk0:/anyconnect-win-4.8.pkg 1\n"
	  " anyconnect profiles MGMT disk0:/mgmt.vpnm\n"
	  " anyconnect enable\n"
	  " anyconnect-custom-attr ManagementTunnelAllAllowed description Allow all\n"
	  " tunnel-group-list enable\n"
	  " csd image disk0:/csd.pkg\n"
	  " csd enable\n"
	  " hsts\n"
	  "  enable\n"
	  "  max-age 31536000\n"
	  "  include-sub-domains\n"
	  "  no preload\n"
	  " no anyconnect-essentials\n"
	  " cache\n"
	  "  disable\n"
	  " error-recovery disable\n"
	  " keepout \"maintenance\"\n"
	  " port 8443\n"
	  "anyconnect-custom-data ManagementTunnelAllAllowed true true\n",
	  { "name = \"outside\";", "port = 8443;", "tunnel-group-list = true;",
	    "anyconnect-image = [ \"disk0:/anyconnect-win-4.8.pkg 1\" ];", "csd = true;",
	    "csd-image = \"disk0:/csd.pkg\";", "hsts = true;", "hsts-max-age = 31536000;",
	    "hsts-include-sub-domains = true;", "hsts-preload = false;",
	    "anyconnect-essentials = false;", "cache = false;" },
	  { "line 4: warning: copy the profile disk0:/mgmt.vpnm from the ASA to /etc/sslvpnd/mgmt.vpnm",
	    "line 5: default dropped: \"anyconnect enable\"",
	    "line 19: not applicable: \"keepout maintenance\"" },
	  { NULL }, 0, 0 },
	{ "custom attributes and data",
	  "webvpn\n"
	  " anyconnect-custom-attr ManagementTunnelAllAllowed description ManagementTunnelAllAllowed\n"
	  "anyconnect-custom-data ManagementTunnelAllAllowed true true\n"
	  "anyconnect-custom-data ManagementTunnelAllAllowed true\n"
	  "anyconnect-custom-data ManagementTunnelAllAllowed true true\n",
	  { "anyconnect_custom_attrs = (\n  {\n    type = \"ManagementTunnelAllAllowed\";\n"
	    "    description = \"ManagementTunnelAllAllowed\";",
	    "anyconnect_custom_data = (\n  {\n    type = \"ManagementTunnelAllAllowed\";\n"
	    "    name = \"true\";\n    value = \"true\";\n  }\n);" },
	  { "line 4: warning: \"anyconnect-custom-data ManagementTunnelAllAllowed true\": too few words" },
	  { NULL }, 0, 0 },
	{ "tunnel groups",
	  "ip local pool p 198.19.0.10-198.19.0.20 mask 255.255.255.0\n"
	  "group-policy P internal\n"
	  "tunnel-group T type remote-access\n"
	  "tunnel-group T general-attributes\n"
	  " address-pool (outside) p\n"
	  " default-group-policy P\n"
	  " authentication-server-group LOCAL\n"
	  " username-from-certificate CN OU\n"
	  " strip-realm\n"
	  "tunnel-group T webvpn-attributes\n"
	  " authentication certificate aaa\n"
	  " group-url https://vpn.example/phone enable\n"
	  " group-url https://198.18.0.1/old disable\n"
	  " group-alias PHONES enable\n"
	  " without-csd\n"
	  "tunnel-group S type remote-access\n"
	  "tunnel-group S webvpn-attributes\n"
	  " authentication saml\n"
	  "tunnel-group L2L type ipsec-l2l\n"
	  "tunnel-group DefaultRAGroup general-attributes\n"
	  " address-pool p\n"
	  "tunnel-group T bogus-attributes\n",
	  { "name = \"T\";", "type = \"remote-access\";", "address-pool = [ \"p\" ];",
	    "default-group-policy = \"P\";", "username-from-certificate = \"CN\";",
	    "authentication = \"aaa certificate\";",
	    "group-url = [ \"https://vpn.example/phone\", \"https://198.18.0.1/old disable\" ];",
	    "group-alias = [ \"PHONES\" ];", "without-csd = true;" },
	  { "line 7: default dropped: \"authentication-server-group LOCAL\"",
	    "line 8: warning: \"username-from-certificate CN OU\": only the first",
	    "line 9: ignored: \"strip-realm\"", "line 18: ERROR: \"authentication saml\"",
	    "line 19: not applicable: \"tunnel-group L2L type ipsec-l2l\"",
	    "line 20: not applicable: \"tunnel-group DefaultRAGroup general-attributes\"",
	    "line 21: not applicable: \"address-pool p\"",
	    "line 22: warning: \"tunnel-group T bogus-attributes\"" },
	  { "L2L", "DefaultRAGroup", "saml" }, 1, 1 },
	{ "server groups (S15)",
	  "aaa-server RAD protocol radius\n"
	  " max-failed-attempts 3\n"
	  " reactivation-mode depletion deadtime 10\n"
	  "aaa-server RAD (inside) host 198.18.1.2\n"
	  " key s3cret\n"
	  " authentication-port 1812\n"
	  " timeout 5\n"
	  "aaa-server RAD (inside) host 198.18.1.3\n"
	  " key *****\n"
	  "aaa-server DIR protocol ldap\n"
	  "aaa-server DIR (inside) host 198.18.1.4\n"
	  " ldap-base-dn ou=people,dc=example,dc=com\n"
	  " ldap-scope subtree\n"
	  " ldap-naming-attribute uid\n"
	  " ldap-login-dn cn=admin,dc=example,dc=com\n"
	  " ldap-login-password ****\n"
	  " ldap-over-ssl enable\n"
	  " server-type openldap\n"
	  " ldap-attribute-map MAP\n"
	  "ldap attribute-map MAP\n"
	  " map-name memberOf Group-Policy\n"
	  " map-value memberOf \"CN=Phones,OU=g,DC=example,DC=com\" PhonePolicy\n"
	  "tunnel-group T general-attributes\n"
	  " authentication-server-group (outside) RAD LOCAL\n"
	  " accounting-server-group RAD\n"
	  " authorization-server-group DIR\n"
	  " authorization-required\n",
	  { "aaa_servers = (\n  {\n    name = \"RAD\";\n    protocol = \"radius\";\n"
	    "    max-failed-attempts = 3;\n    reactivation-mode = \"depletion\";\n"
	    "    deadtime = 10;\n    hosts = (\n",
	    "address = \"198.18.1.2\";\n        interface = \"inside\";\n        key = \"s3cret\";\n"
	    "        authentication-port = 1812;\n        timeout = 5;",
	    "ldap-base-dn = \"ou=people,dc=example,dc=com\";", "ldap-scope = \"subtree\";",
	    "# ldap-over-ssl = true; ldap-ca-trustpoint = \"CA-TRUSTPOINT\"; (input line 17",
	    "ldap-attribute-map = \"MAP\";",
	    "map-name = [ \"memberOf Group-Policy\" ];",
	    "map-value = [ \"memberOf \\\"CN=Phones,OU=g,DC=example,DC=com\\\" PhonePolicy\" ];",
	    "authentication-server-group = \"RAD LOCAL\";", "authorize-required = true;" },
	  { "line 9: ERROR: \"key <hidden>\": the secret is masked",
	    "line 16: ERROR: \"ldap-login-password <hidden>\": the secret is masked",
	    "line 17: ERROR: \"ldap-over-ssl enable\": needs ldap-ca-trustpoint" },
	  { "*****", "****", "  ldap-over-ssl = true;" }, 3, 0 },
	{ "server groups: accounting, CoA, LDAPS; load balancing",
	  "aaa-server RAD protocol radius\n"
	  " interim-accounting-update periodic 2\n"
	  " dynamic-authorization port 3799\n"
	  "aaa-server RAD (inside) host 198.18.1.2\n"
	  " key s3cret\n"
	  "aaa-server LONG protocol radius\n"
	  " interim-accounting-update periodic 48\n"
	  " dynamic-authorization\n"
	  "aaa-server LONG (inside) host 198.18.1.3\n"
	  " key s3cret\n"
	  "aaa-server ONCE protocol radius\n"
	  " interim-accounting-update\n"
	  "aaa-server ONCE (inside) host 198.18.1.5\n"
	  " key s3cret\n"
	  "aaa-server DIR protocol ldap\n"
	  "aaa-server DIR (inside) host 198.18.1.4\n"
	  " ldap-base-dn ou=people,dc=example,dc=com\n"
	  " ldap-naming-attribute uid\n"
	  " ldap-over-ssl enable\n"
	  "vpn load-balancing\n"
	  " cluster ip address 198.18.3.100\n"
	  " cluster encryption\n"
	  " redirect-fqdn enable\n"
	  " participate\n",
	  { "interim-accounting-update = 7200;\n    dynamic-authorization = true;\n"
	    "    dynamic-authorization-port = 3799;",
	    "interim-accounting-update = 86400;\n    dynamic-authorization = true;\n    hosts",
	    "name = \"ONCE\";\n    protocol = \"radius\";\n    hosts",
	    "# ldap-over-ssl = true; ldap-ca-trustpoint = \"CA-TRUSTPOINT\"; (input line 19",
	    "load_balancing = {\n  participate = false;\n  cluster-address = \"198.18.3.100\";\n"
	    "  # peers = [" },
	  { "line 7: warning: \"interim-accounting-update periodic 48\": interim-accounting-update "
	    "is at most 24 hours",
	    "line 12: ignored: \"interim-accounting-update\": no periodic interim records",
	    "line 19: ERROR: \"ldap-over-ssl enable\": needs ldap-ca-trustpoint",
	    "line 22: ignored: \"cluster encryption\": the nodes exchange nothing",
	    "line 23: ignored: \"redirect-fqdn enable\"",
	    "line 24: warning: \"participate\": the cluster's nodes are not in this configuration" },
	  { "  ldap-over-ssl = true;", "  participate = true;" }, 1, 1 },
	{ "trustpoints",
	  "crypto ca trustpoint ID\n"
	  " enrollment self\n"
	  " subject-name CN=vpn.example,O=Lab\n"
	  " keypair ID-key\n"
	  " fqdn vpn.example\n"
	  "crypto ca trustpoint CA\n"
	  " enrollment terminal\n"
	  " revocation-check crl none\n"
	  "crypto ca trustpoint SCEP\n"
	  " enrollment url http://ca.example/scep\n"
	  "crypto ca enroll ID\n"
	  "ssl trust-point ID outside\n"
	  "ssl trust-point ID domain vpn.example\n"
	  "webvpn\n"
	  " enable outside\n",
	  { "name = \"ID\";\n    enrollment = \"self\";\n    subject-name = \"CN=vpn.example,O=Lab\";",
	    "domain = [ \"vpn.example\" ];",
	    "name = \"CA\";\n    enrollment = \"terminal\";\n"
	    "    certificate = \"/etc/sslvpnd/ca/CA.pem\";",
	    "trustpoint = [ \"ID\" ];" },
	  { "line 4: note: \"keypair ID-key\": the key pair is not in the configuration",
	    "line 5: ignored: \"fqdn vpn.example\"",
	    "line 8: ERROR: \"revocation-check crl none\": revocation checking",
	    "line 10: warning: \"enrollment url http://ca.example/scep\"",
	    "line 11: not applicable: \"crypto ca enroll ID\": an exec command",
	    "line 6: warning: trustpoint CA: no certificate in the input" },
	  { NULL }, 1, 0 },
	{ "certificate maps",
	  "tunnel-group PH type remote-access\n"
	  "crypto ca certificate map PHONES 10\n"
	  " subject-name attr cn co CP-8861\n"
	  " issuer-name attr cn co Cisco Manufacturing CA\n"
	  "crypto ca certificate map OTHER 20\n"
	  " subject-name attr cn eq x\n"
	  "crypto ca certificate map WIDE 30\n"
	  " alt-subject-name co x\n"
	  "webvpn\n"
	  " certificate-group-map PHONES 10 PH\n"
	  " certificate-group-map WIDE 30 PH\n",
	  { "certificate_maps = (\n  {\n    name = \"PHONES-10\";\n"
	    "    rules = [ \"subject-name attr cn co CP-8861\", "
	    "\"issuer-name attr cn co Cisco Manufacturing CA\" ];\n"
	    "    tunnel-group = \"PH\";",
	    "# certificate_maps \"OTHER-20\" (input line 5) is left out: "
	    "no webvpn certificate-group-map names it" },
	  { "line 8: ERROR: \"alt-subject-name co x\": rule not supported",
	    "line 5: warning: certificate map OTHER-20: no webvpn certificate-group-map" },
	  { NULL }, 1, 1 },
	{ "ssl",
	  "ssl server-version tlsv1.2 dtlsv1.2\n"
	  "ssl client-version tlsv1.2\n"
	  "ssl cipher tlsv1.2 custom \"AES256-SHA:AES128-SHA\"\n"
	  "ssl cipher dtlsv1 custom \"AES128-SHA\"\n"
	  "ssl cipher tlsv1.3 custom \"TLS_AES_128_GCM_SHA256\"\n"
	  "ssl cipher tlsv1.1 medium\n"
	  "ssl cipher tlsv1 default\n"
	  "ssl cipher sslv9 custom \"X\"\n"
	  "ssl encryption rc4-sha1 aes256-sha1 3des-sha1\n"
	  "ssl dh-group group14\n",
	  { "server-version = \"tlsv1.2 dtlsv1.2\";",
	    "tlsv1_2 = \"AES256-SHA\";", "dtlsv1 = \"AES128-SHA\";",
	    "tlsv1_3 = \"TLS_AES_128_GCM_SHA256\";", "tlsv1 = \"AES256-SHA\";" },
	  { "line 2: not applicable: \"ssl client-version tlsv1.2\"",
	    "line 6: note: \"ssl cipher tlsv1.1 medium\": a cipher level",
	    "line 7: default dropped: \"ssl cipher tlsv1 default\"",
	    "line 8: warning: \"ssl cipher sslv9 custom X\": unknown TLS version",
	    "line 9: note: ssl encryption rc4-sha1 left out (broken cipher)",
	    "line 10: ignored: \"ssl dh-group group14\"" },
	  { "client-version" }, 0, 0 },
	{ "users",
	  "group-policy P internal\n"
	  "tunnel-group T type remote-access\n"
	  "username alice password $sha512$5000$abc$def pbkdf2 privilege 15\n"
	  "username alice attributes\n"
	  " vpn-group-policy P\n"
	  " group-lock value T\n"
	  " service-type remote-access\n"
	  "username bob password 3USUcOPFUiMCO4Jk encrypted\n"
	  "username carol nopassword\n"
	  "username dave password correct-horse\n"
	  "username dave attributes\n"
	  " vpn-group-policy P\n"
	  " vpn-filter value F\n"
	  " dns-server value 198.18.1.53\n"
	  " memberof x\n"
	  "username eve\n"
	  "username frank password frank-pw\n"
	  "username frank attributes\n"
	  " service-type nas-prompt\n",
	  { "name = \"dave\";\n    password = \"$scrypt$", "vpn-group-policy = \"P\";",
	    "# users \"alice\" (input line 3) is left out: needs a new password",
	    "# users \"frank\" (input line 17) is left out: service-type nas-prompt" },
	  { "line 3: warning: user alice needs a new password "
	    "(Cisco publishes no specification of the pbkdf2 format)",
	    "line 3: not applicable: \"username alice password <hidden> pbkdf2 privilege 15\"",
	    "line 8: warning: user bob needs a new password (the ASA's MD5-based hash",
	    "line 9: warning: user carol needs a new password (nopassword",
	    "line 10: note: \"username dave password <hidden>\": cleartext password hashed",
	    "line 13: ERROR: \"vpn-filter value F\": per-user attributes",
	    "line 14: warning: \"dns-server value 198.18.1.53\": per-user attributes",
	    "line 15: ignored: \"memberof x\"",
	    "needs a new password: alice", "line 16: warning: \"username eve\": too few words",
	    "line 19: warning: \"service-type nas-prompt\": the user is left out" },
	  { "correct-horse", "3USUcOPFUiMCO4Jk", "sha512" }, 1, 1 },
	{ "DAP records and time ranges",
	  "access-list PH extended permit udp any any eq 5060\n"
	  "dynamic-access-policy-record DfltAccessPolicy\n"
	  " user-message \"Not allowed: call the help desk\"\n"
	  " action terminate\n"
	  "dynamic-access-policy-record Other\n"
	  " user-message none\n"
	  "dynamic-access-policy-record VPNPhone\n"
	  " description \"phones\"\n"
	  " priority 10\n"
	  " network-acl PH\n"
	  " priority high\n"
	  "time-range WORK\n"
	  " periodic weekdays 08:00 to 18:00\n"
	  " absolute start 00:00 01 January 2026 end 23:59 31 December 2026\n",
	  { "name = \"DfltAccessPolicy\";\n    user-message = \"Not allowed: call the help desk\";\n"
	    "    action = \"terminate\";",
	    "name = \"VPNPhone\";\n    description = \"phones\";\n    priority = 10;\n"
	    "    network-acl = [ \"PH\" ];",
	    "periodic = [ \"weekdays 08:00 to 18:00\" ];",
	    "absolute-start = \"00:00 01 January 2026\";",
	    "absolute-end = \"23:59 31 December 2026\";" },
	  { "line 11: warning: \"priority high\": not a number",
	    "line 7: warning: DAP record VPNPhone: its criteria live in dap.xml",
	    "line 6: default dropped: \"user-message none\"" },
	  { "\"none\"" }, 0, 1 },
	{ "pasted noise",
	  "```\r\n"
	  "<#root>\r\n"
	  "ASA5510-F# show run all group-policy P\r\n"
	  "group-policy P internal\r\n"
	  "group-policy P attributes\r\n"
	  " --More-- vpn-tunnel-protocol ssl-client\r\n"
	  "ASA5510-F(config)# group-policy Q internal\r\n"
	  "ASA5510-F#\r\n"
	  "```\r\n"
	  "tunnel-group\n"
	  "PHONES\n"
	  "  type remote-access\n"
	  "Building configuration...\n"
	  ": Saved\n"
	  "!\n"
	  "hostname asa\n"
	  "グループポリシー\n"
	  "end\n",
	  { "name = \"P\";\n    vpn-tunnel-protocol = [ \"ssl-client\" ];", "name = \"Q\";",
	    "name = \"PHONES\";\n    type = \"remote-access\";" },
	  { "line 16: ignored: \"hostname asa\"", "line 17: ignored:",
	    "summary: 0 error(s), 0 warning(s), 2 ignored" },
	  { "More", "root" }, 0, 1 },
	{ "lost indentation",
	  "group-policy G attributes\n"
	  "vpn-tunnel-protocol ssl-client\n"
	  "webvpn\n"
	  "anyconnect mtu 1300\n"
	  "group-policy H attributes\n"
	  "dns-server value 198.18.1.53\n"
	  "webvpn\n"
	  "enable outside\n"
	  "tunnel-group-list enable\n",
	  { "name = \"G\";\n    vpn-tunnel-protocol = [ \"ssl-client\" ];\n    anyconnect-mtu = 1300;",
	    "name = \"outside\";", "tunnel-group-list = true;" },
	  { "line 8: note: the webvpn line before was the global webvpn" },
	  { NULL }, 0, 1 },
	{ "interfaces",
	  "interface GigabitEthernet0/0\n"
	  " nameif outside\n"
	  " security-level 0\n"
	  " ip address 198.18.0.1 255.255.255.252\n"
	  "interface GigabitEthernet0/1\n"
	  " nameif inside\n"
	  " ip address dhcp setroute\n"
	  "webvpn\n"
	  " enable outside\n"
	  " enable inside\n"
	  " port 443\n"
	  " dtls port 8443\n",
	  { "name = \"outside\";\n    address = \"198.18.0.1\";\n    dtls-port = 8443;",
	    "name = \"inside\";\n    address = \"198.19.9.9\";" },
	  { "line 3: ignored: \"security-level 0\"",
	    "line 11: default dropped: \"port 443\"" },
	  { "port = 443" }, 0, 1 },
	{ "hsts without indentation",
	  "webvpn\n"
	  "hsts\n"
	  "enable\n"
	  "max-age 600\n"
	  "enable outside\n"
	  "cache\n"
	  "disable\n"
	  "enable inside\n",
	  { "name = \"outside\";", "name = \"inside\";", "hsts = true;", "hsts-max-age = 600;",
	    "cache = false;" },
	  { NULL }, { NULL }, 0, 0 },
	{ "references",
	  "group-policy P attributes\n"
	  " vpn-filter value MISSING\n"
	  " address-pools value NOPOOL\n"
	  "tunnel-group T general-attributes\n"
	  " default-group-policy NOPOLICY\n"
	  "ssl trust-point NOTP outside\n"
	  "webvpn\n"
	  " enable outside\n",
	  { NULL },
	  { "ERROR: P: vpn-filter MISSING names nothing", "ERROR: P: address-pools NOPOOL",
	    "ERROR: T: default-group-policy NOPOLICY", "ERROR: outside: trustpoint NOTP" },
	  { NULL }, 4, 0 },
};

START_TEST(test_family)
{
	const struct icase *c = &cases[_i];
	int rc = run(c->in, NULL, 1);

	for (size_t i = 0; i < MAXW && c->out[i]; i++)
		if (!strstr(out_text, c->out[i]))
			ck_abort_msg("%s: output lacks [%s]:\n%s\nreport:\n%s", c->name, c->out[i],
				     out_text, rep_text);
	for (size_t i = 0; i < MAXW && c->report[i]; i++)
		if (!strstr(rep_text, c->report[i]))
			ck_abort_msg("%s: report lacks [%s]:\n%s", c->name, c->report[i], rep_text);
	for (size_t i = 0; i < 4 && c->not_out[i]; i++)
		if (strstr(out_text, c->not_out[i]))
			ck_abort_msg("%s: output has [%s]:\n%s", c->name, c->not_out[i], out_text);
	if (rc != c->errors)
		ck_abort_msg("%s: %d errors, want %d; report:\n%s", c->name, rc, c->errors, rep_text);
	if (c->loads)
		config_free(cfgtest_load_ok(out_text, c->name));
	done();
}
END_TEST

/* A self-signed certificate as the ASA prints it in a certificate chain. */
static char *asa_hex_chain(const char *tp, int ca, char *pem, size_t cap)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	unsigned char *der = NULL;
	int n;
	char *out, *p;
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;

	ck_assert_ptr_nonnull(k);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"Import Test CA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	n = i2d_X509(x, &der);
	ck_assert_int_gt(n, 0);
	PEM_write_bio_X509(b, x);
	len = BIO_get_mem_data(b, &data);
	ck_assert_int_lt(len, (long)cap);
	memcpy(pem, data, (size_t)len);
	pem[len] = 0;
	out = p = malloc((size_t)n * 3 + 512);
	p += sprintf(p, "crypto ca trustpoint %s\n enrollment terminal\n"
		     "crypto ca certificate chain %s\n certificate %s01\n    ", tp, tp, ca ? "ca " : "");
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%02x%s", der[i], i % 32 == 31 ? "\n    " : i % 4 == 3 ? " " : "");
	sprintf(p, "\n  quit\n");
	OPENSSL_free(der);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
	return out;
}

START_TEST(test_chain_to_pem)
{
	char dir[] = "/tmp/check_asaimport.XXXXXX", path[256], pem[8192], got[8192];
	char *in = NULL, *chain;
	FILE *fp;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	chain = asa_hex_chain("LAB-CA", 1, pem, sizeof(pem));
	ck_assert_int_ne(asprintf(&in, "%sssl trust-point X\n", chain), -1);
	/* X names nothing, a line-numbered error; the chain is written */
	ck_assert_int_eq(run(in, dir, 0), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "certificate = \""));
	ck_assert_ptr_nonnull(strstr(rep_text,
				     "line 4: note: CA certificate of LAB-CA: /CN=Import Test CA"));
	snprintf(path, sizeof(path), "%s/LAB-CA.pem", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	n = fread(got, 1, sizeof(got) - 1, fp);
	got[n] = 0;
	fclose(fp);
	ck_assert_str_eq(got, pem);
	unlink(path);
	done();
	free(in);
	free(chain);

	/* an identity certificate: its key is in no configuration */
	chain = asa_hex_chain("ID", 0, pem, sizeof(pem));
	ck_assert_int_eq(run(chain, dir, 0), 1);
	ck_assert_ptr_nonnull(strstr(out_text, "enrollment = \"file\";"));
	ck_assert_ptr_nonnull(strstr(rep_text, "ERROR: trustpoint ID is an identity whose private key"));
	snprintf(path, sizeof(path), "%s/ID.pem", dir);
	unlink(path);
	done();
	free(chain);

	/* the self-signed identity of an enrollment self trustpoint: made anew */
	chain = asa_hex_chain("SELF", 0, pem, sizeof(pem));
	ck_assert_int_ne(asprintf(&in, "%scrypto ca trustpoint SELF\n enrollment self\n", chain), -1);
	ck_assert_int_eq(run(in, dir, 0), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "name = \"SELF\";\n    enrollment = \"self\";"));
	ck_assert_ptr_nonnull(strstr(rep_text, "phones pin its hash"));
	done();
	free(in);
	free(chain);
	rmdir(dir);
}
END_TEST

START_TEST(test_chain_bad_hex)
{
	static const char in[] =
		"crypto ca trustpoint CA\n"
		" enrollment terminal\n"
		"crypto ca certificate chain CA\n"
		" certificate ca 01\n"
		"    30820122 3081c9a0 03020102\n"
		"  quit\n"
		"crypto ca certificate chain CA\n"
		" certificate ca 02\n"
		"    3082 zz\n"
		"group-policy P internal\n";

	ck_assert_int_eq(run(in, NULL, 0), 2);
	ck_assert_ptr_nonnull(strstr(rep_text, "line 4: ERROR: the certificate hex dump of "
				     "trustpoint CA is not one DER certificate"));
	ck_assert_ptr_nonnull(strstr(rep_text, "line 9: warning: certificate hex dump not ended by quit"));
	ck_assert_ptr_nonnull(strstr(rep_text, "line 8: ERROR: the certificate hex dump"));
	ck_assert_ptr_nonnull(strstr(out_text, "name = \"P\";"));
	done();
}
END_TEST

/* Long lines, a quote never closed, too many words, NUL bytes: reported,
 * never a crash. */
START_TEST(test_hostile)
{
	char *in = malloc(20000);
	size_t n = 0;

	n += (size_t)sprintf(in + n, "group-policy \"unterminated attributes\n");
	memset(in + n, 'a', 9000);
	n += 9000;
	in[n++] = '\n';
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(in + n, "w ");
	n += (size_t)sprintf(in + n, "\nbanner value x\n");
	in[n] = 0;
	ck_assert_int_ge(run(in, NULL, 0), 0);
	ck_assert_ptr_nonnull(strstr(rep_text, "line 2: warning: line longer than"));
	ck_assert_ptr_nonnull(strstr(rep_text, "line 3: warning:"));
	ck_assert_ptr_nonnull(strstr(rep_text, "too many words"));
	done();
	free(in);
}
END_TEST

static Suite *asaimport_suite(void)
{
	Suite *s = suite_create("asaimport");
	TCase *t = tcase_create("families");

	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, test_family, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(t, test_chain_to_pem);
	tcase_add_test(t, test_chain_bad_hex);
	tcase_add_test(t, test_hostile);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(asaimport_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
