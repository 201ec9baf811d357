#!/bin/bash
# t-simultaneous-logins: vpn-simultaneous-logins as the ASA documents it
# (CLI configuration guide, "Configuring VPN-Specific Attributes"): at the
# limit the session with the longest idle time is logged off, the oldest
# when all are equally idle; 0 refuses every login.
#  1. limit 2, sessions A and B up; C logs in -> A (oldest, all active) is
#     logged off: openconnect A is told and exits, 113019 Max logins exceeded
#     with A's byte counts (the tunnel's final TUNNEL_CLOSED, not 0).
#  2. C's client dies (kill -9: C keeps its session without a tunnel); D logs
#     in -> C (idle, though newer than B) is logged off, B keeps running.
#  3. a tunnel group whose policy says 0 refuses the login (716039 naming
#     vpn-simultaneous-logins 0 and where it came from).
#  4. main restarts (SIGTERM) and restores B and D from its registry: they
#     count (sessions_user.c), so E's login logs one of them off.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A, B, C, D         |  TLS 443 | sslvpnd -f -c logins.conf     |
#   |  (same CP-8861 MIC = same user)|=========>|  DfltGrpPolicy: logins 2      |
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

conf="$TMPD/logins.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; vpn-simultaneous-logins = 2; },
                   { name = "Closed"; vpn-simultaneous-logins = 0; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; },
                  { name = "closed-group"; address-pool = "phones"; default-group-policy = "Closed";
                    authentication = "certificate"; group-url = ["https://$SRV_IP/closed"]; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
con() { oc_connect "$1" "$SERVER_URL" -c "$cert" -k "$key" --no-dtls || fail "$1: no tunnel"; }
gone() { ! pid_alive "${OC_PID[$1]}"; }
maxlogins() { log_lines 113019 "Username = $(re "$cn"), .*Reason: Max logins exceeded" | wc -l; }

# --- 1. all active: the oldest goes
con a
assert_ping a   # 3 echo requests and replies of 84 bytes through A's tunnel
con b
assert_ne "${OC_ADDR[a]}" "${OC_ADDR[b]}" "two sessions of one user get two addresses"
con c
wait_for 10 "A logged off" gone a || fail "A (the oldest session) still running after C logged in"
ok "A logged off when C logged in"
pid_alive "${OC_PID[b]}" || fail "B was logged off too"
[ "$(maxlogins)" -eq 1 ] || fail "expected one 113019 Max logins exceeded, got $(maxlogins)"
ok "113019: Max logins exceeded"
assert_ended_bytes "Username = $(re "$cn"), .*Reason: Max logins exceeded" 252 "113019 of A counts its tunnel's bytes"

# --- 2. the idle session goes before an older active one
oc_stop c KILL
note "openconnect C killed: its session stays without a tunnel"
wait_for 10 "C's tunnel down" log_has 722023 "User <$(re "$cn")>" || fail "no 722023 for C"
con d
wait_for 10 "second logoff" test "$(maxlogins)" -ge 2 || fail "no logoff when D logged in"
sleep 1
pid_alive "${OC_PID[b]}" || fail "B (older, active) was logged off instead of C (idle)"
pid_alive "${OC_PID[d]}" || fail "D did not stay"
ok "C (idle) logged off, B (older, active) and D run"
assert_ping d

# --- 3. vpn-simultaneous-logins 0
oc_authenticate closed "https://$SRV_IP/closed" -c "$cert" -k "$key"
[ -z "$OC_COOKIE" ] || fail "a policy with vpn-simultaneous-logins 0 gave a cookie"
assert_log 100215 "User <$(re "$cn")> .*vpn-simultaneous-logins is 0 \\(from Closed\\)" \
	"100215: refused by vpn-simultaneous-logins 0 of policy Closed"
assert_server_alive

# --- 4. restored sessions count towards the limit
main_pid=$(cat "$TMPD/sslvpnd.pid")
kill -TERM "$main_pid"
wait_for 10 "main gone" eval "! pid_alive $main_pid" || fail "main $main_pid still running"
mv "$SRV_LOG" "$TMPD/sslvpnd-before.log"
start_sslvpnd -c "$conf"
assert_log 100240 "2 sessions restored" "100240: B and D restored"
con e
wait_for 10 "logoff after the restart" test "$(maxlogins)" -ge 1 ||
	fail "E logged in beside the two restored sessions without a logoff (limit 2)"
ok "E's login logged off a restored session"
assert_server_alive
echo "PASS: $T_NAME"
