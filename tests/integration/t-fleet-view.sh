#!/bin/bash
# t-fleet-view (S16): one view of the fleet.  Two nodes and Redis in the
# server namespace, one openconnect session on each:
#   - show fleet on n1 lists n1 and n2, alive, with their session counts;
#   - show vpn-sessiondb anyconnect --fleet on n1 lists n2's session with a
#     Node column (text and JSON); without Redis it fails naming Redis and
#     the local listing still works;
#   - vpn-sessiondb logoff name B --fleet on n1 ends B's session on n2
#     (100891 there) and the reply says what the registry showed per node;
#   - a ban decided on n1 (one malformed request, bans.threshold 2) is
#     written to sslvpnd:ban:<addr> and refuses the address on n2 (100720
#     naming n1, 100723); clear ip ban on n1 lifts it on n2 too (100722);
#   - metrics carry node="n1" on every sample and still parse;
#   - each node's Audt Sess IDs (= Acct-Session-Id) start with its slice.
# Until engineer FS's registry writer is merged the sessions' records
# (sslvpnd:sess:<hash>, sslvpnd:node-sess:<node>, fleet.md's format) are
# written here with redis-cli when no node wrote one within 3 s.
#
#   client ns svd-c-$$              server ns svd-s-$$                 ns svd-n2-$$
#   openconnect a -> 198.18.0.1     n1 sslvpnd (198.19.0.10-20)
#                                   redis-server 198.18.10.1 --veth-- n2 sslvpnd
#   openconnect b -> 198.18.10.2 (routed by svd-s)                     198.18.10.2
#                                                                      (198.19.0.30-40)
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-150}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

command -v redis-server >/dev/null || skip "redis-server not installed (scripts/test installs it)"
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PROM_CHECK="$top_srcdir/tests/integration/prom-check.py"
lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup

# n2 has its own namespace (workers' tun devices are named by worker id),
# on a fleet LAN with the server namespace, which routes the client to it.
N2_IP=198.18.10.2 LAN_IP=198.18.10.1 NS_N2="svd-n2-$$"
ip netns add "$NS_N2" || fail "ip netns add $NS_N2"
LIB_NETNS+=("$NS_N2")
ip -n "$NS_SRV" link add v-lan type veth peer name v-n2 netns "$NS_N2" || fail "fleet LAN veth"
ip -n "$NS_SRV" addr add "$LAN_IP/30" dev v-lan
ip -n "$NS_N2" addr add "$N2_IP/30" dev v-n2
ip -n "$NS_SRV" link set v-lan up
ip -n "$NS_N2" link set v-n2 up
ip -n "$NS_N2" link set lo up
ip -n "$NS_N2" route add default via "$LAN_IP" || fail "n2 default route"
ns_srv sysctl -qw net.ipv4.ip_forward=1 || fail "forwarding in the server namespace"
ip -n "$NS_CLI" route add "$N2_IP/32" via "$SRV_IP" || fail "client route to n2"
wait_for 5 "client reaches n2" ns_cli ping -c 1 -W 1 "$N2_IP" >/dev/null || fail "client cannot reach n2"
port=16380
rcli() { ns_srv redis-cli -p "$port" "$@"; }
redis_ping() { [ "$(rcli PING 2>/dev/null)" = PONG ]; }
ip netns exec "$NS_SRV" redis-server --port "$port" --bind 127.0.0.1 "$LAN_IP" --protected-mode no --save '' \
	--appendonly no --daemonize no --logfile "$TMPD/redis.log" --dir "$TMPD" </dev/null >/dev/null 2>&1 &
REDIS_PID=$!
track_pid "$REDIS_PID"
wait_for 10 "redis answers" redis_ping || fail "redis-server did not start"

# node K ADDR FIRST-LAST: its configuration
node_conf() {
	cat <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "$2"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "$3"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
bans = { threshold = 2; };
fleet = { redis = "$LAN_IP:$port"; node = "n$1"; url = "https://$2/"; slice = $1; slices = 2; heartbeat = 1; };
CONF
}

