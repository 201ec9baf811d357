#!/bin/bash
# t-sandbox: the workers and sslvpnd-secmod run sandboxed (S10 item 3).
# /proc shows each of them as the system user sslvpnd, NoNewPrivs 1, an
# empty capability bounding set, seccomp in filter mode and the empty
# root-owned chroot <state-dir>/empty.  A forbidden system call in worker 1
# (the test aid SSLVPND_TEST_SECCOMP_PROBE=ptrace:SECS) kills worker 1 only:
# its log line names the call (100740), main logs the death by SIGSYS
# (100004) and restarts it, and the session on worker 0 never loses a ping.
# A general.user that does not exist is refused with file:line.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd -f -c sandbox.conf    |
#   | openconnect B (7962G MIC) tunM |===443===>|   one session on each worker  |
#   |   ping -i 0.2 across the death |          |   workers = 2 (sslvpn0, 1)    |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PROBE_AFTER=12   # seconds after worker 1 enters its sandbox

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/sandbox.conf"
cat >"$conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
# A missing general.user is refused with file:line and how to create it.
bad="$TMPD/nouser.conf"
sed 's/^general = { workers = 2;/general = {\n  user = "svd-no-such-user"; workers = 2;/' "$conf" >"$bad"
out=$("$SSLVPND" -t -c "$bad" --state-dir "$STATE" 2>&1)
assert_fails $? "sslvpnd -t with a missing general.user"
assert_match "$out" "$(re "$bad"):2: general.user \"svd-no-such-user\": no such user.*useradd --system --no-create-home --shell /usr/sbin/nologin svd-no-such-user" \
	"the error names the file:line, the user and how to create it"

export SSLVPND_TEST_SECCOMP_PROBE="ptrace:$PROBE_AFTER"
start_sslvpnd -c "$conf"
unset SSLVPND_TEST_SECCOMP_PROBE
main_pid=$(cat "$TMPD/sslvpnd.pid")

# sandboxed PID WHAT: the /proc view of one sandboxed process.
sandboxed() {
	local pid=$1 what=$2 st uid root
	st=$(cat "/proc/$pid/status") || fail "$what (pid $pid): no /proc status"
	uid=$(id -u sslvpnd)
	assert_match "$(printf '%s\n' "$st" | sed -n 's/^Uid:[[:space:]]*//p')" \
		"^${uid}[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}\$" "$what runs as sslvpnd ($uid)"
	assert_eq 1 "$(printf '%s\n' "$st" | sed -n 's/^NoNewPrivs:[[:space:]]*//p')" "$what NoNewPrivs"
	assert_eq 0000000000000000 "$(printf '%s\n' "$st" | sed -n 's/^CapBnd:[[:space:]]*//p')" \
		"$what capability bounding set empty"
	assert_eq 0000000000000000 "$(printf '%s\n' "$st" | sed -n 's/^CapEff:[[:space:]]*//p')" \
		"$what no effective capability"
	assert_eq 2 "$(printf '%s\n' "$st" | sed -n 's/^Seccomp:[[:space:]]*//p')" "$what seccomp filter mode"
	root=$(readlink "/proc/$pid/root") || fail "$what: cannot read /proc/$pid/root"
	assert_eq "$(readlink -f "$STATE/empty")" "$root" "$what chrooted into the empty directory"
}

empty="$STATE/empty"
assert_eq "0 0 555" "$(stat -c '%u %g %a' "$empty")" "$empty: root-owned, mode 0555"
assert_eq "" "$(ls -A "$empty")" "$empty is empty"

secmod=$(pgrep -P "$main_pid" -x sslvpnd-secmod) || fail "no sslvpnd-secmod under main"
sandboxed "$secmod" "secmod"
workers=$(pgrep -P "$main_pid" -f sslvpnd-worker)
[ "$(printf '%s\n' "$workers" | wc -l)" -eq 2 ] || fail "expected two workers, got: $workers"
for w in $workers; do
	sandboxed "$w" "worker pid $w"
