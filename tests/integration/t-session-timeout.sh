#!/bin/bash
# t-session-timeout: vpn-session-timeout 1 (minute) ends the session on
# time, tunnel or not, as the ASA does: the client is told (DISCONNECT) and
# exits, 113019 says "Max time exceeded" with the bytes the tunnel carried
# (its final counts, TLS and DTLS, not 0), the cookie stops working.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect -c mic-sha2/leaf   |  TLS/DTLS| sslvpnd -f -c timeout.conf    |
#   |   tunN 198.19.0.x/32           |=========>|  DfltGrpPolicy:               |
#   |                                |          |   vpn-session-timeout = 1     |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/timeout.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; vpn-session-timeout = 1; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
t0=$(date +%s)
oc_connect a "$SERVER_URL" -c "$cert" -k "$key" || fail "no tunnel"
assert_match "$(oc_env a CISCO_CSTP_OPTIONS 2>/dev/null)$(grep -h 'X-CSTP-Session-Timeout:' "${OC_LOG[a]}" | head -n 1)" \
	'X-CSTP-Session-Timeout: 60' "X-CSTP-Session-Timeout: 60 sent"
assert_ping a
oc_exited() { ! pid_alive "${OC_PID[a]}"; }
wait_for 80 "openconnect told to leave at the session timeout" oc_exited ||
	fail "openconnect still running 80 s after login with a 60 s session timeout"
t1=$(date +%s)
[ $((t1 - t0)) -ge 55 ] || fail "session ended after $((t1 - t0)) s, before its 60 s"
ok "openconnect left after $((t1 - t0)) s"
assert_log 113019 "Username = $(re "$cn"), .*Reason: Max time exceeded" "113019: Max time exceeded"
assert_ended_bytes "Username = $(re "$cn"), .*Reason: Max time exceeded" 252 "113019 counts the tunnel's bytes"
assert_server_alive
echo "PASS: $T_NAME"
