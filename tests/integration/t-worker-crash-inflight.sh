#!/bin/bash
# t-worker-crash-inflight: main handed a client connection to the only
# worker (CONN_NEW sent), and the worker died before reading it.  main kept
# a copy of the socket until the worker's CONN_TAKEN, so the connection goes
# to the restarted worker and the client is served, instead of being closed
# (which costs an openconnect client its 10 s reconnect back-off).
# Deterministic: the worker is stopped (SIGSTOP) while the client connects,
# then killed.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | curl -k https://198.18.0.1/    |===443===>| sslvpnd -f -c inflight.conf   |
#   |                                |          |   workers = 1: SIGSTOP, then  |
#   |                                |          |   SIGKILL with CONN_NEW unread|
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/inflight.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "pool"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "pool"; } );
CONF
start_sslvpnd -c "$conf"
main_pid=$(cat "$TMPD/sslvpnd.pid")
worker=$(pgrep -P "$main_pid" sslvpnd-worker)
[ "$(printf '%s\n' "$worker" | wc -l)" -eq 1 ] || fail "expected one worker, got: $worker"
# main restarts a worker that dies within its first second only after 1 s
# (RESTART_BACKOFF_MS, against crash loops): let it run past that.
sleep 1.2
kill -STOP "$worker"
note "stopped the only worker (pid $worker)"

timeout -k 2 20 ip netns exec "$NS_CLI" curl -sk --max-time 15 -o "$TMPD/curl.body" \
	-w '%{http_code}' "https://$SRV_IP/" >"$TMPD/curl.code" 2>"$TMPD/curl.err" &
curl_pid=$!
track_pid "$curl_pid"

# main accepted it (the listener's queue is empty again) and sent it to
# the stopped worker.
accepted() {
	ns_cli ss -tnH state established '( dport = :443 )' | grep -q . &&
		[ "$(ns_srv ss -ltnH '( sport = :443 )' | awk '{ print $2; exit }')" = 0 ]
}
wait_for 5 "main accepted the connection" accepted || fail "the connection was not accepted"
sleep 0.3
kill -KILL "$worker"
note "killed the stopped worker with the CONN_NEW unread"

wait "$curl_pid"
rc=$?
code=$(cat "$TMPD/curl.code")
note "curl exit $rc, HTTP status $code $(head -c 200 "$TMPD/curl.err")"
assert_rc 0 "$rc" "curl was served"
assert_match "$code" '^[1-5][0-9][0-9]$' "an HTTP answer from the restarted worker"
[ "$(log_lines 100003 'worker 0 started' | wc -l)" -ge 2 ] || fail "the worker was not restarted (100003)"
ok "the worker was restarted"
grep -q 'worker 0 died before taking 1 connection' "$SRV_LOG" ||
	fail "main did not log the connection it took back"
ok "main handed the unread connection to the restarted worker"
assert_server_alive
echo "PASS: $T_NAME"
