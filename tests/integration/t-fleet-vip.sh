#!/bin/bash
# t-fleet-vip (S16): one openconnect process follows a VIP from a dead node to
# a live one.  openconnect (8861 MIC) connects to https://VIP/phone while the
# VIP sits on n1; n1's sslvpnd is SIGKILLed and the VIP moves to n2 (what
# keepalived does: the address on n2's interface, the client's neighbour
# entry renewed as its gratuitous ARP would); the SAME openconnect process
# reconnects by itself with its cookie: n2 continues the session (100870),
# same address, no new login there (no 716038/113039), traffic flows and the
# core routes the address to n2 alone.
#
#   client ns (br-cli 198.18.20.100) --- VIP 198.18.20.50 on n1, then on n2
#   n1, n2: sslvpnd on 0.0.0.0:443 + BIRD; core: BIRD, far end 198.18.30.1
#   Redis on the fleet LAN (tests/integration/lib-fleet.sh)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=120
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-fleet.sh
. "$top_srcdir/tests/integration/lib-fleet.sh"

VIP=198.18.20.50
BEHIND_IP=$FAR_IP # openconnect's script routes the far end through its tunnel
# Nodes behind a VIP listen on every address, and the tunnel group answers
# the VIP's URL too.
node_conf_hook() {
	sed -i -e "s/address = \"198\.18\.20\.$1\"/address = \"0.0.0.0\"/" \
		-e "s#\"https://198\.18\.20\.3/phone\" \]#\"https://198.18.20.3/phone\", \"https://$VIP/phone\" ]#" "$2"
	grep -q "https://$VIP/phone" "$2" || fail "node_conf_hook: the group-url line of etc/fleet changed"
}

fleet_init
lib_init
pki_ensure
fleet_setup
fleet_redis_start
fleet_bird_start_core
for k in 1 2; do
	fleet_bird_start "$k"
	node_start "$k"
done
for k in 1 2; do
	fleet_wait 20 "BGP core-n$k Established" bgp_up "$k" || fail "no BGP session between the core and n$k"
done
SERVER_CERT_SHA1=$(node_cert_sha1 1)
assert_eq "$SERVER_CERT_SHA1" "$(node_cert_sha1 2)" "n2 has the fleet's identity"
ip -n "${NS_NODE[1]}" addr add "$VIP/24" dev client0 || fail "VIP on n1"
fleet_wait 5 "client reaches the VIP" ip netns exec "$NS_CLI" ping -c 1 -W 1 "$VIP" >/dev/null ||
	fail "client cannot reach the VIP on n1"

oc_connect a "https://$VIP/phone" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "openconnect did not come up through the VIP on n1"
addr=${OC_ADDR[a]}
assert_eq 1 "$(oc_connects a)" "one CONNECT so far"
node_log_has 1 716038 . || fail "the login was not on n1"
assert_ping a
routed_to() { [ "$(core_route_via "$1")" = "198.18.10.$2" ] && [ "$(core_route_count "$1")" = 1 ]; }
fleet_wait 10 "core routes $addr to n1" routed_to "$addr" 1 || fail "the core does not route $addr to n1"

# n1 dies; the VIP moves to n2 as keepalived would move it
node_kill 1
ip -n "${NS_NODE[1]}" addr del "$VIP/24" dev client0 || fail "VIP off n1"
ip -n "${NS_NODE[2]}" addr add "$VIP/24" dev client0 || fail "VIP on n2"
ip -n "$NS_CLI" neigh flush to "$VIP" 2>/dev/null
t0=$(date +%s)
reconnected() { [ "$(oc_connects a)" -ge 2 ]; }
fleet_wait 45 "openconnect reconnects through the VIP" reconnected ||
	fail "openconnect did not reconnect within 45 s of the VIP move"
pid_alive "${OC_PID[a]}" || fail "openconnect exited instead of reconnecting"
ok "the same openconnect process reconnected after $(($(date +%s) - t0)) s"
assert_eq "$addr" "$(oc_last_addr a)" "openconnect kept $addr through the VIP move"
moved_in() { node_log_has 2 100870 "\(address $(re "$addr")\) moved here from node n1; same address, no new login"; }
fleet_wait 5 "100870 on n2 for $addr" moved_in || fail "n2 did not log 100870 for openconnect's session"
node_log_has 2 716038 . && fail "n2 logged a new login (716038)"
node_log_has 2 113039 . && fail "n2 started a new session (113039)"
ok "n2 continued the session with openconnect's cookie: no new login"
fleet_wait 10 "core routes $addr to n2" routed_to "$addr" 2 || fail "the core does not route $addr to n2"
assert_ping a
echo "PASS: $T_NAME"
