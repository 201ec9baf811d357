#!/bin/bash
# t-max-sessions: limits.max-sessions, the platform session limit (the
# ASA's vpn-sessiondb max-anyconnect-premium-or-essentials-limit): with
# max-sessions = 2 and two sessions up, a third login is refused (716039
# with the reason, 100323) and gets no cookie; the running sessions are
# untouched (vpn-simultaneous-logins is 3 here, so no logoff makes room).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A, B               |  TLS 443 | sslvpnd -f -c max.conf        |
#   | openconnect --authenticate C   |=========>|  limits.max-sessions = 2      |
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

conf="$TMPD/max.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
limits = { max-sessions = 2; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; vpn-simultaneous-logins = 3; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
con() { oc_connect "$1" "$SERVER_URL" -c "$cert" -k "$key" --no-dtls || fail "$1: no tunnel"; }

con a
con b
assert_ne "${OC_ADDR[a]}" "${OC_ADDR[b]}" "two sessions up"
oc_authenticate c "$SERVER_URL" -c "$cert" -k "$key"
[ -z "$OC_COOKIE" ] || fail "a third login got a cookie with max-sessions = 2"
ok "the third login gets no cookie"
assert_log 100323 "login of $(re "$cn") from $(re "$CLI_IP") refused: the 2 sessions of max-sessions are in use" \
	"100323: session limit logged"
assert_log 716039 "User <$(re "$cn")> .*the maximum number of sessions is reached" \
	"716039: the refusal names the session limit"
pid_alive "${OC_PID[a]}" || fail "session A ended"
pid_alive "${OC_PID[b]}" || fail "session B ended"
ok "sessions A and B still up"
assert_ping b
oc_stop a
oc_stop b
echo "PASS: $T_NAME"
