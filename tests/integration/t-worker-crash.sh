#!/bin/bash
# t-worker-crash: a worker process dies (SIGKILL).  main logs it (100004),
# restarts it (100003), the sessions it carried stay resumable, and both
# openconnect clients reconnect on their own with their cookie, get the same
# addresses back and pass traffic again.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd -f -c crash.conf      |
#   | openconnect B (7962G MIC) tunM |===443===>|   workers = 2 (sslvpn0, 1)    |
#   |   ping before and after        |          |   kill -9 <every worker>      |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

# ping_via NAME: three pings bound to client NAME's tun device (both clients
# share one namespace and one route to $BEHIND_IP), counted on that device.
ping_via() {
	local dev=${OC_TUNDEV[$1]} rx0 rx1
	rx0=$(tun_counter "$NS_CLI" "$dev" rx)
	ns_cli ping -c 3 -W 2 -I "$dev" "$BEHIND_IP" >/dev/null 2>&1 ||
		fail "ping $BEHIND_IP through $dev ($1)"
	rx1=$(tun_counter "$NS_CLI" "$dev" rx)
	[ $((rx1 - rx0)) -ge 3 ] || fail "$dev received $((rx1 - rx0)) packets, expected >= 3"
	ok "ping through $dev ($1): replies on $dev +$((rx1 - rx0))"
}

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/crash.conf"
cat >"$conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
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
ping_via a
ping_via b

# The workers are children of the sslvpnd this test started.
workers=$(pgrep -P "$main_pid" -d ' ' sslvpnd-worker)
[ -n "$workers" ] || fail "no sslvpnd-worker children of main pid $main_pid"
note "killing workers: $workers"
for w in $workers; do kill -KILL "$w"; done

assert_log 100004 'killed by signal 9' "100004: worker death logged with its cause"
workers_back() { [ "$(pgrep -P "$main_pid" -c sslvpnd-worker)" -ge 2 ]; }
wait_for 10 "workers restarted" workers_back ||
	fail "workers not restarted"
ok "workers restarted: $(pgrep -P "$main_pid" -d ' ' sslvpnd-worker)"

# openconnect notices the dead TLS connection and reconnects with its cookie.
both_back() {
	[ "$(log_lines 722051 "Address <($(re "$addr_a")|$(re "$addr_b"))>" | wc -l)" -ge 4 ]
}
wait_for 40 "both sessions back" both_back ||
	fail "expected each address assigned again after the crash"
ok "both sessions reconnected with their addresses ($addr_a, $addr_b)"
wait_for 20 "ping through A again" ns_cli ping -c 1 -W 1 -I "${OC_TUNDEV[a]}" "$BEHIND_IP" ||
	fail "no traffic through A's tunnel after the worker restart"
ping_via a
ping_via b
assert_no_log 722051 "Address <198\.19\.0\.1[2-9]>" "no session moved to a new address"
assert_server_alive
oc_stop a
oc_stop b
echo "PASS: $T_NAME"
