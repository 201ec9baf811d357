#!/bin/bash
# t-fleet-cookie (S16): any node accepts any node's cookie.  Two nodes and
# Redis; openconnect logs in on n1 (address A); n1 is SIGKILLed; the same
# cookie on n2 continues the session: address A, no new login there
# (no 113039/716038), 100870, the registry names n2.  n1 restarts with the
# session in its file: the reconcile finds it moved (100871) and drops it.
# Then both alive: the cookie goes back to n1, n2 is kicked (100871 "its
# cookie was presented there"), still address A.
#
#   client ns --- 198.18.0.0/30 ---- n1 (ns svd-s-$$) + redis 198.18.10.1
#      \                              | fleet LAN 198.18.10.0/24
#       ------ 198.18.20.0/24 ------ n2 (ns svd-n2-$$) 198.18.10.2
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

command -v redis-server >/dev/null || skip "redis-server not installed (scripts/test installs it)"
command -v redis-cli >/dev/null || skip "redis-cli not installed (scripts/test installs it)"
lib_init
pki_ensure
netns_setup

NS2="svd-n2-$$"
N2_IP=198.18.20.2
CLI2_IP=198.18.20.100
REDIS=198.18.10.1:16379
ip netns add "$NS2" || fail "ip netns add $NS2"
LIB_NETNS+=("$NS2")
ip -n "$NS2" link set lo up
ip -n "$NS2" addr add "$BEHIND_IP/32" dev lo
ip -n "$NS2" link add v-n2 type veth peer name v-cli2 netns "$NS_CLI" || fail "veth n2-client"
ip -n "$NS2" addr add "$N2_IP/24" dev v-n2
ip -n "$NS_CLI" addr add "$CLI2_IP/24" dev v-cli2
ip -n "$NS2" link add v-lan2 type veth peer name v-lan1 netns "$NS_SRV" || fail "veth fleet LAN"
ip -n "$NS_SRV" addr add 198.18.10.1/24 dev v-lan1
ip -n "$NS2" addr add 198.18.10.2/24 dev v-lan2
for l in v-n2 v-lan2; do ip -n "$NS2" link set "$l" up; done
ip -n "$NS_CLI" link set v-cli2 up
ip -n "$NS_SRV" link set v-lan1 up
wait_for 5 "fleet LAN" ip netns exec "$NS2" ping -c 1 -W 1 198.18.10.1 >/dev/null ||
	fail "n2 cannot reach the fleet LAN"

ip netns exec "$NS_SRV" redis-server --port 16379 --bind 198.18.10.1 --protected-mode no --save '' \
	--appendonly no --daemonize no --logfile "$TMPD/redis.log" --dir "$TMPD" \
	</dev/null >/dev/null 2>&1 &
track_pid $!
rcli() { ns_srv redis-cli -h 198.18.10.1 -p 16379 "$@"; }
redis_ping() { [ "$(rcli PING 2>/dev/null)" = PONG ]; }
wait_for 10 "redis answers" redis_ping || fail "redis-server did not start"

