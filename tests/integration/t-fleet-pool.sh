#!/bin/bash
# t-fleet-pool (S16): the addresses of a fleet.  Two nodes share pool
# "phones" (198.19.0.10-29) cut in 2 slices (slot i in slice i % 2 + 1:
# node a leases .10 .12 ..., node b .11 .13 ...) and one Redis:
#  1. emulated phones (sslvpn-phone load mode) on each node get addresses
#     of that node's slice only;
#  2. the keys sslvpnd:lease:* name exactly the live sessions, one per
#     address, each naming the node that holds it; show ip local pool
#     shows the slice;
#  3. Redis stopped: new logins on each node still get addresses of its
#     own slice, none held twice across the nodes;
#  4. Redis back (empty): every live lease is claimed again (100880); a
#     claim of a third node in a's slice found at a reconcile is held elsewhere on a
#     (100882, show ip local pool) and free again when it expires (100883);
#     one on an address a leases ends a's session (100881, 113019);
#  5. the phones leave: every claim deleted, user-addr keys written.
#
#   client ns svd-c-$$                         node a: ns svd-s-$$
#   sslvpn-phone x4 -> a 198.18.0.1 --- veth --- sslvpnd (slice 1 of 2)
#   sslvpn-phone x4 -> b 198.18.0.5 --- veth     redis-server 198.18.0.9
#                                       |          | veth 198.18.0.8/30
#                                       +---- node b: ns svd-b-$$ 198.18.0.10
#                                                  sslvpnd (slice 2 of 2)
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

command -v redis-server >/dev/null || skip "redis-server not installed (scripts/test installs it)"
lib_init
phone_init
pki_ensure
netns_setup
state_init

# Node b: a namespace of its own, a veth from the client, one to Redis.
B_IP=198.18.0.5
REDIS_IP=198.18.0.9
port=16380
NS_B="svd-b-$$"
ip netns add "$NS_B" || fail "ip netns add $NS_B"
LIB_NETNS+=("$NS_B")
ip -n "$NS_B" link add v-b type veth peer name v-cli2 netns "$NS_CLI" || fail "veth to b"
ip -n "$NS_B" link add v-rb type veth peer name v-ra netns "$NS_SRV" || fail "veth b-redis"
ip -n "$NS_B" link set lo up
ip -n "$NS_B" addr add "$B_IP/30" dev v-b
ip -n "$NS_CLI" addr add 198.18.0.6/30 dev v-cli2
ip -n "$NS_B" addr add 198.18.0.10/30 dev v-rb
ip -n "$NS_SRV" addr add "$REDIS_IP/30" dev v-ra
ip -n "$NS_B" link set v-b up
ip -n "$NS_CLI" link set v-cli2 up
ip -n "$NS_B" link set v-rb up
ip -n "$NS_SRV" link set v-ra up
wait_for 5 "b reachable" ns_cli ping -c 1 -W 1 "$B_IP" >/dev/null || fail "no path to b"
wait_for 5 "redis link" ip netns exec "$NS_B" ping -c 1 -W 1 "$REDIS_IP" >/dev/null ||
	fail "no path from b to Redis"
