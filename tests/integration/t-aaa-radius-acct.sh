#!/bin/bash
# t-aaa-radius-acct: RADIUS accounting into a real FreeRADIUS's detail file.
# alice logs in through RADIUS on a tunnel group with an
# accounting-server-group (interim-accounting-update 2 s): a Start, at
# least one Interim-Update and, when openconnect disconnects, a Stop, all
# with Acct-Session-Id = the session's Audt Sess ID (show vpn-sessiondb
# detail anyconnect), the Class of the Access-Accept echoed, and the Stop's
# octets equal to 113019's byte counts, cause User-Request.  Then a Stop
# nobody takes: FreeRADIUS is stopped, bob's session is logged off
# (Administrator Reset), sslvpnd is stopped (SIGTERM): the Stop is kept in
# <state-dir>/acct-stops; with FreeRADIUS back and sslvpnd started again it
# is delivered (Acct-Delay-Time > 0) and the file goes away; carol's
# session, kept across that restart, ends with a Stop carrying the
# Acct-Session-Id of its Start.  Last, a
# Disconnect-Request (RFC 5176, radclient from the RADIUS server's address
# to the dynamic-authorization port) naming alice's Audt Sess ID logs her
# off (100289, Disconnect-ACK, Stop Admin-Reset); one with a wrong key is
# dropped (100290) and one naming no session gets a Disconnect-NAK.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-radius.sh
. "$top_srcdir/tests/integration/lib-radius.sh"

LIB_DEADLINE=200
SECRET='acct-key'
RAD1=198.18.2.1

radius_setup "$RAD1"
{
	radius_users_line alice 'alice-pw' 'Class := "OU=acct-policy;"'
	radius_users_line bob 'bob-pw'
	radius_users_line carol 'carol-pw'
} >"$TMPD/users"
radius_start r1 "$RAD1" "$SECRET" "$TMPD/users"
DETAIL="${RAD_DIR[r1]}/detail"
printf 'alice-pw\n' >"$TMPD/alice"
printf 'bob-pw\n' >"$TMPD/bob"

