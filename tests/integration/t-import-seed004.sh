#!/bin/bash
# t-import-seed004: seed 004's management-tunnel configuration, pasted as
# the web page shows it (<#root>, fences, commands split one word per line),
# through sslvpn-asa-import: no error, `sslvpnd -t` accepts the output, and
# openconnect gets the management tunnel at the seed's group-url.
#
# Needs the S7 keys (anyconnect_profiles, anyconnect_custom_attrs/data,
# webvpn hsts/cache/...): it joins ASAIMPORT_TESTS (src/tools/asaimport/
# asaimport.am) once S7 is merged; before that `sslvpnd -t` refuses them.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (certificate)      |  TLS 443 | sslvpnd -f -c seed004.conf    |
#   |  https://asa.example.com/      |=========>|  AnyConnect_MGMT_Tunnel       |
#   |   AnyConnect_MGMT_Tunnel       |          |  profile, custom attribute    |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-asaimport.sh
. "$top_srcdir/tests/integration/lib-asaimport.sh"

lib_init
pki_ensure
netns_setup
state_init

# The seed's pool is 192.168.10.0/24; the lab uses 198.19.0.0/24.
in="$TMPD/seed004.txt"
{
	sed 's/192\.168\.10\.1-192\.168\.10\.100/198.19.0.10-198.19.0.250/' \
		"$ASA_FIXTURES/seed004-mgmt.txt"
	asa_lab_trustpoints
} >"$in"
asa_import "$in"
asa_assert_clean
out=$(cat "$IMPORT_OUT")
assert_match "$out" 'anyconnect-profiles = \[ "AnyConnect_MGMT_Profile type vpn-mgmt" \];' \
	"the policy's vpn-mgmt profile"
assert_match "$out" 'anyconnect-custom = \[ "ManagementTunnelAllAllowed value true" \];' \
	"the policy's custom attribute"
assert_match "$out" 'vpn-tunnel-protocol = \[ "ikev2", "ssl-client" \];' \
	"vpn-tunnel-protocol joined from its split lines"
# The report asked for the profile file from the ASA's disk0:.
profile="$TMPD/certs/anyconnect_mgmt_profile.vpnm"
assert_match "$(cat "$IMPORT_REPORT")" \
	"copy the profile disk0:/anyconnect_mgmt_profile.vpnm .* to $(re "$profile")" \
	"the report names where the profile goes"
cat >"$profile" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<AnyConnectProfile xmlns="http://schemas.xmlsoap.org/encoding/">
  <ClientInitialization><AllowManualHostInput>false</AllowManualHostInput></ClientInitialization>
</AnyConnectProfile>
XML
conf="$TMPD/seed004.conf"
asa_checked "$conf"

start_sslvpnd -c "$conf"
host=asa.example.com
oc_connect mgmt "https://$host/AnyConnect_MGMT_Tunnel" --resolve "$host:$SRV_IP" \
	-c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "openconnect found no management tunnel at the seed's group-url"
assert_in_pool "${OC_ADDR[mgmt]}" "the management tunnel's address"
assert_ping mgmt
assert_log 722051 "Group <AnyConnect_MGMT_Tunnel> " "722051 under AnyConnect_MGMT_Tunnel"
assert_server_alive
echo "PASS: $T_NAME"
