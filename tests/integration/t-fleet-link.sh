#!/bin/bash
# t-fleet-link (S16): the fleet's link to Redis.  A node with fleet.redis
# set publishes its node record (100860); Redis killed -> 100861 and the
# node keeps serving (a new tunnel comes up without Redis); Redis started
# again -> 100860 "after N s without it" and the record is written again
# (the reconcile hook ran).  A Redis that never answered is 100862, not a
# failure to start.
#
#   client ns svd-c-$$                        server ns svd-s-$$
#   openconnect  ----- veth 198.18.0.0/30 ---- sslvpnd (fleet.redis =
#                                              127.0.0.1:PORT) + redis-server
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

command -v redis-server >/dev/null || skip "redis-server not installed (scripts/test installs it)"
lib_init
pki_ensure
netns_setup
state_init

port=16379
conf="$TMPD/fleet.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
fleet = { redis = "127.0.0.1:$port"; node = "n1"; url = "https://198.18.0.1/"; heartbeat = 1; };
CONF

redis_start() {
	ip netns exec "$NS_SRV" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --logfile "$TMPD/redis.log" --dir "$TMPD" </dev/null >/dev/null 2>&1 &
	REDIS_PID=$!
	track_pid "$REDIS_PID"
	wait_for 10 "redis answers" redis_ping || fail "redis-server did not start"
}
redis_ping() { [ "$(ns_srv redis-cli -p "$port" PING 2>/dev/null)" = PONG ]; }
rcli() { ns_srv redis-cli -p "$port" "$@"; }

# 1. Redis not there yet: the node starts and says so.
start_sslvpnd -c "$conf"
unreachable() { log_has 100862 'Redis 127.0.0.1:16379 unreachable'; }
wait_for 10 "100862 while Redis is absent" unreachable || fail "no 100862 without Redis"
assert_no_log 100860 '' "not connected while Redis is absent"

# 2. Redis comes: connected, node record written with its TTL.
redis_start
up1() { log_has 100860 'node n1 connected to Redis 127.0.0.1:16379 \(first connection\)'; }
wait_for 15 "100860 first connection" up1 || fail "no 100860 after Redis started"
assert_eq "https://198.18.0.1/" "$(rcli HGET sslvpnd:node:n1 url)" "node record url"
ttl=$(rcli TTL sslvpnd:node:n1)
[ "$ttl" -ge 1 ] && [ "$ttl" -le 3 ] || fail "node record TTL $ttl, want 1..3 (3 heartbeats)"
ok "node record with TTL $ttl"
assert_eq 1 "$(rcli SISMEMBER sslvpnd:nodes n1)" "n1 in sslvpnd:nodes"

# 3. Redis killed: 100861, and the node still serves a new tunnel.
stop_pid "$REDIS_PID" KILL
down() { log_has 100861 'node n1 lost Redis 127.0.0.1:16379'; }
wait_for 10 "100861 after Redis died" down || fail "no 100861 after Redis was killed"
oc_connect a "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "no tunnel while Redis is down"
assert_ping a

# 4. Redis back (empty): reconnected, record written again.
redis_start
up2() { log_has 100860 'node n1 connected to Redis .*\(after [0-9]+ s without it\)'; }
wait_for 20 "100860 after the outage" up2 || fail "no 100860 after Redis returned"
rec() { [ "$(rcli HGET sslvpnd:node:n1 url)" = "https://198.18.0.1/" ]; }
wait_for 5 "node record rewritten" rec || fail "node record not written again after the outage"
assert_ping a
assert_server_alive
echo "PASS: $T_NAME"