# Each node has its own directory, log and state; `on K` points lib.sh's
# helpers (log_has, oc_connect's pin) at node K.
declare -A N_LOG N_STATE N_SHA1 N_PID
start_node() { # K NAMESPACE ADDR RANGE
	local k=$1 top=$TMPD ns=$NS_SRV
	NS_SRV=$2 TMPD="$top/n$k"
	mkdir -p "$TMPD"
	state_init
	node_conf "$k" "$3" "$4" >"$TMPD/node.conf"
	start_sslvpnd -c "$TMPD/node.conf"
	N_LOG[$k]=$SRV_LOG N_STATE[$k]=$STATE N_SHA1[$k]=$SERVER_CERT_SHA1 N_PID[$k]=$SRV_PID
	TMPD=$top NS_SRV=$ns
}
on() { SRV_LOG=${N_LOG[$1]} STATE=${N_STATE[$1]} SERVER_CERT_SHA1=${N_SHA1[$1]} SRV_PID=${N_PID[$1]}; }
CTL_OUT="$TMPD/ctl.out"
ctl() { # K ARGS...: sslvpnctl on node K; CTL_RC, output in $CTL_OUT
	local k=$1
	shift
	timeout -k 2 15 "$CTL" --socket "${N_STATE[$k]}/ctl.sock" "$@" >"$CTL_OUT" 2>&1
	CTL_RC=$?
}
ctl_ok() { ctl "$@"; [ "$CTL_RC" -eq 0 ] || fail "sslvpnctl on n$1 ${*:2}: exit $CTL_RC: $(cat "$CTL_OUT")"; }

start_node 1 "$NS_SRV" "$SRV_IP" 198.19.0.10-198.19.0.20
start_node 2 "$NS_N2" "$N2_IP" 198.19.0.30-198.19.0.40
for k in 1 2; do
	on $k
	up() { log_has 100860 "node n$k connected to Redis"; }
	wait_for 15 "n$k: 100860" up || fail "n$k did not reach Redis"
done

# --- a session on each node
cert_a="$PKI/mic-sha2/leaf.pem" cert_b="$PKI/mic-sha1/leaf.pem"
user_a=$(cert_cn "$cert_a") user_b=$(cert_cn "$cert_b")
on 1
oc_connect a "https://$SRV_IP/" -c "$cert_a" -k "$PKI/mic-sha2/leaf.key" || fail "a: no tunnel on n1"
on 2
oc_connect b "https://$N2_IP/" -c "$cert_b" -k "$PKI/mic-sha1/leaf.key" || fail "b: no tunnel on n2"

# The registry's records: the nodes' own once FS's writer is in, else
# fleet.md's format written here.
registered() { [ "$(rcli SCARD sslvpnd:node-sess:n1)" -ge 1 ] && [ "$(rcli SCARD sslvpnd:node-sess:n2)" -ge 1 ]; }
if wait_for 3 "the nodes' registry records" registered 2>/dev/null; then
	note "registry records written by the nodes"
else
	note "no registry writer on this branch: records written by the test"
	h_a=$(printf 'a-cookie' | sha256sum | cut -d' ' -f1) h_b=$(printf 'b-cookie' | sha256sum | cut -d' ' -f1)
	rcli HSET "sslvpnd:sess:$h_a" node n1 id 1 user "$user_a" addr "${OC_ADDR[a]}" pool phones tunnel 1 >/dev/null
	rcli SADD sslvpnd:node-sess:n1 "$h_a" >/dev/null
	rcli HSET "sslvpnd:sess:$h_b" node n2 id 1 user "$user_b" addr "${OC_ADDR[b]}" pool phones tunnel 1 >/dev/null
	rcli SADD sslvpnd:node-sess:n2 "$h_b" >/dev/null
fi

# --- show fleet
ctl_ok 1 show fleet
sed 's/^/# /' "$CTL_OUT"
out=$(cat "$CTL_OUT")
assert_match "$out" 'Fleet +: node n1, Redis 198\.18\.10\.1:16380 up' "show fleet: this node and Redis"
assert_match "$out" "(^|$(printf '\n'))n2 +yes +[0-9]+s ago +1 +https://$(re "$N2_IP")/" "show fleet: n2 alive with 1 session"
assert_match "$out" "(^|$(printf '\n'))n1 +yes " "show fleet: n1 alive"
# a name in sslvpnd:nodes whose record expired (fleet_nodes.c's one reader,
# FLEET_NODES_ALL): listed, not alive, no URL, no sessions
rcli SADD sslvpnd:nodes gone >/dev/null
ctl_ok 1 show fleet
assert_match "$(cat "$CTL_OUT")" "(^|$(printf '\n'))gone +no +- +0 +-" "show fleet: an expired node shows, not alive"
ctl_ok 1 --json show fleet
assert_match "$(cat "$CTL_OUT")" '"name": ?"gone", ?"alive": ?false' "show fleet --json: the expired node, alive false"
rcli SREM sslvpnd:nodes gone >/dev/null

# --- the sessions of every node, from n1
ctl_ok 1 show vpn-sessiondb anyconnect --fleet
sed 's/^/# /' "$CTL_OUT"
out=$(cat "$CTL_OUT")
assert_match "$out" "Username +: $(re "$user_b") " "--fleet lists n2's session"
assert_match "$out" "Assigned IP +: $(re "${OC_ADDR[b]}") +Node +: n2" "--fleet: its address and node"
assert_match "$out" "Assigned IP +: $(re "${OC_ADDR[a]}") +Node +: n1" "--fleet: n1's own session"
ctl_ok 1 --json show vpn-sessiondb anyconnect filter name "$user_b" --fleet
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["sessions"]; assert len(s)==1 and s[0]["node"]=="n2", d' \
	"$CTL_OUT" || fail "JSON --fleet filter name: $(cat "$CTL_OUT")"
