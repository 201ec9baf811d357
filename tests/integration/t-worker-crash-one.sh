#!/bin/bash
# t-worker-crash-one: the only worker dies (SIGKILL) with two tunnels on it.
# main restarts it at once; both openconnect clients reconnect with their
# cookies and get their addresses back promptly (well under 5 s; measured
# about 0.1 s), not after openconnect's 10 s reconnect back-off: a client
# that comes back before the new worker is ready must wait for it, not be
# dropped.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd -f -c crash1.conf     |
#   | openconnect B (7962G MIC) tunM |===443===>|   workers = 1 (sslvpn0)       |
#   |   ping before and after        |          |   kill -9 <the worker>        |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

LIMIT_MS=5000   # generous: the point is "not openconnect's 10 s back-off"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/crash1.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"
main_pid=$(cat "$TMPD/sslvpnd.pid")

oc_connect a "$SERVER_URL" --reconnect-timeout 60 \
	-c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" || fail "client A: no tunnel"
oc_connect b "$SERVER_URL" --reconnect-timeout 60 \
	-c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" || fail "client B: no tunnel"
addr_a=${OC_ADDR[a]}
addr_b=${OC_ADDR[b]}
assert_ne "$addr_a" "$addr_b" "two sessions, two addresses"
for n in a b; do
	ns_cli ping -c 2 -W 2 -I "${OC_TUNDEV[$n]}" "$BEHIND_IP" >/dev/null ||
		fail "no traffic through $n's tunnel before the crash"
done
ok "traffic through both tunnels"

worker=$(pgrep -P "$main_pid" sslvpnd-worker)
[ "$(printf '%s\n' "$worker" | wc -l)" -eq 1 ] || fail "expected one worker, got: $worker"
assigned0=$(log_lines 722051 | wc -l)
t0=$(date +%s%N)
kill -KILL "$worker"
note "killed the only worker (pid $worker)"

both_back() { [ "$(log_lines 722051 | wc -l)" -ge $((assigned0 + 2)) ]; }
wait_for 30 "both sessions back" both_back ||
	fail "expected two more 722051 (address assigned) after the crash"
ms=$((($(date +%s%N) - t0) / 1000000))
note "both sessions back ${ms} ms after the SIGKILL"
for n in a b; do
	grep -E 'sleep [0-9]+s|reconnect' "${OC_LOG[$n]}" | tail -n 4 | sed "s/^/# oc[$n]: /"
done
[ "$ms" -lt "$LIMIT_MS" ] ||
	fail "sessions came back after ${ms} ms (limit ${LIMIT_MS} ms): a client that reconnects before the new worker is ready is dropped"
ok "both sessions back within ${ms} ms (< ${LIMIT_MS} ms)"
[ "$(log_lines 722051 "<$(re "$addr_a")>" | wc -l)" -ge 2 ] || fail "A did not get $addr_a back"
[ "$(log_lines 722051 "<$(re "$addr_b")>" | wc -l)" -ge 2 ] || fail "B did not get $addr_b back"
ok "same addresses back ($addr_a, $addr_b)"
wait_for 10 "ping through A again" ns_cli ping -c 1 -W 1 -I "${OC_TUNDEV[a]}" "$BEHIND_IP" ||
	fail "no traffic through A's tunnel after the worker restart"
wait_for 10 "ping through B again" ns_cli ping -c 1 -W 1 -I "${OC_TUNDEV[b]}" "$BEHIND_IP" ||
	fail "no traffic through B's tunnel after the worker restart"
ok "traffic through both tunnels again"
assert_no_log 100004 'exit status' "the restarted worker did not exit"
assert_server_alive
oc_stop a
oc_stop b
echo "PASS: $T_NAME"
