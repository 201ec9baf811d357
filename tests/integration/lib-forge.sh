# shellcheck shell=bash
# Helpers of the SSLVPND_TEST_FORGE tests (t-worker-forge-*.sh), on top of
# lib.sh (source lib.sh first).

# forge_start VALUE: sslvpnd with two workers and a certificate tunnel group,
# worker 1 forging as VALUE says (man sslvpnd(8)).
forge_start() {
	local conf="$TMPD/forge.conf"
	cat >"$conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
	SSLVPND_TEST_FORGE="$1" start_sslvpnd -c "$conf"
}

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

worker1_restarted() { [ "$(log_lines 100003 'worker 1 started' | wc -l)" -ge 2 ]; }

# worker1_replaced: worker 1 is gone (killed, or it saw main close its
# channel first and left), restarted, and worker 0 untouched.
worker1_replaced() {
	wait_for 10 "worker 1 gone" log_has 100004 'worker 1 .*died' || fail "worker 1 was not ended"
	assert_no_log 100004 'worker 0 ' "worker 0 was not touched"
	wait_for 10 "worker 1 restarted" worker1_restarted || fail "worker 1 was not restarted"
	ok "worker 1 ended and restarted"
}
