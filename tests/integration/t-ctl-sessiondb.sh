#!/bin/bash
# t-ctl-sessiondb: sslvpnctl against main's control socket with two live
# openconnect sessions: `show vpn-sessiondb anyconnect` (text and --json),
# filters, `show vpn-sessiondb summary`, rising byte counters,
# `vpn-sessiondb logoff name` / `index`, and the error paths.
#
#   host (root ns)                  client ns svd-c-$$            server ns svd-s-$$
#   +----------------------+        +------------------------+    +--------------------------+
#   | sslvpnctl --socket   |        | oc "a": mic-sha2 leaf  |    | sslvpnd -f (embedded     |
#   |  STATE/ctl.sock -----+--UNIX--+------------------------+--->|  default config)         |
#   +----------------------+  sock  | oc "b": mic-sha1 leaf, |TLS |  main: STATE/ctl.sock    |
#                                   |  TLS 1.0 AES256-SHA,   |DTLS|  pool 198.19.0.0/24      |
#                                   |  DTLS 0.9 AES256-SHA   |===>|                          |
#                                   | route 198.18.1.1 -> b  |    | lo 198.18.1.1 (ping)     |
#                                   | v-cli 198.18.0.2 ----- veth ---- v-srv 198.18.0.1     |
#                                   +------------------------+    +--------------------------+
# Checks: socket mode 0600 and 100501; both sessions listed with user,
# assigned IP (= what openconnect got), public IP, DfltGrpPolicy,
# DefaultWEBVPNGroup, "AnyConnect-Parent SSL-Tunnel DTLS-Tunnel" and the
# ASA cipher names; --json parses (python3 -m json.tool) and agrees; Bytes
# Rx of "b" rises after a ping; logoff name ends "a" (openconnect exits,
# 113019 Administrator Reset, 111008) while "b" keeps pinging; logoff index
# ends "b"; unknown command and missing socket fail with a clear message.
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-150}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PRIO='NONE:+VERS-TLS1.0:+AES-256-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:%COMPAT'

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
command -v python3 >/dev/null 2>&1 || hard_error "python3 not installed"
pki_ensure
netns_setup
state_init
start_sslvpnd

SOCK="$STATE/ctl.sock"
CTL_OUT="$TMPD/ctl.out"
CTL_ERR="$TMPD/ctl.err"
CTL_RC=

# ctl ARGS...: run sslvpnctl (bounded) on this daemon's socket; CTL_RC, and
# stdout / stderr in $CTL_OUT / $CTL_ERR.
ctl() {
	timeout -k 2 15 "$CTL" --socket "$SOCK" "$@" >"$CTL_OUT" 2>"$CTL_ERR"
	CTL_RC=$?
}

# ctl_ok ARGS...: ctl, which must succeed.
ctl_ok() {
	ctl "$@"
	[ "$CTL_RC" -eq 0 ] || fail "sslvpnctl $*: exit $CTL_RC: $(cat "$CTL_ERR")"
}

# block USER: the text listing's paragraph of USER (from $CTL_OUT).
block() {
	awk -v u="$1" 'BEGIN { RS = "" } $0 ~ ("(^|\n)Username +: " u " +Index +: ") { print }' "$CTL_OUT"
}

# field USER LABEL: the value after "LABEL : " in USER's paragraph (the
# first column of a two-column line).
field() {
	block "$1" | sed -n "s/^$2 *: \\(.*\\)\$/\\1/p" | sed 's/  .*//' | head -n 1
}

# json_get USER KEY: a field of USER's session in the --json listing.
json_get() {
	ctl_ok --json show vpn-sessiondb anyconnect
	python3 - "$CTL_OUT" "$1" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for s in doc["sessions"]:
    if s["username"] == sys.argv[2]:
        v = s
        for k in sys.argv[3].split("."):
            v = v[k]
        print(" ".join(v) if isinstance(v, list) else v)
        break
EOF
}

# line_no ID ERE: the number of the first server log line of event ID
# that matches ERE (empty when none).
line_no() { grep -nE -- "%(ASA|SSLVPND)-[0-7]-$1: .*$2" "$SRV_LOG" | head -n 1 | cut -d: -f1; }