STATE_B="$TMPD/state-b"
mkdir -p "$STATE_B/trust"
cp "$PKI"/trust/* "$STATE_B/trust/"

# node_conf FILE IP STATE NODE SLICE
node_conf() {
	cat >"$1" <<CONF
general = { workers = 1; state-dir = "$3"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "$2"; port = 443; dtls-port = 443;
                 trustpoint = "ID"; } );
trustpoints = ( { name = "ID"; enrollment = "file"; certificate = "$PKI/server/server.pem";
                  key = "$PKI/server/server.key"; },
                { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$3/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.29"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["https://$2/phone"]; } );
fleet = { redis = "$REDIS_IP:$port"; node = "$4"; url = "https://$2/phone"; slice = $5;
          slices = 2; lease-ttl = 10; heartbeat = 1; };
CONF
}

redis_start() {
	ip netns exec "$NS_SRV" redis-server --port "$port" --bind "$REDIS_IP" --protected-mode no --save '' \
		--appendonly no --daemonize no --logfile "$TMPD/redis.log" --dir "$TMPD" \
		</dev/null >/dev/null 2>&1 &
	REDIS_PID=$!
	track_pid "$REDIS_PID"
	wait_for 10 "redis answers" redis_ping || fail "redis-server did not start"
}
rcli() { ns_srv redis-cli -h "$REDIS_IP" -p "$port" "$@"; }
redis_ping() { [ "$(rcli PING 2>/dev/null)" = PONG ]; }

B_LOG="$TMPD/node-b.log"
b_has() { grep -Eq -- "$1" "$B_LOG"; }
eval "phone_dump_logs() $(declare -f dump_logs | tail -n +2)"
dump_logs() {
	phone_dump_logs
	echo "---- node b: last 60 lines"
	tail -n 60 "$B_LOG" 2>/dev/null
	echo "---- redis log"
	tail -n 5 "$TMPD/redis.log" 2>/dev/null
	echo "---- redis lease keys"
	rcli --scan --pattern 'sslvpnd:lease:*' 2>/dev/null | head -n 40
}

redis_start
node_conf "$TMPD/a.conf" "$SRV_IP" "$STATE" a 1
node_conf "$TMPD/b.conf" "$B_IP" "$STATE_B" b 2
start_sslvpnd -c "$TMPD/a.conf"
ip netns exec "$NS_B" "$SSLVPND" -f --state-dir "$STATE_B" --pid-file "$TMPD/b.pid" \
	-c "$TMPD/b.conf" >>"$B_LOG" 2>&1 </dev/null &
B_PID=$!
track_pid "$B_PID"
wait_for 15 "node b listening" b_has '100007.*listening on .* port 443' ||
	fail "node b: no 100007 within 15 s"
up_a() { log_has 100860 'node a connected'; }
up_b() { b_has '100860.*node b connected'; }
wait_for 10 "both nodes on Redis" eval 'up_a && up_b' || fail "a node did not reach Redis"
hash=$(server_hash_b64)

# phones NAME IP CN-BASE: 4 phones held 50 s in the background.
PIDS=()
phones() {
	run_phone_bg "$1" -p 8861 --url "https://$2/phone" --cert-hash "$hash" \
		--ca-cert "$PKI/mic-sha2/ca.pem" --ca-key "$PKI/mic-sha2/ca.key" --no-dtls \
		--sessions 4 --rate 20 --hold 50 --cn-base "$3"
	PIDS+=("$PHONE_PID")
}
# addrs LOG: the addresses assigned on a node (722051), one a line
addrs() { sed -n 's/.*722051.*Address <\([0-9.]*\)>.*/\1/p' "$1" | sort -t. -k4,4n; }
n_addrs() { addrs "$1" | wc -l; }
# assert_slice LOG PARITY WHAT: every address of the log has this parity
assert_slice() {
	local a bad=
	for a in $(addrs "$1"); do
		[ $(( ${a##*.} % 2 )) -eq "$2" ] || bad="$bad $a"
	done
	[ -z "$bad" ] || fail "$3: addresses outside the node's slice:$bad"
	ok "$3: $(addrs "$1" | tr '\n' ' ')"
}
# lease_keys: "ADDR NODE" per sslvpnd:lease:phones:* key
lease_keys() {
	local k
	for k in $(rcli --scan --pattern 'sslvpnd:lease:phones:*'); do
		printf '%s %s\n' "${k##*:}" "$(rcli GET "$k" | cut -d' ' -f1)"
	done | sort -t. -k4,4n
}
# expected_keys: what the keys must be: every assigned address with its node
expected_keys() {
	{ addrs "$SRV_LOG" | sed 's/$/ a/'; addrs "$B_LOG" | sed 's/$/ b/'; } | sort -t. -k4,4n
}

# 1. phones on both nodes: each node's own slice (a even, b odd)
phones pa "$SRV_IP" 1000
phones pb "$B_IP" 2000
got4() { [ "$(n_addrs "$SRV_LOG")" -eq 4 ] && [ "$(n_addrs "$B_LOG")" -eq 4 ]; }
wait_for 20 "4 phones up on each node" got4 || fail "not 4 tunnels on each node"
assert_slice "$SRV_LOG" 0 "node a (slice 1) leased"
assert_slice "$B_LOG" 1 "node b (slice 2) leased"

# 2. Redis: one key per live session, naming its node
keys_match() { [ "$(lease_keys)" = "$(expected_keys)" ]; }
wait_for 5 "lease keys = live sessions" keys_match ||
	fail "lease keys $(lease_keys | tr '\n' ,) differ from sessions $(expected_keys | tr '\n' ,)"
ok "sslvpnd:lease:* names exactly the 8 live sessions, each with its node"
k=$(rcli --scan --pattern 'sslvpnd:lease:phones:*' | head -n 1)
assert_match "$(rcli GET "$k")" '^[ab] [0-9a-f]{64} CP-8861-' "a claim is \"node cookie-hash user\""
ttl=$(rcli PTTL "$k")
[ "$ttl" -gt 0 ] && [ "$ttl" -le 10000 ] || fail "lease PTTL $ttl, want 1..10000 (lease-ttl 10)"
ok "claims expire (PTTL $ttl ms)"
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
out=$(timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show ip local pool phones 2>&1)
assert_match "$out" 'Fleet: this node leases slice 1 of 2 \(10 addresses\); held elsewhere: 0' \
	"show ip local pool: node a's slice"

# 3. Redis stopped: new logins still get their node's slice, none twice
stop_pid "$REDIS_PID" KILL
down_a() { log_has 100861 'node a lost Redis'; }
down_b() { b_has '100861.*node b lost Redis'; }
wait_for 10 "both nodes lost Redis" eval 'down_a && down_b' || fail "no 100861 on both"
phones qa "$SRV_IP" 3000
phones qb "$B_IP" 4000
got8() { [ "$(n_addrs "$SRV_LOG")" -eq 8 ] && [ "$(n_addrs "$B_LOG")" -eq 8 ]; }
wait_for 20 "4 more phones on each node without Redis" got8 ||
	fail "not 8 tunnels on each node while Redis is down"
assert_slice "$SRV_LOG" 0 "node a without Redis leased"
assert_slice "$B_LOG" 1 "node b without Redis leased"
dups=$({ addrs "$SRV_LOG"; addrs "$B_LOG"; } | sort | uniq -d)
[ -z "$dups" ] || fail "addresses assigned twice: $dups"
ok "16 phones, 16 distinct addresses"

# 4. Redis back, empty: every live lease claimed again
redis_start
back_a() { log_has 100880 'reconciled: 8 local leases written again'; }
back_b() { b_has '100880.*reconciled: 8 local leases written again'; }
wait_for 20 "both nodes reconciled" eval 'back_a && back_b' || fail "no 100880 with 8 on both"
wait_for 5 "lease keys = live sessions again" keys_match ||
	fail "after Redis returned: keys $(lease_keys | tr '\n' ,) differ from sessions $(expected_keys | tr '\n' ,)"
ok "every live lease is in Redis again (16 keys, one per address)"

# 4b. a claim of a third node c on a free address of a's slice (a session that
# moved to c while the nodes did not hear each other): at a's next
# reconcile it is held elsewhere, and free again once the claim is gone
rcli SET sslvpnd:lease:phones:198.19.0.28 "c $(printf '%064d' 0) moved-user" PX 6000 >/dev/null
rcli CLIENT KILL TYPE normal >/dev/null
held() { log_has 100882 'address 198\.19\.0\.28 of ip local pool phones is held by node c'; }
wait_for 15 "a holds .28 for c" held || fail "no 100882 for 198.19.0.28"
out=$(timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show ip local pool phones 2>&1)
assert_match "$out" 'held elsewhere: 1' "show ip local pool counts it held elsewhere"
freed() { log_has 100883 'address 198\.19\.0\.28 of ip local pool phones is free here again'; }
wait_for 25 "the claim expired, .28 free again (lease-ttl after the up)" freed || fail "no 100883 for 198.19.0.28"
assert_no_log 722051 'Address <198\.19\.0\.28>' "a never leased the address held elsewhere"

# 4c. a claim of c on an address a leases (a session leased while a could
# not see that one had moved to c): at a's next refresh (lease-ttl/3) the
# claim in Redis wins, a's session ends and the address waits for c's
# claim to go
rcli SET sslvpnd:lease:phones:198.19.0.10 "c $(printf '%064d' 0) moved-user" PX 7000 >/dev/null
conflict() { log_has 100881 'address 198\.19\.0\.10 of ip local pool phones, leased here to CP-8861-.*, is claimed in Redis by node c'; }
wait_for 10 "100881 at a's refresh" conflict || fail "no 100881 for 198.19.0.10"
wait_for 5 "a's session ended" log_has 113019 'Reason: Address in use on another node' ||
	fail "the session holding 198.19.0.10 did not end"
back10() { log_has 100883 'address 198\.19\.0\.10 of ip local pool phones is free here again'; }
wait_for 15 "c's claim expired, .10 free again" back10 || fail "no 100883 for 198.19.0.10"

# 5. the phones leave: each claim goes (compare-and-delete), the address
# is remembered for its user fleet-wide
for p in "${PIDS[@]}"; do
	stop_pid "$p" TERM
done
no_keys() { [ -z "$(lease_keys)" ]; }
wait_for 10 "claims deleted at release" no_keys || fail "claims left: $(lease_keys | tr '\n' ,)"
n=$(rcli --scan --pattern 'sslvpnd:user-addr:phones:*' | wc -l)
assert_eq 16 "$n" "sslvpnd:user-addr:phones:* for the 16 users"
assert_server_alive
pid_alive "$B_PID" || fail "node b died"
echo "PASS: $T_NAME"
