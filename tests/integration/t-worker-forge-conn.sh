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
# shellcheck source=tests/integration/lib-forge.sh
. "$top_srcdir/tests/integration/lib-forge.sh"

FORGE_AFTER=6   # seconds: A's tunnel is up by then

lib_init
pki_ensure
netns_setup
state_init
forge_start "conn:$FORGE_AFTER"

tunnel_on_worker0
assert_ping a

refused() { log_has 100518 'sent AUTH_REQ in state ready, connection 4294967281 unknown'; }
wait_for $((FORGE_AFTER + 10)) "main refuses the forged AUTH_REQ (100518)" refused ||
	fail "no 100518 for the connection worker 1 never got"
assert_log 100518 'worker 1 \(pid [0-9]+\) sent AUTH_REQ in state ready, connection 4294967281 unknown: a connection main never handed to it; killing it' \
	"the violation names worker, message, connection and cause"
worker1_replaced
sleep $((FORGE_AFTER + 1))  # a restart that forged again would be killed by now
n=$(log_lines 100518 | wc -l)
assert_eq 1 "$n" "one violation: the restarted worker forges nothing"
assert_ping a
ok "A's session on worker 0 carries traffic throughout"
assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
