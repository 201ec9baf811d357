#!/bin/bash
# t-max-sessions: limits.max-sessions, the platform session limit (the
# ASA's vpn-sessiondb max-anyconnect-premium-or-essentials-limit): with
# max-sessions = 2 and two sessions up, a third login is refused (716039
# with the reason, 100323) and gets no cookie; the running sessions are
# untouched (vpn-simultaneous-logins is 3 here, so no logoff makes room).
# limits.max-preauth-total: with the two tunnels up (tunnels do not count)
# and 3 connections held before the handshake, main closes the next one at
# accept (100322 "in total"), from any address; once they are gone a new
# connection is served again.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A, B               |  TLS 443 | sslvpnd -f -c max.conf        |
#   | openconnect --authenticate C   |=========>|  limits.max-sessions = 2      |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/max.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
limits = { max-sessions = 2; max-preauth-total = 3; handshake-timeout = 10; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; vpn-simultaneous-logins = 3; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
con() { oc_connect "$1" "$SERVER_URL" -c "$cert" -k "$key" --no-dtls || fail "$1: no tunnel"; }

con a
con b
assert_ne "${OC_ADDR[a]}" "${OC_ADDR[b]}" "two sessions up"
oc_authenticate c "$SERVER_URL" -c "$cert" -k "$key"
[ -z "$OC_COOKIE" ] || fail "a third login got a cookie with max-sessions = 2"
ok "the third login gets no cookie"
assert_log 100323 "login of $(re "$cn") from $(re "$CLI_IP") refused: the 2 sessions of max-sessions are in use" \
	"100323: session limit logged"
assert_log 100215 "User <$(re "$cn")> .*the maximum number of sessions is reached" \
	"100215: the refusal names the session limit"
pid_alive "${OC_PID[a]}" || fail "session A ended"
pid_alive "${OC_PID[b]}" || fail "session B ended"
ok "sessions A and B still up"
assert_ping b

# max-preauth-total: 3 connections without a TLS byte; the 4th is closed at
# accept.  The two tunnels are not counted.
SLOW="$top_srcdir/tests/integration/slow-client.py"
ns_cli timeout -k 2 30 python3 "$SLOW" hold "$SRV_IP" "$CLI_IP" 3 5 >"$TMPD/hold.out" 2>&1 &
hold_pid=$!
track_pid "$hold_pid"
wait_for 8 "held connections" grep -q '^extra' "$TMPD/hold.out" ||
	fail "slow-client hold: no result: $(cat "$TMPD/hold.out")"
sed 's/^/    /' "$TMPD/hold.out"
assert_eq "held 3" "$(sed -n 1p "$TMPD/hold.out")" "3 pre-auth connections accepted beside 2 tunnels"
assert_eq "extra closed-by-server" "$(sed -n 2p "$TMPD/hold.out")" \
	"the 4th pre-auth connection closed at accept"
assert_log 100322 "connection from $(re "$CLI_IP") port [0-9]+ refused: 3 pre-authentication connections in total" \
	"100322: total refusal logged"
wait "$hold_pid"
# the worker reports the closed ones to main (CONN_DONE) within moments
head_ok() {
	[ "$(timeout -k 2 15 ip netns exec "$NS_CLI" curl -sS -k --max-time 5 \
		--cert "$cert" --key "$key" -o /dev/null -w '%{http_code}' \
		-X HEAD "https://$SRV_IP/" 2>"$TMPD/head.curl.err")" = 200 ]
}
served=0
for _ in 1 2 3 4 5; do
	head_ok && { served=1; break; }
	sleep 1
done
[ "$served" = 1 ] || fail "no HEAD / served once the held connections were gone"
ok "HEAD / served once the held connections are gone"
oc_stop a
oc_stop b
echo "PASS: $T_NAME"
