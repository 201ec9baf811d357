#!/bin/bash
# t-worker-forge-conn: a worker message naming a connection main never
# handed to that worker is a protocol violation.  Worker 1 (test aid
# SSLVPND_TEST_FORGE=conn:SECS, man sslvpnd(8)) sends an AUTH_REQ for
# connection 4294967281 SECS seconds after its start; main logs 100518
# (connection unknown), kills worker 1 alone and restarts it; the session on
# worker 0 keeps its traffic.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd (workers = 2)        |
#   |   -> worker 0, pings           |          |   worker 1: AUTH_REQ for     |
#   |                                |          |   conn 4294967281 -> 100518  |
#   +--------------------------------+          +------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

FORGE_AFTER=6   # seconds: A's tunnel is up by then

lib_init
pki_ensure
netns_setup
state_init

# Client A's tunnel on worker 0, for sure: main hands a connection to the
# least-loaded worker, the first of equals.  openconnect logs in on one
# connection and opens the tunnel on a second, which may find worker 0
# still counting the first; so A logs in alone, then connects with its
# cookie once both workers are idle (one connection: worker 0).
tunnel_on_worker0() {
	oc_authenticate a-login "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key"
	[ -n "$OC_COOKIE" ] || fail "client A: no login (exit $OC_AUTH_RC)"
	wait_for 10 "A's login connection closed" log_has 725007 'terminated' || fail "A's login connection stays open"
	sleep 0.5  # its CONN_DONE reaches main
	oc_connect a "$SERVER_URL" -C "$OC_COOKIE" || fail "client A: no tunnel"
	local w0
	w0=$(log_lines 100003 'worker 0 started' | sed -n 's/.*(pid \([0-9]*\)).*/\1/p' | head -n 1)
	grep -q "sslvpnd-worker\[$w0\]: .*100403: .*DTLS offered" "$SRV_LOG" ||
		fail "A's tunnel is not on worker 0 (pid $w0)"
	ok "A's tunnel is on worker 0 (pid $w0)"
}

conf="$TMPD/forge-conn.conf"
cat >"$conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
SSLVPND_TEST_FORGE="conn:$FORGE_AFTER" start_sslvpnd -c "$conf"

tunnel_on_worker0
assert_ping a

refused() { log_has 100518 'sent AUTH_REQ in state ready, connection 4294967281 unknown'; }
wait_for $((FORGE_AFTER + 10)) "main refuses the forged AUTH_REQ (100518)" refused ||
	fail "no 100518 for the connection worker 1 never got"
assert_log 100518 'worker 1 \(pid [0-9]+\) sent AUTH_REQ in state ready, connection 4294967281 unknown: a connection main never handed to it; killing it' \
	"the violation names worker, message, connection and cause"
# killed (SIGKILL), or it saw main close its channel first and left
wait_for 10 "worker 1 gone" log_has 100004 'worker 1 .*died' || fail "worker 1 was not ended"
assert_no_log 100004 'worker 0 ' "worker 0 was not touched"
restarted() { [ "$(log_lines 100003 'worker 1 started' | wc -l)" -ge 2 ]; }
wait_for 10 "worker 1 restarted" restarted || fail "worker 1 was not restarted"
sleep $((FORGE_AFTER + 1))  # a restart that forged again would be killed by now
n=$(log_lines 100518 | wc -l)
assert_eq 1 "$n" "one violation: the restarted worker forges nothing"
assert_ping a
ok "A's session on worker 0 carries traffic throughout"
assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
