#!/bin/bash
# t-pool-exhausted: a pool of one address admits the first phone and refuses
# the second tunnel with 503 + X-Reason and a logged reason (100205), while the
# first session keeps passing traffic.  A session authenticated without a
# tunnel (openconnect --authenticate) is listed as waiting for its tunnel.
# When the first phone logs out for good
# (DISCONNECT 0xb0 from openconnect on SIGINT), its address goes back to the
# pool and the second phone gets it.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd -f -c pool1.conf      |
#   | curl CONNECT with B's cookie   |---443--->|   pool "one" 198.19.0.10-.10  |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
sdb() { timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" "$@" 2>&1; }
# summary KEY: a number of "show vpn-sessiondb summary" (JSON anyconnect.KEY)
summary() {
	sdb --json show vpn-sessiondb summary |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["anyconnect"][sys.argv[1]])' "$1"
}
# session_state USER: the JSON "state" of USER's session ("" when none)
session_state() {
	sdb --json show vpn-sessiondb anyconnect | python3 -c 'import json,sys
for s in json.load(sys.stdin)["sessions"]:
    if s["username"] == sys.argv[1]: print(s["state"])' "$1"
}

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/pool1.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "one"; range = "198.19.0.10-198.19.0.10"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "one"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

oc_connect a "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "client A: no tunnel"
assert_eq "198.19.0.10" "${OC_ADDR[a]}" "client A got the only address"
cn_b=$(cert_cn "$PKI/mic-sha1/leaf.pem")

oc_authenticate b "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key"
[ -n "$OC_COOKIE" ] || fail "client B: no cookie"
# --authenticate: a session without CONNECT waits for its tunnel.
out=$(sdb show vpn-sessiondb anyconnect filter name "$cn_b")
printf '%s\n' "$out" | sed 's/^/    /'
assert_match "$out" '^Tunnel State *: Waiting for tunnel' "B's authenticated session is listed as waiting for its tunnel"
assert_eq waiting-for-tunnel "$(session_state "$cn_b")" "JSON state of B: waiting-for-tunnel"
assert_eq 1 "$(summary active)" "B's session is not counted as an active tunnel"
# openconnect prints every cookie it holds (its STRAP key too): keep webvpn.
cookie_b=$(printf '%s' "$OC_COOKIE" | sed -n 's/.*webvpn=\([^;]*\).*/\1/p')
[ -n "$cookie_b" ] || fail "no webvpn= in openconnect's cookie"
out=$(timeout 10 ip netns exec "$NS_CLI" curl -sk -m 8 -o /dev/null -D - -X CONNECT \
	-H "Cookie: webvpn=$cookie_b" "https://$SRV_IP/CSCOSSLC/tunnel" 2>&1)
assert_match "$out" '^HTTP/1\.1 503' "second tunnel refused with 503"
assert_match "$out" 'X-Reason: no address available' "X-Reason names the cause"
assert_log 100205 'no address available from local pool one' "100205: pool exhaustion logged"
assert_ping a

# A logs out (openconnect sends DISCONNECT 0xb0 on SIGINT): address released.
oc_stop a INT
assert_log 113019 'Reason: User Requested' "113019: A's session ended by the user"
assert_ended_bytes 'Reason: User Requested' 252 "113019 of A counts its tunnel's bytes"
oc_connect b "$SERVER_URL" --cookie="$cookie_b" || fail "client B: no tunnel after A left"
assert_eq "198.19.0.10" "${OC_ADDR[b]}" "client B got the released address"
assert_ping b
assert_server_alive
oc_stop b
echo "PASS: $T_NAME"
