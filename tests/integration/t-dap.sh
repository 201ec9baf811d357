#!/bin/bash
# t-dap: dynamic access policies as in seed 001 (asa-behaviour.md section 7).
# 1. DfltAccessPolicy with action terminate (and a record for Windows
#    laptops the phone does not match): the CP-7962G authenticates (716038)
#    and is refused by DAP: 734003 (aaa.cisco.grouppolicy), 734001 and
#    734002 naming DfltAccessPolicy, in that order; no cookie, no address.
# 2. sslvpnd restarted with a record matching the phone's connection profile
#    (aaa.cisco.tunnelgroup) with action continue: admitted, 722051 then
#    734001 naming the record, tunnel up, ping through it.
# 3. Two records with network ACLs (permit all; deny ICMP to 198.18.1.1)
#    and a group policy vpn-filter NO-TRAFFIC: the DAP lists replace it and
#    aggregate deny-first, so voice (UDP) passes and ping does not.
# 4. openconnect with the same certificate: its User-Agent makes it no
#    IPPhone, so a record "NONE of clienttype IPPhone" terminates it.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 7962G          |  TLS1.0  | sslvpnd -f -c dap-N.conf      |
#   | openconnect --authenticate (4) |          |                               |
#   |  MIC mic-sha1/leaf (SHA-1)     |===443===>|  tunnel group vpn-phone-group |
#   |  ping 198.18.1.1               |          |  DAP records, debug 1 (734003)|
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
phone_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init

WINDOWS='{ name = "WindowsLaptops"; priority = 20;
    endpoint = { criteria = [ "endpoint.anyconnect.platform = win" ]; }; }'
DFLT='{ name = "DfltAccessPolicy"; action = "terminate";
    user-message = "This device type is not allowed"; }'
PHONES='{ name = "VPNPhone"; priority = 10; action = "continue";
    aaa = { criteria = [ "aaa.cisco.tunnelgroup = vpn-phone-group" ]; }; }'

# dap_config FILE RECORDS: the phone configuration (lib-phone.sh) with the
# DAP records and debug logging (734003 has debug severity).
dap_config() {
	PHONE_CONF_EXTRA="dynamic_access_policy_records = ( $2 );" phone_config "$1"
	sed -i 's/format = "asa"; };/format = "asa"; debug = 1; };/' "$1"
	grep -q 'debug = 1;' "$1" || fail "could not enable debug logging in $1"
}

# line_of ID ERE: the number of the first server log line of event ID
# matching ERE (empty when there is none).
line_of() {
	grep -nE -- "%(ASA|SSLVPND)-[0-7]-$1: .*$2" "$SRV_LOG" | head -n 1 | cut -d: -f1
}

# assert_before WHAT FIRST SECOND: log line numbers, FIRST < SECOND.
assert_before() {
	if [ -z "$2" ] || [ -z "$3" ] || [ "$2" -ge "$3" ]; then
		fail "$1: expected line ${2:-none} before line ${3:-none}"
	fi
	ok "$1"
}

cert="$PKI/mic-sha1/leaf-fullchain.pem"
key="$PKI/mic-sha1/leaf.key"
cn=$(cert_cn "$cert")
user=$(re "$cn")
peer=$(re "$CLI_IP")

# ---- 1: DfltAccessPolicy terminate refuses the phone
dap_config "$TMPD/dap-1.conf" "$WINDOWS, $DFLT"
start_sslvpnd -c "$TMPD/dap-1.conf"
run_phone refused -p 7962G --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$cert" --key "$key" --no-dtls --fail-connect-time 5
assert_fails "$PHONE_RC" "the phone is refused"
assert_phone_log '401 authentication failed' "the phone got its 401 (no cookie)"
assert_log 716038 "User <$user> IP <$peer> Authentication: successful" \
	"716038: $cn authenticated"
assert_log 734003 "DAP: User $user, Addr $peer: Session Attribute aaa\.cisco\.grouppolicy = vpn-phone-policy\$" \
	"734003: the session's group policy"
assert_log 734003 "Session Attribute aaa\.cisco\.tunnelgroup = vpn-phone-group\$" \
	"734003: the connection profile"
assert_log 734003 "Session Attribute endpoint\.anyconnect\.devicetype = CP-7962G\$" \
	"734003: the phone model from the MIC"
assert_log 734001 "DAP: User $user, Addr $peer, Connection AnyConnect: The following DAP records were selected for this connection: DfltAccessPolicy\$" \
	"734001: DfltAccessPolicy selected"
assert_log 734002 "DAP: User $user, Addr $peer: Connection terminated by the following DAP records: DfltAccessPolicy\$" \
	"734002: terminated by DfltAccessPolicy"
