#!/bin/bash
# t-worker-forge-cert: main takes no worker's word for who a client is.
# Worker 1 (test aid SSLVPND_TEST_FORGE=cert, man sslvpnd(8)) puts a made-up
# chain (self-signed, CN=forged-admin) into every AUTH_REQ it sends, as a
# compromised worker would to log in as any certificate user.  main verifies
# the chain itself against the configuration's CA trustpoints: it refuses
# (100519), kills worker 1 alone and restarts it; the session on worker 0
# keeps its traffic and logins work again.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd (workers = 2)        |
#   |   -> worker 0, pings           |          |   worker 1 forges the chain  |
#   | openconnect --authenticate B   |===443===>|   -> 100519, worker 1 killed |
#   |   (7962G MIC) -> worker 1      |          |                              |
#   +--------------------------------+          +------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-forge.sh
. "$top_srcdir/tests/integration/lib-forge.sh"

lib_init
pki_ensure
netns_setup
state_init
forge_start cert

tunnel_on_worker0
assert_ping a
assert_no_log 100519 '' "A's honest chain verified in main"

# B's login goes to worker 1 (worker 0 carries A), which forges it.
# openconnect then retries on a new connection (worker 0): B's own, honest
# login may succeed there; the forged one must not.
oc_authenticate b "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key"
refused() { log_has 100519 'the worker reported a client certificate chain that does not verify in main'; }
wait_for 10 "main refuses the forged chain (100519)" refused || fail "no 100519"
assert_log 100519 "connection [0-9]+ from $(re "$CLI_IP"): the worker reported .*self.signed.*killing the worker" \
	"the refusal names the connection, main's own peer address and the cause"
log_has 100003 'worker 1 started' || fail "worker 1 never started"
worker1_replaced
assert_no_log 716038 'forged-admin' "nobody logged in as the forged subject"
assert_no_log 722051 'forged-admin' "no session for the forged subject"

assert_ping a
oc_authenticate b2 "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key"
[ -n "$OC_COOKIE" ] || fail "no login after worker 1's restart (exit $OC_AUTH_RC)"
ok "logins work again (the restarted worker forges nothing)"
assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