conf="$TMPD/acct.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
group_policies = ( { name = "acct-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
aaa_servers = (
	{ name = "RAD"; protocol = "radius"; interim-accounting-update = 2;
	  dynamic-authorization = true; dynamic-authorization-port = 3799;
	  hosts = ( { address = "$RAD1"; key = "$SECRET"; authentication-port = 1812;
		      accounting-port = 1813; timeout = 2; retry-interval = 1; } ); }
);
tunnel_groups = (
	{ name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication-server-group = "RAD";
	  accounting-server-group = "RAD"; }
);
CONF
start_sslvpnd -c "$conf"
SOCK="$STATE/ctl.sock"

# detail_records STATUS USER: how many records of that Acct-Status-Type.
detail_records() {
	[ -f "$DETAIL" ] || { echo 0; return; }
	awk -v st="$1" -v u="$2" '
		/^[^ \t]/ { if (s == st && n == u) c++; s = ""; n = "" }
		/Acct-Status-Type = / { s = $3 }
		/User-Name = / { n = $3; gsub(/"/, "", n) }
		END { if (s == st && n == u) c++; print c + 0 }' "$DETAIL"
}
# detail_value STATUS USER ATTR: the attribute in the last such record.
detail_value() {
	awk -v st="$1" -v u="$2" -v a="$3" '
		function flush() { if (s == st && n == u) last = v }
		/^[^ \t]/ { flush(); s = ""; n = ""; v = "" }
		/Acct-Status-Type = / { s = $3 }
		/User-Name = / { n = $3; gsub(/"/, "", n) }
		$1 == a { v = $3; gsub(/"/, "", v) }
		END { flush(); print last }' "$DETAIL"
}

# 1. Start, Interim-Update, Stop of alice.
OC_STDIN="$TMPD/alice" oc_connect a "$SERVER_URL" --user alice --passwd-on-stdin ||
	fail "alice: no tunnel"
assert_ping a
timeout -k 2 15 "$CTL" --socket "$SOCK" show vpn-sessiondb detail anyconnect >"$TMPD/detail.out" ||
	fail "show vpn-sessiondb detail anyconnect"
aid=$(sed -n 's/^Audt Sess ID : \([0-9a-f]\{24\}\)$/\1/p' "$TMPD/detail.out" | head -n 1)
assert_match "$aid" '^[0-9a-f]{24}$' "alice's Audt Sess ID"
wait_for 10 "Start of alice" eval '[ "$(detail_records Start alice)" -ge 1 ]' ||
	fail "no accounting Start of alice in FreeRADIUS's detail file"
ok "Start of alice recorded"
wait_for 10 "Interim-Update of alice" eval '[ "$(detail_records Interim-Update alice)" -ge 1 ]' ||
	fail "no Interim-Update of alice"
ok "Interim-Update of alice recorded"
assert_eq "$aid" "$(detail_value Start alice Acct-Session-Id)" "Start: Acct-Session-Id = Audt Sess ID"
assert_eq "0x$(printf 'OU=acct-policy;' | od -An -tx1 | tr -d ' \n')" "$(detail_value Start alice Class)" \
	"Start: the Access-Accept's Class echoed"
assert_eq "${OC_ADDR[a]}" "$(detail_value Start alice Framed-IP-Address)" "Start: Framed-IP-Address"
oc_stop a
wait_for 10 "113019 of alice" log_has 113019 'Username = alice' || fail "no 113019 for alice"
wait_for 10 "Stop of alice" eval '[ "$(detail_records Stop alice)" -ge 1 ]' ||
	fail "no accounting Stop of alice"
line=$(log_lines 113019 'Username = alice' | tail -n 1)
xmt=$(printf '%s' "$line" | sed -n 's/.*Bytes xmt: \([0-9]*\),.*/\1/p')
rcv=$(printf '%s' "$line" | sed -n 's/.*Bytes rcv: \([0-9]*\),.*/\1/p')
assert_eq "$aid" "$(detail_value Stop alice Acct-Session-Id)" "Stop: Acct-Session-Id"
assert_eq "$rcv" "$(detail_value Stop alice Acct-Input-Octets)" "Stop: Acct-Input-Octets = Bytes rcv"
assert_eq "$xmt" "$(detail_value Stop alice Acct-Output-Octets)" "Stop: Acct-Output-Octets = Bytes xmt"
[ "$rcv" -gt 0 ] || fail "no bytes counted for alice"
assert_eq User-Request "$(detail_value Stop alice Acct-Terminate-Cause)" "Stop: Acct-Terminate-Cause"
[ "$(detail_value Stop alice Acct-Input-Packets)" -gt 0 ] || fail "Stop: no input packets"
ok "Stop: packets counted"

# 2. A Stop that no server takes survives sslvpnd's restart.
OC_STDIN="$TMPD/bob" oc_connect b "$SERVER_URL" --user bob --passwd-on-stdin || fail "bob: no tunnel"
wait_for 10 "Start of bob" eval '[ "$(detail_records Start bob)" -ge 1 ]' || fail "no Start of bob"
# carol's session goes on across the restart (session registry): its AAA
# state (accounting group, Acct-Session-Id) with it, in aaa-sessions.
printf 'carol-pw\n' >"$TMPD/carol"
OC_STDIN="$TMPD/carol" oc_authenticate carol "$SERVER_URL" --user carol --passwd-on-stdin
[ -n "$OC_COOKIE" ] || fail "carol: no cookie"
oc_connect c "$SERVER_URL" --cookie="$OC_COOKIE" --reconnect-timeout 120 || fail "carol: no tunnel"
wait_for 10 "Start of carol" eval '[ "$(detail_records Start carol)" -ge 1 ]' ||
	fail "no Start of carol"
cid=$(detail_value Start carol Acct-Session-Id)
assert_match "$cid" '^[0-9a-f]{24}$' "carol's Start"
for p in "${LIB_PIDS[@]}"; do
	if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = freeradius ]; then
		stop_pid "$p"
	fi
done
timeout -k 2 15 "$CTL" --socket "$SOCK" vpn-sessiondb logoff name bob noconfirm >/dev/null 2>&1 ||
	timeout -k 2 15 "$CTL" --socket "$SOCK" vpn-sessiondb logoff name bob >/dev/null ||
	fail "logoff bob"
wait_for 10 "113019 of bob" log_has 113019 'Username = bob' || fail "no 113019 for bob"
sleep 3   # the Stop is sent, unanswered (timeout 2 s)
main_pid=$(cat "$TMPD/sslvpnd.pid")
kill -TERM "$main_pid"
wait_for 10 "main gone" eval "! pid_alive $main_pid" || fail "main still running"
[ -s "$STATE/acct-stops" ] || fail "the undelivered Stop is not in $STATE/acct-stops"
grep -q ' RAD ' "$STATE/acct-stops" || fail "acct-stops holds no record of group RAD"
ok "the undelivered Stop kept in acct-stops"
grep -q ' RAD ' "$STATE/aaa-sessions" 2>/dev/null ||
	fail "carol's accounting state is not in $STATE/aaa-sessions"
ok "carol's AAA state kept in aaa-sessions"
assert_eq 0 "$(detail_records Stop bob)" "no Stop of bob delivered while the server was down"
radius_start r2 "$RAD1" "$SECRET" "$TMPD/users"
DETAIL="${RAD_DIR[r2]}/detail"
mv "$SRV_LOG" "$TMPD/sslvpnd-before.log"
start_sslvpnd -c "$conf"
wait_for 15 "Stop of bob delivered" eval '[ "$(detail_records Stop bob)" -ge 1 ]' ||
	fail "the kept Stop of bob was not delivered after the restart"
assert_eq Admin-Reset "$(detail_value Stop bob Acct-Terminate-Cause)" "bob's Stop: Admin-Reset"
delay=$(detail_value Stop bob Acct-Delay-Time)
[ "${delay:-0}" -gt 0 ] || fail "bob's Stop has no Acct-Delay-Time"
ok "bob's Stop delivered late (Acct-Delay-Time $delay)"
wait_for 5 "acct-stops removed" eval '[ ! -e "$STATE/acct-stops" ]' ||
	fail "acct-stops still there after delivery"
ok "acct-stops removed once delivered"
wait_for 40 "carol's tunnel back" log_has 722051 "User <carol>.*Address <$(re "${OC_ADDR[c]}")>" ||
	fail "carol's openconnect did not come back after the restart"
oc_stop c
wait_for 15 "Stop of carol" eval '[ "$(detail_records Stop carol)" -ge 1 ]' ||
	fail "no Stop for carol's session after the restart"
assert_eq "$cid" "$(detail_value Stop carol Acct-Session-Id)" \
	"carol's Stop after the restart carries her Start's Acct-Session-Id"
# 3. Disconnect-Request (RFC 5176).
OC_STDIN="$TMPD/alice" oc_connect a2 "$SERVER_URL" --user alice --passwd-on-stdin ||
	fail "alice: no second tunnel"
timeout -k 2 15 "$CTL" --socket "$SOCK" show vpn-sessiondb detail anyconnect >"$TMPD/detail2.out" ||
	fail "show vpn-sessiondb detail anyconnect"
aid2=$(sed -n 's/^Audt Sess ID : \([0-9a-f]\{24\}\)$/\1/p' "$TMPD/detail2.out" | head -n 1)
radclient_send() { # SECRET ATTRS: radclient to the dynamic-authorization port
	printf '%s\n' "$2" | timeout -k 2 10 ip netns exec "$NS_SRV" \
		radclient -x -r 1 -t 2 "$RAD1:3799" disconnect "$1" >"$TMPD/radclient.out" 2>&1
}
radclient_send wrong-key "Acct-Session-Id = \"$aid2\""
assert_log 100290 "request from $(re "$RAD1") refused: bad Request Authenticator" \
	"100290: a Disconnect-Request with the wrong key is dropped"
radclient_send "$SECRET" 'Acct-Session-Id = "000000000000000000000000"'
grep -q 'Disconnect-NAK' "$TMPD/radclient.out" || { cat "$TMPD/radclient.out"; fail "no Disconnect-NAK for an unknown session"; }
ok "Disconnect-NAK for a session that does not exist"
radclient_send "$SECRET" "Acct-Session-Id = \"$aid2\""
grep -q 'Disconnect-ACK' "$TMPD/radclient.out" || { cat "$TMPD/radclient.out"; fail "no Disconnect-ACK"; }
ok "Disconnect-ACK from sslvpnd"
assert_log 100289 "user alice from 198\.18\.0\.2: session $aid2 logged off by a RADIUS Disconnect-Request from $(re "$RAD1")" \
	"100289: alice logged off by the Disconnect-Request"
wait_for 10 "113019 Administrator Reset" log_has 113019 'Username = alice.*Reason: Administrator Reset' ||
	fail "no 113019 Administrator Reset for alice"
wait_for 10 "openconnect a2 gone" eval "! pid_alive ${OC_PID[a2]}" || fail "openconnect still running"
ok "openconnect's session ended"
wait_for 10 "alice's second Stop" eval '[ "$(detail_value Stop alice Acct-Session-Id)" = "$aid2" ]' ||
	fail "no Stop for the disconnected session"
assert_eq Admin-Reset "$(detail_value Stop alice Acct-Terminate-Cause)" "Stop after Disconnect: Admin-Reset"
assert_server_alive
echo "PASS: $T_NAME"