declare -A N_NS=([1]="$NS_SRV" [2]="$NS2") N_URL=([1]="https://$SRV_IP/" [2]="https://$N2_IP/")
declare -A N_LOG N_PID N_SHA1 N_STATE
node_conf() { # k
	N_STATE[$1]="$TMPD/state$1"
	mkdir -p "${N_STATE[$1]}/trust"
	cp "$PKI"/trust/* "${N_STATE[$1]}/trust/"
	cat >"$TMPD/node$1.conf" <<CONF
general = { workers = 1; state-dir = "${N_STATE[$1]}"; cookie-timeout = 120; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "${N_STATE[$1]}/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
fleet = { redis = "$REDIS"; node = "n$1"; url = "${N_URL[$1]}"; heartbeat = 1; };
CONF
}
# on_node K CMD...: CMD with the lib's log helpers reading node K's log
on_node() {
	local SRV_LOG=${N_LOG[$1]} STATE=${N_STATE[$1]}
	shift
	"$@"
}
start_node() { # k
	local k=$1
	N_LOG[$k]="$TMPD/node$k.$(date +%s%N).log"
	note "start node n$k in ${N_NS[$k]}"
	ip netns exec "${N_NS[$k]}" "$SSLVPND" -f --state-dir "${N_STATE[$k]}" \
		--pid-file "$TMPD/node$k.pid" -c "$TMPD/node$k.conf" >>"${N_LOG[$k]}" 2>&1 </dev/null &
	N_PID[$k]=$!
	track_pid "${N_PID[$k]}"
	wait_for 15 "n$k listening" on_node "$k" log_has 100007 'listening on .* port 443' ||
		fail "n$k: no 100007 listening"
	wait_for 15 "n$k joined the fleet" on_node "$k" log_has 100860 "node n$k connected" ||
		fail "n$k: no 100860"
	N_SHA1[$k]=$(on_node "$k" server_cert_sha1)
	SRV_LOG=${N_LOG[$k]}  # the sanitizer check at cleanup reads the last one
}
# connect NAME K: openconnect with the cookie to node K
connect() {
	SERVER_CERT_SHA1=${N_SHA1[$2]} oc_connect "$1" "${N_URL[$2]}" --cookie="$COOKIE"
}

node_conf 1
node_conf 2
start_node 1
start_node 2

# 1. A session on n1, written to the registry.
SERVER_CERT_SHA1=${N_SHA1[1]} oc_authenticate login "${N_URL[1]}" \
	-c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key"
COOKIE=$OC_COOKIE
[ -n "$COOKIE" ] || fail "--authenticate printed no cookie"
# the registry's key: SHA-256 of the webvpn cookie (COOKIE holds more)
hex=$(printf '%s' "${COOKIE##*webvpn=}" | sha256sum | cut -d' ' -f1)
key="sslvpnd:sess:$hex"
connect a 1 || fail "no tunnel on n1"
A=${OC_ADDR[a]}
assert_in_pool "$A" "n1 gave an address"
tunnel_up() { [ "$(rcli HGET "$key" tunnel)" = 1 ]; }
wait_for 5 "registry: tunnel 1" tunnel_up || fail "registry record $(rcli HGETALL "$key" | tr '\n' ' ')"
assert_eq n1 "$(rcli HGET "$key" node)" "the registry names n1"
assert_eq "$A" "$(rcli HGET "$key" addr)" "the registry holds the address"
assert_eq 1 "$(rcli SISMEMBER sslvpnd:node-sess:n1 "$hex")" "n1's set holds the session"
in_file() { grep -qi "$hex" "${N_STATE[1]}/sessions" 2>/dev/null; }
wait_for 10 "n1's session file lists it" in_file || fail "n1 did not save its session"

# 2. n1 dies; the cookie on n2: same address, no login there.
stop_pid "${N_PID[1]}" KILL
oc_stop a KILL
connect b 2 || fail "n2 refused n1's cookie"
assert_eq "$A" "${OC_ADDR[b]}" "the same address on n2"
on_node 2 assert_log 100870 "moved here from node n1" "100870 on n2"
on_node 2 assert_no_log 716038 '.' "no login on n2"
on_node 2 assert_no_log 113039 '.' "no new session on n2"
assert_eq n2 "$(rcli HGET "$key" node)" "the registry names n2"
assert_eq 0 "$(rcli SISMEMBER sslvpnd:node-sess:n1 "$hex")" "n1's set lost it"
assert_ping b

# 3. n1 comes back with the session in its file: it moved meanwhile.
start_node 1
moved_n1() { on_node 1 log_has 100871 "moved to node n2 \(found at the registry write\)"; }
wait_for 10 "n1 drops the moved session" moved_n1 || fail "n1 kept a session that moved"
ok "n1 found its restored session moved to n2 (100871) and dropped it"
assert_eq n2 "$(rcli HGET "$key" node)" "the registry still names n2"

# 4. Both alive: the cookie goes back to n1, n2 is told.
oc_stop b KILL
# n2 has seen the tunnel go (716058) before the cookie reaches n1: its own
# registry write then comes first, and the move is told by the kick
lost_n2() { on_node 2 log_has 716058 'lost connection'; }
wait_for 10 "n2 lost b's tunnel" lost_n2 || fail "n2 did not see b's tunnel go"
connect c 1 || fail "n1 refused n2's cookie"
assert_eq "$A" "${OC_ADDR[c]}" "the same address back on n1"
kicked() { on_node 2 log_has 100871 "moved to node n1 \(its cookie was presented there\)"; }
wait_for 10 "n2 kicked" kicked || fail "n2 did not hear the kick"
ok "n2 was kicked (100871)"
on_node 2 assert_log 113019 "Moved to another node" "113019 on n2 names the move"
assert_eq n1 "$(rcli HGET "$key" node)" "the registry names n1 again"
on_node 1 assert_no_log 716038 '.' "no login on n1 after its restart"
assert_ping c

# 5. A logoff (openconnect's DISCONNECT) deletes the record.
oc_stop c
gone() { [ "$(rcli EXISTS "$key")" = 0 ]; }
wait_for 10 "record deleted" gone || fail "record left after the logoff: $(rcli HGETALL "$key")"
ok "the logoff on n1 deleted the record"
pid_alive "${N_PID[1]}" && pid_alive "${N_PID[2]}" || fail "a node died"
echo "PASS: $T_NAME"