# in_order WHAT N...: log line numbers, all present and increasing.
in_order() {
	local what=$1 prev=0 n
	shift
	for n in "$@"; do
		[ -n "$n" ] && [ "$n" -gt "$prev" ] ||
			fail "$what: lines ${*:-none} (empty = missing) not in order"
		prev=$n
	done
	ok "$what (lines $*)"
}

# --- the socket itself
[ -S "$SOCK" ] || fail "no control socket at $SOCK"
assert_eq 600 "$(stat -c %a "$SOCK")" "control socket mode"
assert_log 100501 "control socket listening on $(re "$SOCK")" "100501 names the socket"

ctl_ok show vpn-sessiondb anyconnect
assert_match "$(cat "$CTL_OUT")" '^INFO: There are presently no active sessions$' \
	"no sessions yet"

# --- two sessions: a (SHA-256 MIC, defaults) and b (7962G: TLS 1.0, SHA-1 MIC)
cert_a="$PKI/mic-sha2/leaf.pem"
cert_b="$PKI/mic-sha1/leaf.pem"
user_a=$(cert_cn "$cert_a")
user_b=$(cert_cn "$cert_b")
assert_ne "$user_a" "$user_b" "two different users"
oc_connect a "$SERVER_URL" -c "$cert_a" -k "$PKI/mic-sha2/leaf.key" || fail "a: no tunnel"
wait_for 15 "a: DTLS up" oc_dtls_up a || fail "a: no DTLS"
# The ASA's login lines: the parent session (113039) before 716001, and
# the client type of the tunnel (722055) after 722022.
u_a="User <$(re "$user_a")> IP <$(re "$CLI_IP")>"
in_order "a: 113039 then 716001" "$(line_no 113039 "$u_a AnyConnect parent session started\\.$")" \
	"$(line_no 716001 "$u_a WebVPN session started\\.$")"
in_order "a: 722022 TCP then 722055" "$(line_no 722022 "$u_a TCP SVC connection established")" \
	"$(line_no 722055 "$u_a Client Type: Open AnyConnect VPN Agent")"
in_order "a: 722022 TCP then 722033" "$(line_no 722022 "$u_a TCP SVC connection established")" \
	"$(line_no 722033 "$u_a First TCP SVC connection established for SVC session\\.$")"
# An RSA-only client gets the RSA identity (100120) when the interface has
# an EC one first: pin that one too.
oc_connect b "$SERVER_URL" -c "$cert_b" -k "$PKI/mic-sha1/leaf.key" \
	--servercert "$SERVER_RSA_SHA1" \
	--gnutls-priority="$PRIO" --dtls-ciphers=AES256-SHA:AES128-SHA || fail "b: no tunnel"
wait_for 15 "b: DTLS up" oc_dtls_up b || fail "b: no DTLS"

both_dtls() {
	ctl show vpn-sessiondb anyconnect
	[ "$CTL_RC" -eq 0 ] &&
		[ "$(grep -c '^Protocol *: AnyConnect-Parent SSL-Tunnel DTLS-Tunnel$' "$CTL_OUT")" -eq 2 ]
}
wait_for 10 "both sessions listed with DTLS-Tunnel" both_dtls ||
	fail "listing without two DTLS sessions: $(cat "$CTL_OUT" "$CTL_ERR")"
ok "both sessions: AnyConnect-Parent SSL-Tunnel DTLS-Tunnel"
sed 's/^/    /' "$CTL_OUT"
assert_match "$(head -n 3 "$CTL_OUT")" 'Session Type: AnyConnect' "ASA header"