l_auth=$(line_of 716038 "User <$user>")
l_attr=$(line_of 734003 "aaa\.cisco\.grouppolicy")
l_sel=$(line_of 734001 "DfltAccessPolicy")
l_term=$(line_of 734002 "DfltAccessPolicy")
assert_before "716038 before 734003" "$l_auth" "$l_attr"
assert_before "734003 before 734001" "$l_attr" "$l_sel"
assert_before "734001 before 734002" "$l_sel" "$l_term"
assert_no_log 716039 "User <$user>" "DAP refusal is not logged as 716039"
# The same four lines as text against seed 001's ASA log (the technote's
# broken lines joined, its <snip> of other 734003 attributes kept out),
# only the values masked: user, addresses, the policy name.
seed001_dap='%ASA-6-716038: Group <DfltGrpPolicy> User <CP-7962G-SEP8CB64F576113> IP <172.16.250.9> Authentication: successful, Session Type: WebVPN.
%ASA-7-734003: DAP: User CP-7962G-SEP8CB64F576113, Addr 172.16.250.9: Session Attribute aaa.cisco.grouppolicy = GroupPolicy_VPNPhone
%ASA-6-734001: DAP: User CP-7962G-SEP8CB64F576113, Addr 172.16.250.9, Connection AnyConnect: The following DAP records were selected for this connection: DfltAccessPolicy
%ASA-5-734002: DAP: User CP-7962G-SEP8CB64F576113, Addr 172.16.250.9: Connection terminated by the following DAP records: DfltAccessPolicy'
dap_mask() {
	grep -o '%ASA-[0-7]-\(716038\|734001\|734002\|734003: .*aaa\.cisco\.grouppolicy\): .*' |
		sed -E -e 's/CP-[0-9A-Z]+-SEP[0-9A-F]+/USER/g' -e 's/[0-9]{1,3}(\.[0-9]{1,3}){3}/IP/g' \
			-e 's/(aaa\.cisco\.grouppolicy = ).*/\1POLICY/'
}
want=$(printf '%s\n' "$seed001_dap" | dap_mask)
got=$(dap_mask <"$SRV_LOG")
if [ "$want" != "$got" ]; then
	printf '  expected:\n%s\n  actual:\n%s\n' "$want" "$got"
	fail "DAP refusal: seed 001's four lines, only the values differ"
fi
ok "DAP refusal: seed 001's four lines in order, only the values differ"
assert_no_log 722051 "User <$user>" "no address assigned"
assert_no_log 734001 "WindowsLaptops" "the Windows record did not match the phone"
assert_server_alive
stop_pid "$SRV_PID" TERM
mv "$SRV_LOG" "$TMPD/sslvpnd-1.log"

# ---- 2: a record on the phones' connection profile admits it
dap_config "$TMPD/dap-2.conf" "$WINDOWS, $PHONES, $DFLT"
start_sslvpnd -c "$TMPD/dap-2.conf"
run_phone admitted -p 7962G --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$cert" --key "$key" --no-dtls --ping "$BEHIND_IP" --ping-count 3 --json
assert_rc 0 "$PHONE_RC" "the phone is admitted"
assert_eq 3 "$(json_get ping.rx)" "3/3 ICMP echo replies from $BEHIND_IP through the tunnel"
assert_log 722051 "User <$user> IP <$peer> Address <198\.19\.0\.[0-9]+> assigned to session" \
	"722051: address assigned"
assert_log 734001 "DAP: User $user, Addr $peer, Connection AnyConnect: The following DAP records were selected for this connection: VPNPhone\$" \
	"734001: VPNPhone selected"
assert_before "722051 before 734001" "$(line_of 722051 "User <$user>")" \
	"$(line_of 734001 "VPNPhone")"
assert_no_log 734002 "" "no connection terminated by DAP"
assert_no_log 734001 "DfltAccessPolicy" "DfltAccessPolicy not selected"
ctl_out="$TMPD/showrun-dap.out"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show running-config \
	dynamic-access-policy-record >"$ctl_out" 2>&1 ||
	fail "sslvpnctl show running-config dynamic-access-policy-record: $(cat "$ctl_out")"
sed 's/^/    /' "$ctl_out"
assert_eq "dynamic-access-policy-record DfltAccessPolicy" "$(head -n 1 "$ctl_out")" \
	"show running-config: DfltAccessPolicy first"
grep -q '^ action terminate$' "$ctl_out" || fail "show running-config: no 'action terminate'"
grep -q '^ ! aaa ANY: aaa.cisco.tunnelgroup = vpn-phone-group$' "$ctl_out" ||
	fail "show running-config: the VPNPhone criterion is not shown"
ok "sslvpnctl show running-config dynamic-access-policy-record"
dap_out="$TMPD/showdap.out"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show dap VPNPhone >"$dap_out" 2>&1 ||
	fail "sslvpnctl show dap VPNPhone: $(cat "$dap_out")"
