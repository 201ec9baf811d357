#!/bin/bash
# t-import-seed001: seed 001 through sslvpn-asa-import, both ways.
#  - The broken configuration the seed troubleshoots imports with no error
#    and passes `sslvpnd -t` (its faults are configuration, not syntax: the
#    doctor names them); served, it refuses the phone as the ASA did: first
#    for CSD, then (CSD off) naming what GroupPolicy_VPNPhone inherits from
#    DfltGrpPolicy.
#  - The configuration with the seed's fixes (the corrected
#    GroupPolicy_VPNPhone, without-csd, a DAP record for the phones, the
#    cipher list) imports with no error, passes `sslvpnd -t` and serves
#    openconnect and sslvpn-phone as the seed's 7962G (TLS 1.0, SHA-1 MIC).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect, sslvpn-phone 7962G|  TLS 443 | sslvpnd -f -c seed001-*.conf  |
#   |  https://asa5520-c.cisco.com/  |=========>|  tunnel group VPNPhone        |
#   |   VPNPhone (--resolve)         |          |                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"
# shellcheck source=tests/integration/lib-asaimport.sh
. "$top_srcdir/tests/integration/lib-asaimport.sh"

lib_init
phone_init
pki_ensure
netns_setup
state_init

host=asa5520-c.cisco.com
url="https://$host/VPNPhone"
cert="$PKI/mic-sha1/leaf-fullchain.pem"
key="$PKI/mic-sha1/leaf.key"
u="User <$(re "$(cert_cn "$cert")")>"

# import NAME: the fixture with the lab pool and the lab PKI's CA chains,
# imported and made runnable as $TMPD/NAME.conf.
import() {
	local in="$TMPD/$1.txt"
	{
		sed 's/10\.10\.10\.10-10\.10\.10\.100/198.19.0.10-198.19.0.250/' "$ASA_FIXTURES/$1.txt"
		asa_lab_trustpoints
	} >"$in"
	rm -rf "$TMPD/certs"
	asa_import "$in"
	asa_assert_clean
	asa_checked "$TMPD/$1.conf"
}

import seed001-broken
assert_match "$(cat "$IMPORT_OUT")" 'group-lock = "DefaultWEBVPNGroup";' \
	"DfltGrpPolicy's group-lock carried over"
assert_match "$(cat "$IMPORT_OUT")" 'tlsv1 = "AES128-SHA:AES256-SHA";' \
	"ssl encryption: the AES ciphers kept, RC4 and 3DES left out"
assert_match "$(cat "$IMPORT_REPORT")" 'line [0-9]+: note: ssl encryption rc4-sha1 left out' \
	"the report names the dropped cipher with its line"
start_sslvpnd -c "$TMPD/seed001-broken.conf"
oc_authenticate broken "$url" --resolve "$host:$SRV_IP" -c "$cert" -k "$key"
[ -z "$OC_COOKIE" ] || fail "the broken configuration admitted the phone"
ok "the broken configuration refuses the phone"
# The first fault the phone meets is the seed's CSD one (csd enable, no
# without-csd): the ASA's debug line, before any policy is looked at.
assert_log 100810 "CSD data not sent from client" "the refusal is the seed's CSD one"
stop_pid "$SRV_PID"
mv "$SRV_LOG" "$TMPD/sslvpnd-broken-csd.log" # the next start waits for its own 100007
# With CSD off, the next fault: what GroupPolicy_VPNPhone inherits.
sed 's/^  csd = true;$/  csd = false;/' "$TMPD/seed001-broken.conf" >"$TMPD/seed001-nocsd.conf"
start_sslvpnd -c "$TMPD/seed001-nocsd.conf"
oc_authenticate nocsd "$url" --resolve "$host:$SRV_IP" -c "$cert" -k "$key"
[ -z "$OC_COOKIE" ] || fail "the broken configuration without CSD admitted the phone"
assert_log 100215 "$u .*\\(from DfltGrpPolicy\\)" "the refusal names what DfltGrpPolicy gave"
stop_pid "$SRV_PID"
mv "$SRV_LOG" "$TMPD/sslvpnd-broken.log"

import seed001-fixed
assert_match "$(cat "$IMPORT_OUT")" 'without-csd = true;' "without-csd carried over"
start_sslvpnd -c "$TMPD/seed001-fixed.conf"
start_echo
oc_connect oc "$url" --resolve "$host:$SRV_IP" -c "$cert" -k "$key" ||
	fail "openconnect found no tunnel with the fixed configuration"
assert_in_pool "${OC_ADDR[oc]}" "openconnect's address"
assert_ping oc
oc_stop oc
run_phone p7962 -p 7962G --url "$url" --resolve "$host:$SRV_IP" \
	--cert-hash "$(server_hash_b64)" --cert "$cert" --key "$key" \
	--ping "$BEHIND_IP" --ping-count 3 --json
assert_rc 0 "$PHONE_RC" "sslvpn-phone as the seed's 7962G"
assert_eq TLSv1 "$(json_get session.tls_version)" "TLS 1.0"
assert_eq 3 "$(json_get ping.rx)" "3/3 ICMP echo replies through the phone's tunnel"
assert_log 722051 "Group <GroupPolicy_VPNPhone> $u" "722051 under GroupPolicy_VPNPhone"
assert_log 734001 "VPNPhone" "DAP selected the imported VPNPhone record"
assert_server_alive
echo "PASS: $T_NAME"