done
w1=$(pgrep -P "$main_pid" -f 'sslvpnd-worker --id 1 ') || fail "no worker 1"

# Two clients: the least-loaded choice puts one on each worker.
oc_connect a "$SERVER_URL" --reconnect-timeout 60 \
	-c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" || fail "client A: no tunnel"
oc_connect b "$SERVER_URL" --reconnect-timeout 60 \
	-c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" || fail "client B: no tunnel"
served_by() { ns_srv ip -o route get "${OC_ADDR[$1]}" | sed -n 's/.* dev \([^ ]*\).*/\1/p'; }
on0=
for n in a b; do
	[ "$(served_by "$n")" = sslvpn0 ] && on0=$n
done
[ -n "$on0" ] || fail "no session on worker 0 (A via $(served_by a), B via $(served_by b))"
ok "session $on0 (${OC_ADDR[$on0]}) is served by worker 0 (route via sslvpn0)"
ns_cli ping -c 2 -W 2 -I "${OC_TUNDEV[$on0]}" "$BEHIND_IP" >/dev/null ||
	fail "no traffic through $on0's tunnel"
ok "traffic through $on0's tunnel"
log_has 100740 && fail "worker 1 trapped before the probe: $(log_lines 100740)"

# Ping every 0.2 s across the probe (worker 1's death and restart).
ping_log="$TMPD/ping.log"
ns_cli ping -i 0.2 -W 1 -w $((PROBE_AFTER + 8)) -I "${OC_TUNDEV[$on0]}" "$BEHIND_IP" >"$ping_log" 2>&1 &
ping_pid=$!
track_pid "$ping_pid"

wait_for $((PROBE_AFTER + 10)) "worker 1's probe" log_has 100740 ||
	{ grep -E 'sslvpnd-worker|100004' "$SRV_LOG" | tail -n 20 | sed 's/^/# srv: /'; fail "no 100740 line"; }
assert_log_all "worker 1's forbidden call is logged by name" 100740 \
	"worker 1 \\(pid $w1\\): forbidden system call ptrace \\([0-9]+\\)"
line=$(log_lines 100740 | head -n 1)
note "$line"
assert_match "$line" '^[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} sslvpnd-worker\[[0-9]+\]: %SSLVPND-2-100740: ' \
	"the line of the dying worker has the usual timestamp and ident"
wait_for 10 "100004 for worker 1" log_has 100004 "worker 1 \\(pid $w1\\) died: .*(Bad system call|signal 31)" ||
	fail "main did not log worker 1's death by SIGSYS: $(log_lines 100004)"
ok "main logged worker 1's death by SIGSYS: $(log_lines 100004 | tail -n 1 | sed 's/.*: worker/worker/')"
newest_w1() { pgrep -P "$main_pid" -f 'sslvpnd-worker --id 1 ' | grep -vx "$w1"; }
wait_for 10 "worker 1 restarted" newest_w1 || fail "main did not restart worker 1"
w1b=$(newest_w1)
ok "worker 1 restarted (pid $w1b)"
sandboxed "$w1b" "restarted worker 1"
wait "$ping_pid"
sed 's/^/# /' "$ping_log" | tail -n 3
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$ping_log")
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$ping_log")
[ "${sent:-0}" -ge $((PROBE_AFTER * 2)) ] || fail "the ping across the probe sent only ${sent:-0} packets"
assert_eq 0 "$loss" "session $on0 on worker 0 lost no ping while worker 1 died ($sent sent)"
assert_no_log 113019 "$(re "${OC_ADDR[$on0]}")" "session $on0 did not end"
assert_no_log 100740 "worker 0" "worker 0 made no forbidden call"
sleep 2
assert_eq 1 "$(log_lines 100740 | wc -l)" "the restarted worker 1 does not repeat the probe"
assert_server_alive
oc_stop a
oc_stop b
echo "PASS: $T_NAME"
