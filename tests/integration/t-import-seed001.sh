#!/bin/bash
# t-import-seed001: seed 001 through sslvpn-asa-import, both ways.
#  - The broken configuration the seed troubleshoots imports with no error
#    and passes `sslvpnd -t` (its faults are configuration, not syntax: the
#    doctor names them); served, it refuses the phone as the ASA did: first
#    for CSD, then (CSD off) naming what GroupPolicy_VPNPhone inherits from
#    DfltGrpPolicy.
#  - `sslvpnd --doctor` on the imported broken configuration names, by check,
#    every fault of it the seed troubleshoots: csd (no without-csd), the four
#    DfltGrpPolicy values GroupPolicy_VPNPhone inherits (dflt-grp-policy),
#    DfltAccessPolicy terminate (dap-terminate); and none it does not have
#    (host-id: the group-url host is the self-signed identity's CN;
#    lb-redirect: no vpn load-balancing). On the fixed one, none of them.
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

# doctor CONF: `sslvpnd --doctor -c CONF` into $TMPD/doctor-NAME.out; sets
# DOCTOR_OUT (its text) and DOCTOR_RC.
doctor() {
	local out
	out="$TMPD/doctor-$(basename "$1" .conf).out"
	timeout -k 2 30 "$SSLVPND" --doctor -c "$1" --state-dir "$STATE" >"$out" 2>&1
	DOCTOR_RC=$?
	sed 's/^/    | /' "$out"
	DOCTOR_OUT=$(cat "$out")
}

# doctor_names CHECK ERE WHAT: a finding of CHECK (seed 001) matching ERE.
doctor_names() {
	grep -Eq -- "^warning $1 \\(seed 001[^)]*\\): tunnel group VPNPhone: $2" <<<"$DOCTOR_OUT" ||
		fail "the doctor does not name $3 (check $1)"
	ok "doctor check $1: $3"
}

# doctor_silent CHECK...: no finding of these checks.
doctor_silent() {
	local c
	for c in "$@"; do
		if grep -Eq -- "^[a-z]+ $c " <<<"$DOCTOR_OUT"; then
			fail "the doctor reports check $c"
		fi
	done
	ok "the doctor reports none of: $*"
}

import seed001-broken
doctor "$TMPD/seed001-broken.conf"
assert_rc 1 "$DOCTOR_RC" "sslvpnd --doctor on the broken import: warnings, no error"
doctor_names csd 'webvpn csd is enabled and this phone tunnel group lacks without-csd' \
	"csd enable without without-csd"
doctor_names dflt-grp-policy 'every phone is refused: vpn-tunnel-protocol of group policy GroupPolicy_VPNPhone \(from DfltGrpPolicy\) does not include ssl-client' \
	"vpn-tunnel-protocol inherited from DfltGrpPolicy"
doctor_names dflt-grp-policy 'every phone is refused: group-lock value DefaultWEBVPNGroup \(from DfltGrpPolicy\)' \
	"group-lock inherited from DfltGrpPolicy"
doctor_names dflt-grp-policy 'every phone is refused: vpn-simultaneous-logins is 0 \(from DfltGrpPolicy\)' \
	"vpn-simultaneous-logins 0 inherited from DfltGrpPolicy"
doctor_names dflt-grp-policy 'policy GroupPolicy_VPNPhone inherits vpn-filter NO-TRAFFIC from DfltGrpPolicy' \
	"vpn-filter NO-TRAFFIC inherited from DfltGrpPolicy"
doctor_names dap-terminate 'DAP terminates its phones \(DfltAccessPolicy\)' \
	"DfltAccessPolicy action terminate"
doctor_silent host-id lb-redirect
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
doctor "$TMPD/seed001-fixed.conf"
doctor_silent csd dflt-grp-policy dap-terminate host-id lb-redirect
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
