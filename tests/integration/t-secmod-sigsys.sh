#!/bin/bash
# t-secmod-sigsys: a forbidden system call in sslvpnd-secmod (the test aid
# SSLVPND_TEST_SECCOMP_PROBE=secmod:ptrace:SECS, man sslvpnd(8)) kills
# secmod alone: its last line names the call (100740), main logs its death
# by SIGSYS (100702) and restarts it (100700), the restarted secmod does
# not probe again, and logins work again (every TLS handshake needs secmod:
# it signs with the identity keys).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd (workers = 1)         |
#   |   after secmod's restart       |          |   sslvpnd-secmod: ptrace ->   |
#   |                                |          |   SIGSYS, restarted by main   |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PROBE_AFTER=3   # seconds after secmod enters its sandbox

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/secmod-sigsys.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
SSLVPND_TEST_SECCOMP_PROBE="secmod:ptrace:$PROBE_AFTER" start_sslvpnd -c "$conf"
main_pid=$(cat "$TMPD/sslvpnd.pid")
sm=$(log_lines 100700 | head -n 1 | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')
[ -n "$sm" ] || fail "no 100700 for the first secmod"

wait_for $((PROBE_AFTER + 10)) "secmod's probe" log_has 100740 ||
	{ grep -E 'secmod|1007' "$SRV_LOG" | tail -n 20 | sed 's/^/# srv: /'; fail "no 100740 line"; }
assert_log_all "secmod's forbidden call is logged by name" 100740 \
	"secmod \\(pid $sm\\): forbidden system call ptrace \\([0-9]+\\)"
wait_for 10 "100702 for secmod" log_has 100702 "security module \\(pid $sm\\) died: .*(Bad system call|signal 31)" ||
	fail "main did not log secmod's death by SIGSYS: $(log_lines 100702)"
ok "main logged secmod's death by SIGSYS"
restarted() { [ "$(log_lines 100700 | wc -l)" -ge 2 ]; }
wait_for 10 "secmod restarted" restarted || fail "main did not restart secmod"
sm2=$(log_lines 100700 | tail -n 1 | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')
pid_alive "$sm2" || fail "the restarted secmod (pid $sm2) is not running"
ok "secmod restarted (pid $sm2)"
assert_no_log 100004 'worker' "no worker died with secmod"

oc_connect a "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "no login after secmod's restart"
assert_ping a
sleep $((PROBE_AFTER + 1))  # a restarted secmod that probed again would be dead by now
assert_eq 1 "$(log_lines 100740 | wc -l)" "one forbidden call: the restarted secmod serves on"
pid_alive "$sm2" || fail "the restarted secmod (pid $sm2) died"
pgrep -P "$main_pid" -x sslvpnd-secmod >/dev/null || fail "no secmod under main"
assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
