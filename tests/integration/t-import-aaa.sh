#!/bin/bash
# t-import-aaa: RADIUS and LDAP server groups, an LDAP attribute map, a
# tunnel group using them, and vpn load-balancing, through sslvpn-asa-import
# (tests/integration/asa/aaa-servers.txt): the output passes `sslvpnd -t`
# as written, and again once the two edits the report asks for are made.
#  - aaa-server: every host key, interim-accounting-update periodic (hours
#    -> seconds), dynamic-authorization, the tunnel group's
#    authentication / authorization / accounting-server-group and
#    authorization-required, ldap attribute-map with a quoted DN.
#  - ldap-over-ssl enable: sslvpnd needs ldap-ca-trustpoint, which the ASA
#    has no key for: an ERROR naming the line, both keys as a comment; with
#    a CA trustpoint filled in and uncommented, -t accepts it.
#  - vpn load-balancing: written with participate = false (the peers are
#    not in one node's configuration), a warning naming the line; with the
#    peers filled in, -t accepts participate = true.
# No network: the importer and `sslvpnd -t` only.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-asaimport.sh
. "$top_srcdir/tests/integration/lib-asaimport.sh"

lib_init
pki_ensure
state_init

in="$TMPD/aaa-servers.txt"
{
	sed 's/10\.10\.20\.1-10\.10\.20\.254/198.19.0.10-198.19.0.250/' \
		"$ASA_FIXTURES/aaa-servers.txt"
	asa_lab_trustpoints
} >"$in"
asa_import "$in"
assert_rc 1 "$IMPORT_RC" "sslvpn-asa-import exit code (one error: ldap-over-ssl)"
report=$(cat "$IMPORT_REPORT")
out=$(cat "$IMPORT_OUT")
assert_match "$report" '^line 30: ERROR: "ldap-over-ssl enable": needs ldap-ca-trustpoint' \
	"the report names the ldap-over-ssl line and the missing key"
assert_match "$report" 'summary: 1 error\(s\), 1 warning\(s\)' "one error, one warning"
assert_match "$report" '^line 60: warning: "participate": the cluster.s nodes are not in this' \
	"the report names participate as needing the peers"
assert_match "$out" 'interim-accounting-update = 3600;' "interim-accounting-update periodic 1"
assert_match "$out" 'dynamic-authorization = true;' "dynamic-authorization"
assert_match "$out" 'authentication-server-group = "RAD LOCAL";' "authentication-server-group"
assert_match "$out" 'authorize-required = true;' "authorization-required"
assert_match "$out" '# ldap-over-ssl = true; ldap-ca-trustpoint = "CA-TRUSTPOINT";' \
	"ldap-over-ssl and ldap-ca-trustpoint left as a comment"
assert_match "$out" 'map-value = \[ "memberOf CN=VPN-Users,OU=Groups,DC=example,DC=com aaa-policy", "memberOf \\"CN=VPN Phones,OU=Groups,DC=example,DC=com\\" aaa-policy" \];' \
	"map-value rows, the quoted DN kept quoted"
assert_match "$out" 'participate = false;' "load_balancing written with participate = false"
assert_match "$out" 'cluster-address = "198\.18\.3\.100";' "cluster ip address"
asa_checked "$TMPD/aaa.conf"

# The edits the report asks for: a CA trustpoint of the input for LDAPS,
# the cluster's nodes.
tp=$(basename "$(find "$PKI/trust" -name '*.pem' | sort | head -n 1)" .pem)
sed -e "s|^\\( *\\)# ldap-over-ssl = true; ldap-ca-trustpoint = \"CA-TRUSTPOINT\"; .*|\\1ldap-over-ssl = true; ldap-ca-trustpoint = \"$tp\";|" \
	-e 's|^\( *\)participate = false;|\1participate = true;|' \
	-e 's|^\( *\)# peers = .*|\1peers = [ "https://198.18.3.1", "https://198.18.3.2" ];|' \
	"$IMPORT_OUT" >"$TMPD/edited.conf"
assert_match "$(cat "$TMPD/edited.conf")" "ldap-ca-trustpoint = \"$(re "$tp")\";" "the LDAPS edit made"
mv "$TMPD/edited.conf" "$IMPORT_OUT"
asa_checked "$TMPD/aaa-edited.conf"
echo "PASS: $T_NAME"
