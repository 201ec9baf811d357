#!/bin/bash
# t-pool-exhausted: a pool of one address admits the first phone and refuses
# the second tunnel with 503 + X-Reason and a logged reason (100205), while the
# first session keeps passing traffic.  A session authenticated without a
# tunnel (openconnect --authenticate) is listed as waiting for its tunnel.
# A login refused for want of an address leaves no session: no 0.0.0.0 entry,
# its cookie is dead, Inactive/Peak/Cumulative unchanged, and a phone
# retrying against the full pool piles up nothing that vpn-simultaneous-
# logins (3) would later log off.  When the first phone logs out for good
# (DISCONNECT 0xb0 from openconnect on SIGINT), its address goes back to the
# pool and the retrying phone gets it, without any "Max logins exceeded".
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd -f -c pool1.conf      |
#   | curl CONNECT with B's cookie   |---443--->|   pool "one" 198.19.0.10-.10  |
#   | sslvpn-phone 7962G (B's MIC) x4|---443--->|                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

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
phone_init
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

# The refused login left nothing: not listed (no 0.0.0.0), cookie dead,
# not counted (Peak back to A alone, Inactive 0, Cumulative 1).
out=$(sdb show vpn-sessiondb anyconnect)
printf '%s\n' "$out" | sed 's/^/    /'
if printf '%s\n' "$out" | grep -q '0\.0\.0\.0'; then fail "a refused login is listed with 0.0.0.0"; fi
ok "no 0.0.0.0 session listed after the refused CONNECT"
assert_eq "" "$(session_state "$cn_b")" "B's refused login is not listed"
assert_eq 0 "$(summary inactive)" "Inactive: the refused login is not counted"
assert_eq 1 "$(summary peak_concurrent)" "Peak: the refused login is not counted"
assert_eq 1 "$(summary cumulative)" "Cumulative: the refused login is not counted"
out=$(timeout 10 ip netns exec "$NS_CLI" curl -sk -m 8 -o /dev/null -D - -X CONNECT \
	-H "Cookie: webvpn=$cookie_b" "https://$SRV_IP/CSCOSSLC/tunnel" 2>&1)
assert_match "$out" '^HTTP/1\.1 (401|403|404)' "the refused login's cookie opens nothing"

# A phone (B's MIC, so the same user) retrying against the full pool more
# often than vpn-simultaneous-logins (3): each try is refused, none stays.
for i in 1 2 3 4; do
	run_phone "retry$i" -p 7962G --url "$SERVER_URL" --cert-hash "$(server_hash_b64)" \
		--cert "$PKI/mic-sha1/leaf.pem" --key "$PKI/mic-sha1/leaf.key" --hold 1
	assert_eq 16 "$PHONE_RC" "phone try $i: CONNECT refused (TunnelRefused)"
done
out=$(sdb show vpn-sessiondb anyconnect)
if printf '%s\n' "$out" | grep -q '0\.0\.0\.0'; then
	printf '%s\n' "$out" | sed 's/^/    /'
	fail "refused phone logins are listed with 0.0.0.0"
fi
ok "no 0.0.0.0 session after 4 refused phone logins"
assert_eq 0 "$(summary inactive)" "Inactive unchanged by the refused phone logins"
assert_eq 1 "$(summary peak_concurrent)" "Peak unchanged by the refused phone logins"
assert_no_log 113019 'Max logins exceeded' "the retries logged nothing off"

# A logs out (openconnect sends DISCONNECT 0xb0 on SIGINT): address released.
oc_stop a INT
assert_log 113019 'Reason: User Requested' "113019: A's session ended by the user"
assert_ended_bytes 'Reason: User Requested' 252 "113019 of A counts its tunnel's bytes"
run_phone in -p 7962G --url "$SERVER_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$PKI/mic-sha1/leaf.pem" --key "$PKI/mic-sha1/leaf.key" --hold 1
assert_eq 0 "$PHONE_RC" "the retrying phone gets in once A left"
assert_eq "198.19.0.10" "$(phone_addr)" "the phone got the released address"
assert_no_log 113019 'Max logins exceeded' "no Max logins exceeded on the way"
assert_server_alive
echo "PASS: $T_NAME"
