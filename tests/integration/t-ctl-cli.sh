#!/bin/bash
# t-ctl-cli: sslvpnctl as an ASA command line, against a real sslvpnd --
# interactive through a pseudo-terminal (ctl-pty.py), scripts on stdin,
# one-shot `?`, bash completion and the man page, all from the one grammar
# (include/sslvpnd/ctlgram.def).
#
#   host (root ns)                                 server ns svd-s-$$
#   +------------------------------------+         +-------------------------+
#   | ctl-pty.py -- pty -- sslvpnctl     |--UNIX-->| sslvpnd (embedded       |
#   |   keys: "show ?", Tab, up arrow,   |  sock   |  default config)        |
#   |   "| include", exit                |         |                         |
#   | printf ... | sslvpnctl (script)    |         |                         |
#   | bash: _sslvpnctl (completion)      |         |                         |
#   +------------------------------------+         +-------------------------+
# Checks: `?` answered at once at every position (next words with help,
# completions of a prefix, `|` and <cr> after a whole command); the
# abbreviations `sh vpn-s det any` / `sh vpn-s sum` reach the daemon; `|
# include` and `| begin` filter; Tab completes; the up arrow recalls; the
# caret under a bad word and "% Ambiguous command"; Ctrl-C, exit.  Scripts:
# one command per line, comments skipped, the highest status.  bash
# completion offers the grammar's words; sslvpnctl(8) holds every command
# of the grammar and renders without warnings.
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-90}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PTY="$top_srcdir/tests/integration/ctl-pty.py"
MAN="$top_builddir/man/sslvpnctl.8"

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
command -v python3 >/dev/null 2>&1 || hard_error "python3 not installed"
pki_ensure
netns_setup
state_init
start_sslvpnd
SOCK="$STATE/ctl.sock"

# --- interactive, through a pseudo-terminal
host=$(hostname)
prompt="${host%%.*}# "
out=$(timeout -k 2 60 python3 "$PTY" "$CTL" "$SOCK" "$prompt" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
[ "$rc" -eq 0 ] || fail "interactive sslvpnctl through a pty (exit $rc)"
ok "interactive: $(printf '%s\n' "$out" | grep -c '^ok - ') checks through the pty"

# --- one-shot: abbreviations, `?`, filters
out=$(timeout -k 2 15 "$CTL" --socket "$SOCK" sh vpn-s det any 2>&1) ||
	fail "sh vpn-s det any: $out"
assert_match "$out" "no active sessions|Username" "sh vpn-s det any reaches the daemon"
out=$(timeout -k 2 15 "$CTL" --socket "$SOCK" show 'vpn-s?' 2>&1)
assert_match "$out" "^  vpn-sessiondb +VPN sessions$" "one-shot show vpn-s? lists vpn-sessiondb"
out=$(timeout -k 2 15 "$CTL" --socket "$SOCK" show vpn-sessiondb '?' 2>&1)
for w in anyconnect detail license-summary summary; do
	printf '%s\n' "$out" | grep -Eq "^  $w +[A-Z]" || fail "show vpn-sessiondb ? lacks $w: $out"
done
ok "one-shot show vpn-sessiondb ? lists its 4 words"
out=$(timeout -k 2 15 "$CTL" --socket "$SOCK" show version '|' exclude '^(sslvpnd|Compiled)' 2>&1) ||
	fail "| exclude: $out"
printf '%s\n' "$out" | grep -Eq '^(sslvpnd Version|Compiled)' && fail "| exclude kept a line: $out"
assert_match "$out" "^Worker generation" "| exclude drops only the matching lines"
timeout -k 2 15 "$CTL" --socket "$SOCK" --json show version '|' include x >/dev/null 2>"$TMPD/err"
assert_fails $? "| include with --json"
assert_match "$(cat "$TMPD/err")" "Output filters apply to text" "--json refuses a filter, saying why"

# --- a script on stdin: comments, the highest status
printf '! a comment\nsh ver | i ^Worker processes\n\nshow vpn-sessiondb frobnicate\nsh vpn-s sum | i AnyConnect Client\n' \
	>"$TMPD/script"
timeout -k 2 15 "$CTL" --socket "$SOCK" <"$TMPD/script" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
assert_rc 1 "$rc" "script: the failed line sets the status"
assert_eq 2 "$(wc -l <"$TMPD/out")" "script: two filtered lines of output"
assert_match "$(head -n 1 "$TMPD/out")" "^Worker processes" "script: line 2 ran"
assert_match "$(tail -n 1 "$TMPD/out")" "^AnyConnect Client" "script: line 5 ran after the error"
assert_match "$(cat "$TMPD/err")" "^ {19}\\^$" "script: the caret under frobnicate"

# --- bash completion (etc/bash-completion/sslvpnctl): the grammar's words
complete_words() { # WORDS... (the last one being typed)
	PATH="$(dirname "$CTL"):$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=(sslvpnctl "$@"); COMP_CWORD=$#
		_sslvpnctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$top_srcdir/etc/bash-completion/sslvpnctl" "$@" | tr '\n' ' '
}
assert_eq "anyconnect detail license-summary summary " "$(complete_words sh vpn-s '')" \
	"bash completion after sh vpn-s"
assert_eq "vpn-sessiondb " "$(complete_words --socket "$SOCK" show vpn)" \
	"bash completion skips the options and completes vpn to vpn-sessiondb"
assert_eq "ip ipv6 " "$(complete_words show ip)" "bash completion offers ip and ipv6 for ip"

# --- sslvpnctl(8): every command of the grammar, no warnings
[ -f "$MAN" ] || fail "$MAN not built"
"$CTL" --man >"$TMPD/cmds"
missing=$(grep -vxFf "$MAN" "$TMPD/cmds" | head -n 3)
[ -z "$missing" ] || fail "sslvpnctl(8) lacks grammar lines: $missing"
ok "sslvpnctl(8) holds the $(grep -c '^\.TP' "$TMPD/cmds") commands of the grammar"
for cmd in 'show crypto ca certificates' certhash help; do
	# shellcheck disable=SC2086 # the words of cmd, each in bold
	roff=$(printf '\\fB%s\\fR ' $cmd)
	grep -qF "${roff% }" "$MAN" || fail "sslvpnctl(8) lacks $cmd"
done
ok "sslvpnctl(8) lists show crypto ca, certhash and help"
if command -v groff >/dev/null 2>&1; then
	warn=$(groff -man -ww -z "$MAN" 2>&1)
	[ -z "$warn" ] || fail "groff -ww on sslvpnctl(8): $warn"
	ok "sslvpnctl(8) renders without warnings"
fi

assert_server_alive
echo "PASS: $T_NAME"
