#!/bin/bash
# t-phone-certhash: the CUCM <vpnGroup> snippet `certhash` prints works as
# it is.  A phone configured with exactly that snippet (url1, authMethod,
# certHash) connects and lands in the tunnel group the snippet was made for:
#   - certhash _temporary on a configuration whose only group-url is the
#     phones' certificate tunnel group: url1 = that group-url, authMethod 2;
#   - with two group-url tunnel groups certhash without --tunnel-group
#     refuses (names both), an unknown --tunnel-group is refused, and
#     --tunnel-group picks: the certificate group (authMethod 2) and the
#     aaa one (authMethod 0, the phone posts username and password);
#   - with no group-url at all the snippet is for DefaultWEBVPNGroup, url1
#     the identity's host.
# The interface has no trustpoint: phones (RSA-only offers) get the RSA
# temporary certificate, certHash1 of certhash _temporary.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861           |  TLS/DTLS| sslvpnd -f -c two.conf        |
#   |   --vpngroup <certhash output> |=========>|  vpn-phone-group: certificate |
#   |                                |          |    group-url .../phone        |
#   |                                |          |  pw-phone-group: aaa          |
#   |                                |          |    group-url .../pw           |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

lib_init
phone_init
pki_ensure
netns_setup
state_init

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PW_URL="https://$SRV_IP/pw"
hash=$(printf '%s\n' 'phone-pw-9' | "$SSLVPND" --hash-password) || fail "--hash-password"

# conf FILE PW-GROUP-URL-LINE: the phones' certificate group on $PHONE_URL,
# and an aaa group (with or without a group-url).
conf() {
	cat >"$1" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
group_policies = ( { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["$PHONE_URL"]; },
                  { name = "pw-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "aaa";
                    $2 } );
users = ( { name = "phone1"; password = "$hash"; } );
CONF
}
conf "$TMPD/one.conf" ""
conf "$TMPD/two.conf" "group-url = [\"$PW_URL\"];"
start_sslvpnd -c "$TMPD/two.conf"