for n in a b; do
	u=$user_a
	[ $n = b ] && u=$user_b
	[ -n "$(block "$u")" ] || fail "$n: user $u not listed"
	assert_eq "${OC_ADDR[$n]}" "$(field "$u" 'Assigned IP')" "$n: Assigned IP = openconnect's"
	assert_match "$(block "$u")" "Public IP +: $(re "$CLI_IP")\$" "$n: Public IP"
	assert_eq DfltGrpPolicy "$(field "$u" 'Group Policy')" "$n: Group Policy"
	assert_match "$(block "$u")" 'Tunnel Group : DefaultWEBVPNGroup$' "$n: Tunnel Group"
	assert_eq "AnyConnect Premium" "$(field "$u" License)" "$n: License"
	assert_match "$(block "$u")" "^Username +: $(re "$u") +Index +: [0-9]+\$" "$n: Username and Index on one line (ASA)"
	assert_match "$(block "$u")" 'Login Time +: [0-9]{2}:[0-9]{2}:[0-9]{2} UTC [A-Z][a-z]{2} [A-Z][a-z]{2} [1-9][0-9]? [0-9]{4}$' \
		"$n: Login Time"
	assert_match "$(block "$u")" 'Duration +: [0-9]+h:[0-9]{2}m:[0-9]{2}s' "$n: Duration"
	assert_match "$(block "$u")" 'Audt Sess ID : [0-9a-f]{24}$' "$n: Audt Sess ID"
	assert_match "$(block "$u")" 'VLAN +: none$' "$n: VLAN none"
done
# The 7962G's TLS 1.0 AES256-SHA and DTLS 0.9 AES256-SHA, as seed 000 shows.
assert_match "$(block "$user_b")" \
	'Encryption +: AnyConnect-Parent: \(1\)none  SSL-Tunnel: \(1\)AES256  DTLS-Tunnel: \(1\)AES256$' \
	"b: Encryption per tunnel"
assert_match "$(block "$user_b")" \
	'Hashing +: AnyConnect-Parent: \(1\)none  SSL-Tunnel: \(1\)SHA1  DTLS-Tunnel: \(1\)SHA1$' \
	"b: Hashing per tunnel"
# Index is the second column of the Username line, as on the ASA.
idx_a=$(block "$user_a" | sed -n 's/^Username .* Index *: \([0-9]*\)$/\1/p')
idx_b=$(block "$user_b" | sed -n 's/^Username .* Index *: \([0-9]*\)$/\1/p')

# --- filters
ctl_ok show vpn-sessiondb anyconnect filter name "$user_a"
assert_eq 1 "$(grep -c '^Username' "$CTL_OUT")" "filter name: one session"
[ -n "$(block "$user_a")" ] || fail "filter name: not $user_a"
ctl_ok show vpn-sessiondb anyconnect filter ip "${OC_ADDR[b]}"
assert_eq "$user_b" "$(sed -n 's/^Username *: \([^ ]*\) .*/\1/p' "$CTL_OUT")" "filter ip: the session of ${OC_ADDR[b]}"
ctl_ok show vpn-sessiondb anyconnect filter tunnel-group DefaultWEBVPNGroup
assert_eq 2 "$(grep -c '^Username' "$CTL_OUT")" "filter tunnel-group: both"
ctl_ok show vpn-sessiondb anyconnect filter tunnel-group NoSuchGroup
assert_match "$(cat "$CTL_OUT")" 'no active sessions' "filter tunnel-group: none for an unknown group"

# --- summary
ctl_ok show vpn-sessiondb summary
sed 's/^/    /' "$CTL_OUT"
assert_match "$(cat "$CTL_OUT")" '^AnyConnect Client +: +2 :' "summary: 2 active"
assert_match "$(cat "$CTL_OUT")" '^Total Active and Inactive +: +2 ' "summary: total 2"

# --- JSON
ctl_ok --json show vpn-sessiondb anyconnect
python3 -m json.tool "$CTL_OUT" >"$TMPD/pretty.json" || fail "--json output does not parse: $(head -c 300 "$CTL_OUT")"
ok "--json parses with python3 -m json.tool"
assert_eq "${OC_ADDR[a]}" "$(json_get "$user_a" assigned_ip)" "json: a assigned_ip"
assert_eq "${OC_ADDR[b]}" "$(json_get "$user_b" assigned_ip)" "json: b assigned_ip"
assert_eq "AnyConnect-Parent SSL-Tunnel DTLS-Tunnel" "$(json_get "$user_b" protocol)" "json: protocol"
assert_eq DefaultWEBVPNGroup "$(json_get "$user_a" tunnel_group)" "json: tunnel_group"
assert_eq up "$(json_get "$user_b" dtls.state)" "json: dtls.state"
assert_eq DTLSv0.9 "$(json_get "$user_b" dtls.mode)" "json: dtls.mode"
note "JSON of b:"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps([s for s in d["sessions"] if s["username"]==sys.argv[2]][0], indent=1))' \
	"$CTL_OUT" "$user_b" | sed 's/^/    /'