assert_eq "dynamic-access-policy-record VPNPhone" "$(head -n 1 "$dap_out")" \
	"show dap VPNPhone: that record"
grep -q 'DfltAccessPolicy' "$dap_out" && fail "show dap VPNPhone shows other records too"
ok "sslvpnctl show dap NAME"
assert_server_alive
stop_pid "$SRV_PID" TERM
mv "$SRV_LOG" "$TMPD/sslvpnd-2.log"

# ---- 3: network ACLs of two selected records replace the group policy's
# vpn-filter (NO-TRAFFIC would drop everything) and aggregate deny-first:
# the permit-all list of the higher-priority record comes first, yet the
# other record's deny of ICMP to $BEHIND_IP wins; UDP voice passes.
ACLS="access_lists = (
  { name = \"NO-TRAFFIC\"; type = \"extended\"; entries = \"deny ip any any\"; },
  { name = \"DAP-PERMIT-ALL\"; type = \"extended\"; entries = \"permit ip any any\"; },
  { name = \"DAP-NO-PING\"; type = \"extended\"; entries = \"deny icmp any host $BEHIND_IP\"; } );"
PERMIT='{ name = "PhonesPermit"; priority = 10;
    aaa = { criteria = [ "aaa.cisco.tunnelgroup = vpn-phone-group" ]; }; network-acl = "DAP-PERMIT-ALL"; }'
NOPING='{ name = "PhonesNoPing"; priority = 5; network-acl = "DAP-NO-PING";
    endpoint = { match = "ALL"; criteria = [ "endpoint.application.clienttype = IPPhone",
                                             "endpoint.anyconnect.devicetype = CP-7962G" ]; }; }'
NOTPHONES='{ name = "NotPhones"; action = "terminate"; user-message = "IP phones only";
    endpoint = { match = "NONE"; criteria = "endpoint.application.clienttype = IPPhone"; }; }'
dap_config "$TMPD/dap-3.conf" "$WINDOWS, $NOPING, $PERMIT, $NOTPHONES, $DFLT"
printf '%s\n' "$ACLS" >>"$TMPD/dap-3.conf"
sed -i 's/vpn-tunnel-protocol = \["ssl-client"\];/& vpn-filter = "NO-TRAFFIC";/' "$TMPD/dap-3.conf"
grep -q 'vpn-filter = "NO-TRAFFIC"' "$TMPD/dap-3.conf" || fail "could not set the vpn-filter"
start_sslvpnd -c "$TMPD/dap-3.conf"
start_echo
run_phone filtered -p 7962G --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$cert" --key "$key" --no-dtls --ping "$BEHIND_IP" --ping-count 3 \
	--voice "$BEHIND_IP:$ECHO_PORT" --voice-secs 2 --json
assert_log 734001 "The following DAP records were selected for this connection: PhonesPermit, PhonesNoPing\$" \
	"734001: both records, higher priority first"
assert_log 100604 "network ACLs DAP-PERMIT-ALL DAP-NO-PING replace the group policy vpn-filter \\(deny entries first\\)" \
	"100604: DAP lists replace NO-TRAFFIC, deny-first"
assert_eq 0 "$(json_get ping.rx)" "ICMP to $BEHIND_IP denied by the aggregated DAP ACL"
assert_eq 100 "$(json_get voice.tx)" "voice: 2 s x 50 pps sent"
assert_eq 100 "$(json_get voice.rx)" "voice passes: NO-TRAFFIC was replaced by the DAP ACLs"
assert_no_log 734001 "NotPhones" "NotPhones (NONE of clienttype IPPhone) did not select the phone"

# ---- 4: openconnect with the same certificate on the same connection
# profile is no IP phone: NotPhones (NONE of clienttype IPPhone) terminates.
oc_authenticate oc "$PHONE_URL" -c "$cert" -k "$key"
assert_eq "" "$OC_COOKIE" "openconnect gets no cookie"
assert_fails "$OC_AUTH_RC" "openconnect stops on the DAP termination"
grep -q 'IP phones only' "$TMPD/oc.auth.err" ||
	fail "openconnect did not show the DAP user-message: $(tr '\n' '|' <"$TMPD/oc.auth.err")"
ok "openconnect shows the DAP user-message"
assert_log 734003 "Addr $peer: Session Attribute endpoint\.application\.clienttype = OpenConnect\$" \
	"734003: openconnect's client type from its User-Agent"
assert_log 734001 "selected for this connection: PhonesPermit, NotPhones\$" \
	"734001: openconnect matches the profile record and NotPhones"
assert_log 734002 "Connection terminated by the following DAP records: NotPhones\$" \
	"734002: terminated by NotPhones"
assert_server_alive
echo "PASS: $T_NAME"
