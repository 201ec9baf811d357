#!/bin/bash
# t-worker-fds: descriptors main inherited from whoever started it (here the
# test shell: fds 7 and 250 open on marker files, without close-on-exec)
# never reach a worker.  A worker holds stdin/stdout/stderr, its channel to
# main (fd 3), its key channel to secmod (fd 4), its log socket to main
# (fd 5, S14) and what it opened or received itself -- nothing of the
# starting shell's, neither at start nor after a crash restart.
#
#   server ns svd-s-$$
#   +------------------------------------------------------------+
#   | test shell: exec 7<inherited-7 250<inherited-250            |
#   |   sslvpnd -f (fds 0-2, 7, 250 inherited)                     |
#   |     sslvpnd-worker x2: /proc/<pid>/fd has no 250, nothing    |
#   |                        pointing at inherited-*               |
#   +------------------------------------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

# fd_list PID: "N -> target" for every descriptor of PID.
fd_list() {
	local f
	for f in /proc/"$1"/fd/*; do
		printf '%s -> %s\n' "${f##*/}" "$(readlink "$f" 2>/dev/null)"
	done
}

# assert_clean_worker PID WHAT: none of the inherited descriptors, and fd 3
# is the channel (a socket).
assert_clean_worker() {
	local pid=$1 what=$2 list
	list=$(fd_list "$pid")
	note "$what (pid $pid) descriptors: $(printf '%s' "$list" | tr '\n' ' ')"
	if printf '%s\n' "$list" | grep -q 'inherited-'; then
		fail "$what (pid $pid) holds a descriptor of the starting shell: $(printf '%s\n' "$list" | grep 'inherited-' | tr '\n' ' ')"
	fi
	# fd 7 may be one of the worker's own now (its tun device, since fds
	# 4 and 5 are taken): only the inherited file must not be there
	case $(readlink "/proc/$pid/fd/7" 2>/dev/null) in
	*inherited-*) fail "$what (pid $pid) has the inherited fd 7 open" ;;
	esac
	[ ! -e "/proc/$pid/fd/250" ] || fail "$what (pid $pid) has fd 250 open"
	assert_match "$(readlink "/proc/$pid/fd/3")" '^socket:' "$what: fd 3 is the channel to main"
	assert_match "$(readlink "/proc/$pid/fd/4")" '^socket:' "$what: fd 4 is the key channel to secmod"
	assert_match "$(readlink "/proc/$pid/fd/5")" '^socket:' "$what: fd 5 is its log socket to main"
	ok "$what (pid $pid): only its own descriptors"
}

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/fds.conf"
cat >"$conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
: >"$TMPD/inherited-7"
: >"$TMPD/inherited-250"
# Like a shell or a supervisor that leaks descriptors: plain redirections
# have no close-on-exec, so sslvpnd inherits both.
exec 7<"$TMPD/inherited-7" 250<"$TMPD/inherited-250"
start_sslvpnd -c "$conf"
exec 7<&- 250<&-
main_pid=$(cat "$TMPD/sslvpnd.pid")
readlink "/proc/$main_pid/fd/250" | grep -q 'inherited-250' ||
	fail "main (pid $main_pid) did not inherit fd 250: the test would prove nothing"
ok "main (pid $main_pid) inherited fds 7 and 250"

workers=$(pgrep -P "$main_pid" -d ' ' sslvpnd-worker)
[ "$(printf '%s\n' $workers | wc -l)" -eq 2 ] || fail "expected 2 workers of main, got: $workers"
for w in $workers; do
	assert_clean_worker "$w" "worker"
done

# A restarted worker is started the same way.
first=${workers%% *}
kill -KILL "$first"
assert_log 100004 'killed by signal 9' "100004: worker death logged"
new_worker=
restarted() {
	local p
	for p in $(pgrep -P "$main_pid" sslvpnd-worker); do
		case " $workers " in *" $p "*) continue ;; esac
		new_worker=$p
		return 0
	done
	return 1
}
wait_for 10 "a worker restarted" restarted || fail "no worker restarted after SIGKILL"
workers_ready() { [ "$(log_lines 100003 | wc -l)" -ge 3 ]; }
wait_for 10 "the restarted worker ready (third 100003)" workers_ready ||
	fail "the restarted worker did not report ready"
assert_clean_worker "$new_worker" "restarted worker"
assert_server_alive
echo "PASS: $T_NAME"