ctl_ok --json show vpn-sessiondb summary
python3 -m json.tool "$CTL_OUT" >/dev/null || fail "--json summary does not parse"
ok "--json summary parses"

# --- rising counters: the worker reports every 5 s while data flows
rx0=$(json_get "$user_b" bytes_rx)
sleep 0.5
assert_ping b
rx_rose() { [ "$(json_get "$user_b" bytes_rx)" -gt "$rx0" ]; }
wait_for 15 "Bytes Rx of b rises" rx_rose || fail "b: bytes_rx stayed at $rx0"
ok "b: Bytes Rx rose from $rx0 to $(json_get "$user_b" bytes_rx) after the ping"
ctl_ok show vpn-sessiondb anyconnect filter name "$user_b"
assert_match "$(field "$user_b" 'Bytes Tx')" '^[1-9][0-9]*$' "b: Bytes Tx (text) non-zero"

# --- logoff name: a ends, b keeps working
ctl_ok vpn-sessiondb logoff name "$user_a"
assert_eq "INFO: Number of sessions with name \"$user_a\" logged off : 1" "$(cat "$CTL_OUT")" \
	"logoff name: one session"
a_gone() { ! pid_alive "${OC_PID[a]}"; }
wait_for 10 "openconnect a exits" a_gone || fail "openconnect a still running after logoff"
ok "openconnect a exited"
# the ASA ends an administrator's logoff with TERMINATE, so the client
# exits instead of reconnecting with its cookie
grep -qi 'received server terminate packet' "${OC_LOG[a]}" ||
	fail "a was not sent TERMINATE: $(tail -n 3 "${OC_LOG[a]}")"
ok "logoff: the headend sent TERMINATE"
assert_log_all "113019 Administrator Reset for a" 113019 "Username = $(re "$user_a")" \
	'Reason: Administrator Reset'
# The ASA's lines of a session the administrator ends, in order: why the
# tunnel closes (722037), the TLS tunnel down (722023 TCP, which main logs;
# before S14 only the worker's UDP line came), 113019, 716002.
u_a="User <$(re "$user_a")> IP <$(re "$CLI_IP")>"
l_closing=$(line_no 722037 "$u_a SVC closing connection: Administrator Reset\\.$")
l_tcp=$(line_no 722023 "$u_a TCP SVC connection terminated without compression$")
l_ended=$(line_no 113019 "Username = $(re "$user_a"),.*Reason: Administrator Reset$")
l_term=$(line_no 716002 "$u_a WebVPN session terminated: Administrator Reset\\.$")
in_order "logoff of a: 722037, 722023 TCP, 113019, 716002" "$l_closing" "$l_tcp" "$l_ended" "$l_term"
assert_log_all "111008 for the logoff" 111008 "User 'root' executed the 'vpn-sessiondb logoff name $(re "$user_a")' command"
ctl_ok show vpn-sessiondb anyconnect
assert_eq 1 "$(grep -c '^Username' "$CTL_OUT")" "one session left"
[ -n "$(block "$user_b")" ] || fail "b no longer listed"
assert_ping b
pid_alive "${OC_PID[b]}" || fail "openconnect b died"
ok "b unaffected"

# --- a session without a tunnel (cookie only) is listed as the parent
# alone; after logoff its cookie no longer opens a tunnel.
oc_authenticate c "$SERVER_URL" -c "$cert_a" -k "$PKI/mic-sha2/leaf.key"
[ -n "$OC_COOKIE" ] || fail "c: openconnect --authenticate printed no cookie"
cookie_c=$OC_COOKIE
ctl_ok show vpn-sessiondb anyconnect filter name "$user_a"
assert_match "$(block "$user_a")" 'Protocol +: AnyConnect-Parent$' "c: cookie-only session: AnyConnect-Parent"
ctl_ok vpn-sessiondb logoff name "$user_a" noconfirm
assert_match "$(cat "$CTL_OUT")" 'logged off : 1$' "c: logoff (noconfirm)"
if oc_connect c "$SERVER_URL" --cookie="$cookie_c"; then
	fail "c: the cookie of a logged-off session still opens a tunnel"