crypto() { # CONF ARGS...: sslvpnd --crypto; OUT, ERR, RC
	local c=$1
	shift
	OUT="$TMPD/crypto.out"
	ERR="$TMPD/crypto.err"
	timeout -k 2 30 "$SSLVPND" -c "$c" --crypto "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}
# snippet FILE: the <vpnGroup> element certhash printed ($OUT), unchanged.
snippet() {
	sed -n '/^<vpnGroup>$/,/^<\/vpnGroup>$/p' "$OUT" >"$1"
	[ -s "$1" ] || fail "certhash printed no <vpnGroup>: $(cat "$OUT")"
	sed 's/^/    /' "$1"
}
elem() { sed -n "s/^ *<$2>\(.*\)<\/$2>$/\1/p" "$1"; } # FILE NAME
rsa_b64=$(server_hash_b64)
cert="$PKI/mic-sha2/leaf-fullchain.pem"
key="$PKI/mic-sha2/leaf.key"

# in_group GROUP: the phone's session is listed under tunnel group GROUP.
in_group() {
	timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show vpn-sessiondb anyconnect \
		>"$TMPD/sessiondb.out" 2>&1 &&
		grep -Eq "Tunnel Group *: $1\$" "$TMPD/sessiondb.out"
}

# phone_in_group NAME GROUP ARGS...: the phone (held 6 s) gets an address and
# its session is listed in GROUP; it then exits 0.
phone_in_group() {
	local name=$1 group=$2
	shift 2
	run_phone_bg "$name" -p 8861 "$@" --hold 6
	wait_for 20 "$name: connected" phone_has_addr ||
		{ phone_wait; fail "$name: the phone configured with the certhash snippet did not connect"; }
	wait_for 5 "$name: session in $group" in_group "$group" ||
		fail "$name: no session in tunnel group $group: $(cat "$TMPD/sessiondb.out")"
	ok "$name: connected with the snippet as printed, tunnel group $group"
	phone_wait
	assert_rc 0 "$PHONE_RC" "$name: sslvpn-phone exit code"
}

# 1. One group-url tunnel group: certhash needs no --tunnel-group.
crypto "$TMPD/one.conf" certhash _temporary
[ "$RC" -eq 0 ] || fail "certhash _temporary (one group-url): exit $RC: $(cat "$ERR")"
snippet "$TMPD/one.xml"
assert_eq "$PHONE_URL" "$(elem "$TMPD/one.xml" url1)" "url1 = group-url of vpn-phone-group"
assert_eq 2 "$(elem "$TMPD/one.xml" authMethod)" "authMethod 2 for a certificate tunnel group"
assert_eq "$rsa_b64" "$(elem "$TMPD/one.xml" certHash1)" "certHash1 = the RSA certificate phones get"
phone_in_group one vpn-phone-group --vpngroup "$TMPD/one.xml" --cert "$cert" --key "$key"

# 2. Two group-url tunnel groups: refused without --tunnel-group.
crypto "$TMPD/two.conf" certhash _temporary
assert_fails "$RC" "certhash with two group-url tunnel groups and no --tunnel-group"
assert_match "$(cat "$ERR")" 'several tunnel groups have a group-url \(vpn-phone-group, pw-phone-group\).*--tunnel-group NAME' \
	"error names both candidates and --tunnel-group"
crypto "$TMPD/two.conf" certhash _temporary --tunnel-group nosuch
assert_fails "$RC" "certhash --tunnel-group of an unknown tunnel group"
assert_match "$(cat "$ERR")" 'no tunnel-group nosuch' "error names the unknown tunnel group"
crypto "$TMPD/one.conf" certhash _temporary --tunnel-group pw-phone-group
assert_fails "$RC" "certhash --tunnel-group of a group without group-url"
assert_match "$(cat "$ERR")" 'tunnel-group pw-phone-group has no enabled group-url' \
	"error says the tunnel group has no group-url"
assert_match "$(cat "$ERR")" "DefaultWEBVPNGroup\\)$" "error says where phones would land"

# 3. The same through sslvpnctl on the running configuration.
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" certhash _temporary \
	>"$TMPD/crypto.out" 2>"$TMPD/crypto.err"
assert_fails $? "sslvpnctl certhash with two group-url tunnel groups and no --tunnel-group"
assert_match "$(cat "$TMPD/crypto.out" "$TMPD/crypto.err")" \
	'several tunnel groups have a group-url \(vpn-phone-group, pw-phone-group\): choose with --tunnel-group NAME' \
	"sslvpnctl: the whole error, naming both candidates"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" certhash _temporary --tunnel-group vpn-phone-group \
	>"$TMPD/crypto.out" 2>"$TMPD/crypto.err" ||
	fail "sslvpnctl certhash --tunnel-group vpn-phone-group: $(cat "$TMPD/crypto.err")"
OUT="$TMPD/crypto.out"
snippet "$TMPD/cert.xml"
assert_eq "$PHONE_URL" "$(elem "$TMPD/cert.xml" url1)" "--tunnel-group vpn-phone-group: url1"
assert_eq 2 "$(elem "$TMPD/cert.xml" authMethod)" "--tunnel-group vpn-phone-group: authMethod 2"
phone_in_group cert vpn-phone-group --vpngroup "$TMPD/cert.xml" --cert "$cert" --key "$key"

# 4. The aaa tunnel group: authMethod 0, the phone posts user and password.
crypto "$TMPD/two.conf" certhash _temporary --tunnel-group pw-phone-group
[ "$RC" -eq 0 ] || fail "certhash --tunnel-group pw-phone-group: exit $RC: $(cat "$ERR")"
snippet "$TMPD/pw.xml"
assert_eq "$PW_URL" "$(elem "$TMPD/pw.xml" url1)" "--tunnel-group pw-phone-group: url1"
assert_eq 0 "$(elem "$TMPD/pw.xml" authMethod)" "--tunnel-group pw-phone-group: authMethod 0 (user and password)"
phone_in_group pw pw-phone-group --vpngroup "$TMPD/pw.xml" --username phone1 --password phone-pw-9
assert_log 113012 'user = phone1' "113012: phone1 authenticated by the local database"

# 5. No tunnel group has a group-url: phones land in DefaultWEBVPNGroup, so
# the snippet is for it, url1 the identity's host (its CN here).
stop_pid "$SRV_PID" TERM
mv "$SRV_LOG" "$TMPD/sslvpnd-two.log"
cat >"$TMPD/none.conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; trustpoint = "ID"; } );
trustpoints = ( { name = "ID"; enrollment = "self"; subject-name = "CN=$SRV_IP"; key-type = "rsa"; },
                { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$TMPD/none.conf"
crypto "$TMPD/none.conf" certhash ID
[ "$RC" -eq 0 ] || fail "certhash with no group-url anywhere: exit $RC: $(cat "$ERR")"
assert_match "$(cat "$OUT")" 'for tunnel-group DefaultWEBVPNGroup:' "no group-url: the snippet is for DefaultWEBVPNGroup"
snippet "$TMPD/none.xml"
assert_eq "https://$SRV_IP/" "$(elem "$TMPD/none.xml" url1)" "no group-url: url1 is the identity's host"
assert_eq 2 "$(elem "$TMPD/none.xml" authMethod)" "DefaultWEBVPNGroup (certificate): authMethod 2"
phone_in_group dflt DefaultWEBVPNGroup --vpngroup "$TMPD/none.xml" --cert "$cert" --key "$key"
assert_server_alive
echo "PASS: $T_NAME"
