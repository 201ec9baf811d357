#!/bin/bash
# t-worker-forge-cert: main takes no worker's word for who a client is.
# Worker 1 (test aid SSLVPND_TEST_FORGE=cert, man sslvpnd(8)) puts a made-up
# chain (self-signed, CN=forged-admin) into every AUTH_REQ it sends, as a
# compromised worker would to log in as any certificate user.  main verifies
# the chain itself against the configuration's CA trustpoints: it refuses
# (100519), kills worker 1 alone and restarts it; the session on worker 0
# keeps its traffic and a login on the restarted worker 1 works.
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

conf="$TMPD/forge-cert.conf"
cat >"$conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
SSLVPND_TEST_FORGE=cert start_sslvpnd -c "$conf"

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
# killed (SIGKILL), or it saw main close its channel first and left
wait_for 10 "worker 1 gone" log_has 100004 'worker 1 .*died' || fail "worker 1 was not ended"
assert_no_log 100004 'worker 0 ' "worker 0 was not touched"
assert_no_log 716038 'forged-admin' "nobody logged in as the forged subject"
assert_no_log 722051 'forged-admin' "no session for the forged subject"
restarted() { [ "$(log_lines 100003 'worker 1 started' | wc -l)" -ge 2 ]; }
wait_for 10 "worker 1 restarted" restarted || fail "worker 1 was not restarted"
ok "worker 1 killed and restarted"

assert_ping a
oc_authenticate b2 "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key"
[ -n "$OC_COOKIE" ] || fail "no login after worker 1's restart (exit $OC_AUTH_RC)"
ok "logins work again (the restarted worker forges nothing)"
assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