fi
grep -Eq '401|[Cc]ookie' "${OC_LOG[c]}" ||
	fail "c: openconnect failed for another reason: $(tail -n 3 "${OC_LOG[c]}")"
ok "c: cookie rejected after logoff ($(grep -E '401|[Cc]ookie' "${OC_LOG[c]}" | tail -n 1))"

# --- errors
ctl show vpn-sessiondb frobnicate
assert_fails "$CTL_RC" "unknown command"
assert_match "$(cat "$CTL_ERR")" "Invalid input detected at '\\^' marker" "unknown command: message"
# the ASA's caret, under the word: "show vpn-sessiondb " is 19 columns
assert_eq "$(printf '%19s^' '')" "$(sed -n 2p "$CTL_ERR")" "unknown command: caret under the word"
ctl make-coffee
assert_fails "$CTL_RC" "unknown verb"
ctl vpn-sessiondb logoff index 99999
assert_rc 0 "$CTL_RC" "logoff of a missing index"
assert_match "$(cat "$CTL_OUT")" 'logged off : 0$' "logoff of a missing index: none"
timeout -k 2 15 "$CTL" --socket "$TMPD/no-such.sock" show vpn-sessiondb summary \
	>"$CTL_OUT" 2>"$CTL_ERR"
rc=$?
assert_fails "$rc" "missing socket"
assert_match "$(cat "$CTL_ERR")" "cannot connect to $(re "$TMPD/no-such.sock"): No such file" \
	"missing socket: message names the path"
timeout -k 2 15 "$CTL" --state-dir "$STATE" show vpn-sessiondb summary >"$CTL_OUT" 2>"$CTL_ERR"
assert_rc 0 $? "--state-dir finds ctl.sock"
# Straight to the socket: an over-long line and a binary one are refused;
# a client that sends nothing does not hold main up.
raw_ctl() { # BYTES-PYTHON-EXPR: the first line of the daemon's reply
	timeout -k 2 15 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(eval(sys.argv[2]))
out = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    out += b
print(out.decode(errors="replace").splitlines()[0] if out else "(nothing)")
' "$SOCK" "$1"
}
assert_match "$(raw_ctl 'b"text show " + b"x" * 1100 + b"\n"')" '^ERR bad request: line longer than 1024' \
	"daemon refuses a request over 1 KiB"
assert_match "$(raw_ctl 'b"text show vpn\x01sessiondb summary\n"')" '^ERR bad request: only printable' \
	"daemon refuses control bytes"
assert_match "$(raw_ctl 'b"show vpn-sessiondb summary\n"')" "^ERR bad request: expected 'text' or 'json'" \
	"daemon refuses a request without format"
timeout -k 2 15 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); time.sleep(8)' "$SOCK" &
idle_pid=$!
track_pid "$idle_pid"
sleep 0.3
ctl_ok show vpn-sessiondb summary
ok "a silent client does not block sslvpnctl"
assert_log 100502 'client too slow' "100502: the silent client timed out"
stop_pid "$idle_pid"

# --- logoff index: b ends too
ctl_ok vpn-sessiondb logoff index "$idx_b"
assert_match "$(cat "$CTL_OUT")" "with index \"$idx_b\" logged off : 1\$" "logoff index $idx_b"
b_gone() { ! pid_alive "${OC_PID[b]}"; }
wait_for 10 "openconnect b exits" b_gone || fail "openconnect b still running after logoff"
ok "openconnect b exited"
ctl_ok show vpn-sessiondb summary
assert_match "$(cat "$CTL_OUT")" '^Total Active and Inactive +: +0 ' "no sessions left"
[ "$idx_a" != "$idx_b" ] || fail "indexes not distinct"
assert_server_alive
echo "PASS: $T_NAME"
