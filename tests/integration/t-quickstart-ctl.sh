#!/bin/bash
# t-quickstart-ctl: the sslvpnctl command line scripts/quickstart prints
# reaches the daemon it started.  The quickstart daemon keeps its control
# socket in the quickstart state directory, so a bare `sslvpnctl show
# vpn-sessiondb` (the installed default) cannot find it; quickstart prints
# the exact command in its closing message (qs_running).  Without running the
# whole quickstart (apt, phones): scripts/quickstart is sourced for its
# definitions, sslvpnd is started the way quickstart starts it (embedded
# default, lib.sh's start_sslvpnd in a server namespace), the closing message
# is printed for it and its sessions line runs as a user would paste it.
#
#   host (root ns)                              server ns svd-s-$$
#   +--------------------------------------+    +---------------------------+
#   | the "sessions:" line of qs_running  |--->| sslvpnd -f --state-dir    |
#   |   (unix socket STATE/ctl.sock)       |    |   STATE (embedded default)|
#   +--------------------------------------+    +---------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-90}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
[ -x "$top_builddir/src/tools/sslvpnctl/sslvpnctl" ] || hard_error "sslvpnctl not built"
# shellcheck source=scripts/quickstart
. "$top_srcdir/scripts/quickstart"
declare -F qs_running >/dev/null || fail "scripts/quickstart defines no qs_running"

pki_ensure
netns_setup
state_init
start_sslvpnd

# The message the start ends with, as printed for this daemon.
msg=$(qs_running 2>&1)
printf '%s\n' "$msg" | sed 's/^/    > /'
cmd=$(printf '%s\n' "$msg" | sed -n 's/^ *sessions: *\(.*sslvpnctl .*\)$/\1/p' | head -n 1)
[ -n "$cmd" ] || fail "quickstart prints no 'sessions: ... sslvpnctl ...' line"
case $cmd in
/*) ;;
*) fail "the printed command is not an absolute path: $cmd" ;;
esac
ok "quickstart prints: $cmd"
# As a user pastes it: from another directory, through the shell.
out=$(cd / && eval "timeout -k 2 15 $cmd" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
assert_rc 0 "$rc" "the printed sslvpnctl command reaches the quickstart daemon"
assert_match "$out" 'There are presently no active sessions' "the daemon answers show vpn-sessiondb anyconnect (no session yet)"
assert_server_alive
stop_pid "$SRV_PID"
echo "PASS: t-quickstart-ctl"