ok "JSON --fleet filtered to n2's session"
ctl_ok 1 show vpn-sessiondb anyconnect
assert_match "$(cat "$CTL_OUT")" "Username +: $(re "$user_a") " "local listing: a"
if grep -q "$user_b" "$CTL_OUT"; then fail "local listing shows n2's session"; fi

# --- Acct-Session-Id / Audt Sess ID: the first byte is the node's slice
for k in 1 2; do
	ctl_ok $k show vpn-sessiondb anyconnect
	assert_match "$(cat "$CTL_OUT")" "Audt Sess ID +: 0${k}[0-9a-f]{22}$" "n$k: Audt Sess ID starts with its slice"
done

# --- metrics: node="n1" on every sample
ctl_ok 1 metrics
bad=$(grep -v '^#' "$CTL_OUT" | grep -cv 'node="n1"')
assert_eq 0 "$bad" "every sample carries node=\"n1\""
assert_match "$(cat "$CTL_OUT")" '^sslvpnd_sessions_active\{node="n1"\} 1$' "unlabelled series gets {node=}"
python3 "$PROM_CHECK" "$CTL_OUT" || fail "metrics with node= are not a valid exposition"

# --- logoff --fleet on n1 ends b on n2
ctl_ok 1 vpn-sessiondb logoff name "$user_b" noconfirm --fleet
sed 's/^/# /' "$CTL_OUT"
out=$(cat "$CTL_OUT")
assert_match "$out" "logged off : 0 \(this node n1\)" "logoff --fleet: none here"
assert_match "$out" "registry showed 1 \(n[12] [01], n[12] [01]\)" "logoff --fleet: the registry's count per node"
assert_match "$out" "n2 1" "logoff --fleet: n2 held it"
on 2
assert_log 100891 "node n1 asked every node to log off name $(re "$user_b"): 1 session\(s\) logged off here" \
	"n2: 100891"
gone_b() { ! pid_alive "${OC_PID[b]}"; }
wait_for 15 "b's openconnect ends" gone_b || fail "b still connected after logoff --fleet"
ok "b logged off on n2"
pid_alive "${OC_PID[a]}" || fail "a ended by a logoff of b"

# --- a ban on n1 is n2's too
on 1
printf 'GARBAGE\r\n\r\n' >"$TMPD/garbage.req"
raw_https garbage "$TMPD/garbage.req" >/dev/null
assert_log 100720 "source $(re "$CLI_IP") banned for 300 seconds" "n1 bans the client"
key() { [ -n "$(rcli GET "sslvpnd:ban:$CLI_IP")" ]; }
wait_for 5 "sslvpnd:ban key" key || fail "no sslvpnd:ban:$CLI_IP in Redis"
assert_match "$(rcli GET "sslvpnd:ban:$CLI_IP")" '^[0-9]+ malformed n1$' "ban key value"
on 2
b2() { log_has 100720 "source $(re "$CLI_IP") banned for 300 seconds: .*decided by fleet node n1"; }
wait_for 5 "n2: 100720 from n1" b2 || fail "n2 did not take n1's ban"
ok "n2: 100720 names n1"
ns_cli curl -sk -m 5 "https://$N2_IP/" >/dev/null 2>&1 && fail "n2 served a banned source"
assert_log 100723 "from banned source $(re "$CLI_IP") refused" "n2 refuses the banned source"
ctl_ok 1 clear ip ban "$CLI_IP"
c2() { log_has 100722 "source $(re "$CLI_IP") no longer banned: cleared by fleet node n1"; }
wait_for 5 "n2: 100722 from n1" c2 || fail "n2 kept the ban n1 cleared"
ok "n2: 100722 names n1"
assert_eq "" "$(rcli GET "sslvpnd:ban:$CLI_IP")" "ban key deleted"

# --- Redis gone: --fleet says so, the local listing works
stop_pid "$REDIS_PID" KILL
on 1
down() { log_has 100861 'node n1 lost Redis'; }
wait_for 10 "n1: 100861" down || fail "n1 did not notice Redis died"
ctl 1 show vpn-sessiondb anyconnect --fleet
[ "$CTL_RC" -ne 0 ] || fail "--fleet succeeded without Redis"
assert_match "$(cat "$CTL_OUT")" "Redis is not reachable" "--fleet without Redis names Redis"
ctl_ok 1 show vpn-sessiondb anyconnect
assert_match "$(cat "$CTL_OUT")" "Username +: $(re "$user_a") " "local listing without Redis"
for k in 1 2; do on $k; assert_server_alive; done
echo "PASS: $T_NAME"
