#!/bin/bash
# t-idle-timeout: vpn-idle-timeout 1 (minute): an openconnect tunnel that
# carries no user data (DPD and keepalives are not user data) is ended by
# the headend with TERMINATE about a minute after its last packet;
# openconnect exits instead of reconnecting, 113019 says "Idle Timeout" and
# the cookie no longer works.  A ping first shows the tunnel works.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --cookie  tunN     |===443===>| sslvpnd -f -c idle.conf       |
#   |   ping, then silence           |          |  DfltGrpPolicy:               |
#   |   TERMINATE at ~60 s           |          |   vpn-idle-timeout = 1        |
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

conf="$TMPD/idle.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "p"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; vpn-idle-timeout = 1; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "p"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"
cert="$PKI/mic-sha2/leaf.pem"
cn=$(cert_cn "$cert")

oc_authenticate idle "$SERVER_URL" -c "$cert" -k "$PKI/mic-sha2/leaf.key"
[ -n "$OC_COOKIE" ] || fail "--authenticate printed no cookie"
cookie=$OC_COOKIE
oc_connect a "$SERVER_URL" --cookie="$cookie" || fail "no tunnel"
grep -q 'X-CSTP-Idle-Timeout: 60' "${OC_LOG[a]}" || fail "no X-CSTP-Idle-Timeout: 60"
assert_ping a
t0=$(date +%s)
oc_exited() { ! pid_alive "${OC_PID[a]}"; }
wait_for 90 "openconnect told to leave at the idle timeout" oc_exited ||
	fail "openconnect still running 90 s after its last packet with a 60 s idle timeout"
t1=$(date +%s)
[ $((t1 - t0)) -ge 55 ] || fail "idle end after $((t1 - t0)) s, before 60 s of silence"
ok "tunnel ended $((t1 - t0)) s after the last ping"
grep -qi 'received server terminate packet' "${OC_LOG[a]}" ||
	fail "openconnect was not sent TERMINATE: $(tail -n 4 "${OC_LOG[a]}")"
ok "the headend sent TERMINATE"
assert_log 113019 "Username = $(re "$cn"), .*Reason: Idle Timeout" "113019: Idle Timeout"
if oc_connect b "$SERVER_URL" --cookie="$cookie"; then
	fail "the cookie still works after the idle timeout"
fi
ok "the cookie is refused after the idle timeout"
assert_server_alive
echo "PASS: $T_NAME"
