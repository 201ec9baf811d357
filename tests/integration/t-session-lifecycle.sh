#!/bin/bash
# t-session-lifecycle: the session of an openconnect client as the ASA keeps
# it (vpn-session-timeout 1 minute):
#   1. its TCP connection is cut (ss -K in the client namespace): openconnect
#      reconnects by itself with its cookie and keeps its address; traffic
#      flows again;
#   2. the session timeout counts from the login, not from the reconnect:
#      the headend sends TERMINATE about 60 s after the login and openconnect
#      exits ("received server terminate packet"); 113019 "Max time
#      exceeded"; the cookie no longer works;
#   3. a user logout (openconnect SIGINT: DISCONNECT 0xb0) ends the session
#      and its cookie at once, while a connection that dies without it
#      (SIGKILL) keeps the cookie usable.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --cookie  tunN     |===443===>| sslvpnd -f -c life.conf       |
#   |   ss -K: TCP cut, reconnect    |          |  DfltGrpPolicy:               |
#   |   TERMINATE at 60 s           |          |   vpn-session-timeout = 1     |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/life.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "p"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; vpn-session-timeout = 1; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "p"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"
cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")

# cookie NAME: log in with the certificate, set COOKIE
cookie() {
	oc_authenticate "$1" "$SERVER_URL" -c "$cert" -k "$key"
	[ -n "$OC_COOKIE" ] || fail "$1: --authenticate printed no cookie"
	COOKIE=$OC_COOKIE
}
# refused NAME COOKIE: a CONNECT with the cookie gets no tunnel
refused() {
	if oc_connect "$1" "$SERVER_URL" --cookie="$2"; then
		oc_stop "$1"
		return 1
	fi
	return 0
}

# 1. TCP cut: openconnect reconnects with its cookie, same address
cookie life
t0=$(date +%s)
oc_connect a "$SERVER_URL" --cookie="$COOKIE" --no-dtls || fail "a: no tunnel"
addr=${OC_ADDR[a]}
assert_ping a
ns_cli ss -K dst "$SRV_IP" dport = 443 >/dev/null || fail "ss -K could not cut the TCP connection"
reconnected() { [ "$(oc_connects a)" -ge 2 ]; }
wait_for 30 "openconnect's reconnect after the cut" reconnected ||
	fail "a: no second CONNECT after its TCP connection was cut: $(tail -n 5 "${OC_LOG[a]}")"
assert_eq "$addr" "$(oc_last_addr a)" "a: the same address after its reconnect"
sleep 0.5
assert_ping a

# 2. the session timeout counts from the login, across the reconnect
oc_exited() { ! pid_alive "${OC_PID[a]}"; }
wait_for 80 "openconnect told to leave at the session timeout" oc_exited ||
	fail "a still running 80 s after its login with a 60 s session timeout"
t1=$(date +%s)
if [ $((t1 - t0)) -lt 55 ] || [ $((t1 - t0)) -gt 75 ]; then
	fail "session ended $((t1 - t0)) s after the login, want about 60 (counted from the login)"
fi
ok "session ended $((t1 - t0)) s after the login, across a reconnect"
grep -qi 'received server terminate packet' "${OC_LOG[a]}" ||
	fail "a was not sent TERMINATE: $(tail -n 4 "${OC_LOG[a]}")"
ok "the headend sent TERMINATE"
assert_log 113019 "Username = $(re "$cn"), .*Reason: Max time exceeded" "113019: Max time exceeded"
refused a2 "$COOKIE" || fail "the cookie still works after the session timeout"
ok "the cookie is refused after the session timeout"

# 3. DISCONNECT 0xb0 (openconnect's logout) ends the session and its cookie;
# a connection lost without it keeps the cookie
cookie keep
oc_connect k "$SERVER_URL" --cookie="$COOKIE" --no-dtls || fail "k: no tunnel"
oc_stop k KILL
oc_connect k2 "$SERVER_URL" --cookie="$COOKIE" --no-dtls ||
	fail "the cookie of a connection lost without a DISCONNECT was refused"
ok "a lost connection keeps its cookie"
oc_stop k2 INT
bye_sent() { grep -q 'Send BYE packet' "${OC_LOG[k2]}"; }
wait_for 5 "openconnect's BYE" bye_sent || fail "openconnect sent no BYE on SIGINT"
wait_for 5 "the logout's 113019" log_has 113019 'Reason: User Requested' ||
	fail "no 113019 'User Requested' after the 0xb0 DISCONNECT"
ok "DISCONNECT 0xb0 ended the session (113019 User Requested)"
refused k3 "$COOKIE" || fail "the cookie still works after DISCONNECT 0xb0"
ok "the cookie is refused after DISCONNECT 0xb0"
assert_server_alive
echo "PASS: $T_NAME"
