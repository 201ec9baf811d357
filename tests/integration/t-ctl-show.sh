#!/bin/bash
# t-ctl-show: the observability commands of sslvpnctl against a live
# openconnect session: `show vpn-sessiondb detail anyconnect` (text and
# --json, both word orders), `show version`, `show ssl`, `metrics`
# (Prometheus text, checked line by line by prom-check.py and by promtool
# when installed), `vpn-sessiondb logoff tunnel-group`.
#
#   host (root ns)                  client ns svd-c-$$            server ns svd-s-$$
#   +----------------------+        +------------------------+    +--------------------------+
#   | sslvpnctl --socket   |        | oc "a": mic-sha2 leaf  |TLS |  sslvpnd -f (embedded    |
#   |  STATE/ctl.sock -----+--UNIX--+------------------------+--->|  default config)         |
#   +----------------------+  sock  | oc "x": no certificate |DTLS|  pool 198.19.0.0/24      |
#                                   |  (refused)             |===>|  lo 198.18.1.1 (ping)    |
#                                   | v-cli 198.18.0.2 ----- veth ---- v-srv 198.18.0.1     |
#                                   +------------------------+    +--------------------------+
# Checks: version/uptime/config of show version; the default cipher lists
# and the interface's trustpoint in show ssl; the detailed listing's per
# tunnel blocks (Tunnel ID N.1-N.3, TLS and DTLS encapsulation, TCP/UDP
# ports = the client's, Auth Mode Certificate, Client Ver = openconnect's
# User-Agent, DTLS bytes rising after a ping); metrics: valid exposition,
# the session counted by tunnel group/protocol/DTLS state, a successful and
# a refused (certificate) login, pool in use, traffic counters that rise and
# never fall across a logoff; logoff tunnel-group of an unknown group ends
# nothing, of DefaultWEBVPNGroup ends the session (openconnect exits).
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-150}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PROM_CHECK="$top_srcdir/tests/integration/prom-check.py"

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
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")

ctl() {
	timeout -k 2 15 "$CTL" --socket "$SOCK" "$@" >"$CTL_OUT" 2>"$CTL_ERR"
	CTL_RC=$?
}

ctl_ok() {
	ctl "$@"
	[ "$CTL_RC" -eq 0 ] || fail "sslvpnctl $*: exit $CTL_RC: $(cat "$CTL_ERR")"
}

# jq_py EXPR: evaluate a python expression on the JSON document in $CTL_OUT
# (bound to d).
jq_py() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); v = eval(sys.argv[2]); print(" ".join(map(str, v)) if isinstance(v, list) else v)' \
		"$CTL_OUT" "$1"
}

# section NAME: the lines of the detailed listing's tunnel block NAME
# ("DTLS-Tunnel"), from $CTL_OUT.
section() {
	awk -v s="$1:" '$0 == s { on = 1; next } on && /^$/ { exit } on { print }' "$CTL_OUT"
}

# tfield NAME LABEL: a value in tunnel block NAME, left or right column.
tfield() {
	section "$1" | sed -n "s/^  $2 *: \\([^ ]*\\).*/\\1/p; s/^  .*  $2 *: \\([^ ]*\\)\$/\\1/p" |
		head -n 1
}

# metric SERIES: the value of one series ("name" or 'name{l="v"}') in the
# metrics output, 0 when absent.
metric() {
	ctl_ok metrics
	awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' "$CTL_OUT"
}

# metrics_valid WHAT: the current metrics pass the format checks.
metrics_valid() {
	ctl_ok metrics
	cp "$CTL_OUT" "$TMPD/metrics.prom"
	python3 "$PROM_CHECK" "$TMPD/metrics.prom" 2>"$TMPD/prom-check.err" ||
		fail "$1: metrics not valid: $(head -n 5 "$TMPD/prom-check.err")"
	ok "$1: prom-check.py accepts $(wc -l <"$TMPD/metrics.prom") lines"
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$TMPD/metrics.prom" >"$TMPD/promtool.out" 2>&1 ||
			fail "$1: promtool check metrics: $(head -n 5 "$TMPD/promtool.out")"
		ok "$1: promtool check metrics"
	fi
}

# --- show version
ctl_ok show version
sed 's/^/    /' "$CTL_OUT"
assert_match "$(cat "$CTL_OUT")" "^sslvpnd Version $(re "$VERSION")\$" "show version: version"
assert_match "$(cat "$CTL_OUT")" '^Compiled with OpenSSL [0-9]+\.[0-9]+.*, running OpenSSL [0-9]' \
	"show version: OpenSSL built and running"
assert_match "$(cat "$CTL_OUT")" ' up [0-9]+h:[0-9]{2}m:[0-9]{2}s$' "show version: uptime"
assert_match "$(cat "$CTL_OUT")" '^Configuration file: <embedded default> \(generation [0-9]+\)$' \
	"show version: configuration"
ctl_ok --json show version
assert_eq "$VERSION" "$(jq_py 'd["version"]')" "show version --json: version"
assert_match "$(jq_py 'd["uptime_s"]')" '^[0-9]+$' "show version --json: uptime_s"

# --- show ssl: the effective (default) cipher lists, the trustpoint
ctl_ok show ssl
sed 's/^/    /' "$CTL_OUT" | head -n 12
assert_match "$(cat "$CTL_OUT")" '^Accept connections using tlsv1 or greater' "show ssl: versions"
assert_eq "  ECDHE-ECDSA-AES256-GCM-SHA384" "$(sed -n '/^tlsv1\.2:$/{n;p}' "$CTL_OUT")" \
	"show ssl: tlsv1.2 list starts with the default's first suite"
assert_eq "  AES256-SHA" "$(sed -n '/^dtlsv1:$/{n;p}' "$CTL_OUT")" "show ssl: dtlsv1 list"
assert_match "$(cat "$CTL_OUT")" '^  outside interface: \(temporary self-signed certificate\)$' \
	"show ssl: trustpoint of outside"
ctl_ok --json show ssl
assert_eq "AES256-SHA:AES128-SHA" "$(jq_py 'd["ciphers"]["dtlsv1"]')" "show ssl --json: dtlsv1"
assert_eq outside "$(jq_py 'd["interfaces"][0]["interface"]')" "show ssl --json: interface"

# --- metrics with no session
metrics_valid "idle daemon"
assert_eq 0 "$(metric sslvpnd_sessions_active)" "metrics: no active session"
assert_match "$(metric sslvpnd_workers)" '^[1-9][0-9]*$' "metrics: workers running"
assert_eq 254 "$(metric 'sslvpnd_pool_addresses{pool="default-pool"}')" "metrics: pool size"
auth_fail0=$(metric 'sslvpnd_auth_failures_total{reason="certificate"}')

# --- a refused login (no client certificate) counts as a certificate failure
oc_authenticate x "$SERVER_URL"
[ -z "$OC_COOKIE" ] || fail "x: a login without a certificate got a cookie"
fail_grew() { [ "$(metric 'sslvpnd_auth_failures_total{reason="certificate"}')" -gt "$auth_fail0" ]; }
wait_for 5 "certificate failure counted" fail_grew ||
	fail "auth_failures_total{reason=certificate} stayed at $auth_fail0"
ok "metrics: the refused login is counted under reason=\"certificate\""
hs_done=$(metric 'sslvpnd_tls_handshakes_total{result="completed"}')
[ "$hs_done" -ge 1 ] || fail "metrics: no completed TLS handshake counted after x's login"
ok "metrics: $hs_done completed TLS handshakes"
# A client that connects and leaves without a ClientHello: a failed handshake.
hs_fail0=$(metric 'sslvpnd_tls_handshakes_total{result="failed"}')
ns_cli timeout 5 bash -c "exec 3<>/dev/tcp/$SRV_IP/443 && exec 3<&-" ||
	fail "could not connect to $SRV_IP:443"
hs_failed() { [ "$(metric 'sslvpnd_tls_handshakes_total{result="failed"}')" -gt "$hs_fail0" ]; }
wait_for 5 "failed handshake counted" hs_failed ||
	fail "metrics: tls_handshakes_total{result=failed} stayed at $hs_fail0"
ok "metrics: the aborted handshake is counted as failed"
assert_no_log 711001 '' "no debug output (711001) without a debug command"

# --- debug classes: main sends the levels to the workers (LOG_LEVELS)
ctl_ok debug crypto ca 255
assert_eq "debug crypto ca enabled at level 255" "$(cat "$CTL_OUT")" "debug crypto ca 255"
ctl_ok debug webvpn anyconnect
ctl_ok show debug
assert_eq "debug webvpn anyconnect enabled at level 1
debug crypto ca enabled at level 255" "$(cat "$CTL_OUT")" "show debug lists both classes"
ctl_ok --json show debug
assert_eq 255 "$(jq_py 'd["classes"]["crypto ca"]')" "show debug --json"
ctl debug bogus 3
assert_fails "$CTL_RC" "debug of an unknown class"
ctl debug ssl 256
assert_fails "$CTL_RC" "debug level above 255"
assert_log 111008 "executed the 'debug crypto ca 255' command" "111008 for debug"

# --- one session with DTLS
cert_a="$PKI/mic-sha2/leaf.pem"
user_a=$(cert_cn "$cert_a")
oc_connect a "$SERVER_URL" -c "$cert_a" -k "$PKI/mic-sha2/leaf.key" || fail "a: no tunnel"
assert_log 711001 "%ASA-7-711001: crypto ca: CRYPTO_PKI: client certificate of $(re "$CLI_IP")/[0-9]+ validated: subject [^,]*CN=$(re "$user_a")" \
	"debug crypto ca: the worker shows the validated client certificate as 711001"
assert_log 711001 "webvpn anyconnect: conn [0-9]+: CONNECT of $(re "$user_a") accepted" \
	"debug webvpn anyconnect: the CONNECT as 711001"
assert_no_log 711001 ': ssl: ' "debug ssl stays off"
wait_for 15 "a: DTLS up" oc_dtls_up a || fail "a: no DTLS"
dtls_listed() {
	ctl show vpn-sessiondb detail anyconnect
	[ "$CTL_RC" -eq 0 ] && [ -n "$(section DTLS-Tunnel)" ]
}
wait_for 10 "DTLS-Tunnel block listed" dtls_listed ||
	fail "no DTLS-Tunnel block: $(cat "$CTL_OUT" "$CTL_ERR")"
sed 's/^/    /' "$CTL_OUT"
assert_match "$(head -n 3 "$CTL_OUT")" 'Session Type: AnyConnect Detailed' "detail: ASA header"
idx=$(sed -n 's/^Username .* Index *: \([0-9]*\)$/\1/p' "$CTL_OUT")
assert_match "$(cat "$CTL_OUT")" '^Pkts Tx +: [0-9]+ +Pkts Rx +: [0-9]+$' "detail: Pkts Tx/Rx"
assert_match "$(cat "$CTL_OUT")" '^Pkts Tx Drop : [0-9]+ +Pkts Rx Drop : [0-9]+$' "detail: drops"
for t in AnyConnect-Parent SSL-Tunnel DTLS-Tunnel; do
	assert_match "$(cat "$CTL_OUT")" "^$t Tunnels: 1\$" "detail: $t counted"
done
assert_eq "$idx.1" "$(tfield AnyConnect-Parent 'Tunnel ID')" "detail: parent Tunnel ID"
assert_eq "$idx.2" "$(tfield SSL-Tunnel 'Tunnel ID')" "detail: SSL Tunnel ID"
assert_eq "$idx.3" "$(tfield DTLS-Tunnel 'Tunnel ID')" "detail: DTLS Tunnel ID"
assert_eq "${OC_ADDR[a]}" "$(tfield DTLS-Tunnel 'Assigned IP')" "detail: DTLS Assigned IP"
assert_match "$(tfield SSL-Tunnel Encapsulation)" '^TLSv1\.[23]$' "detail: SSL Encapsulation"
assert_match "$(tfield SSL-Tunnel Ciphersuite)" '^[A-Z0-9_-]+$' "detail: SSL Ciphersuite"
ctl_ok --json show vpn-sessiondb anyconnect detail
assert_eq PSK-NEGOTIATE "$(jq_py 'd["sessions"][0]["dtls"]["mode"]')" "detail --json: DTLS mode"
# The ASA's own word order gives the same listing; PSK-NEGOTIATE is DTLS 1.2.
ctl_ok show vpn-sessiondb detail anyconnect
assert_eq DTLSv1.2 "$(tfield DTLS-Tunnel Encapsulation)" "detail: DTLS Encapsulation"
assert_eq 443 "$(tfield SSL-Tunnel 'TCP Dst Port')" "detail: TCP Dst Port"
assert_eq 443 "$(tfield DTLS-Tunnel 'UDP Dst Port')" "detail: UDP Dst Port"
# The client's ports as the server's kernel sees them.
tcp_src=$(tfield SSL-Tunnel 'TCP Src Port')
udp_src=$(tfield DTLS-Tunnel 'UDP Src Port')
ns_srv ss -Htn state established "( sport = :443 and dport = :$tcp_src )" | grep -q . ||
	fail "detail: no TCP connection from port $tcp_src: $(ns_srv ss -Htn state established)"
ok "detail: TCP Src Port $tcp_src is the client's"
ns_srv ss -Hun "( sport = :443 and dport = :$udp_src )" | grep -q . ||
	fail "detail: no UDP socket connected to port $udp_src: $(ns_srv ss -Hun)"
ok "detail: UDP Src Port $udp_src is the client's"
assert_eq Certificate "$(tfield DTLS-Tunnel 'Auth Mode')" "detail: Auth Mode"
ua=$(section SSL-Tunnel | sed -n 's/^  Client Ver *: //p')
assert_match "$ua" 'AnyConnect' "detail: Client Ver is the User-Agent ($ua)"
assert_eq "DTLS VPN Client" "$(section DTLS-Tunnel | sed -n 's/^  Client Type *: //p')" \
	"detail: DTLS Client Type"

# DTLS bytes of the DTLS block rise with a ping; the metrics follow.
rx0=$(tfield DTLS-Tunnel 'Bytes Rx')
in0=$(metric 'sslvpnd_tunnel_bytes_total{direction="in"}')
assert_ping a
dtls_rx_rose() {
	ctl show vpn-sessiondb detail anyconnect
	[ "$(tfield DTLS-Tunnel 'Bytes Rx')" -gt "$rx0" ]
}
wait_for 15 "DTLS Bytes Rx rises" dtls_rx_rose || fail "DTLS Bytes Rx stayed at $rx0"
ok "detail: DTLS-Tunnel Bytes Rx rose from $rx0 to $(tfield DTLS-Tunnel 'Bytes Rx')"

ctl_ok --json show vpn-sessiondb detail anyconnect
assert_eq "AnyConnect-Parent SSL-Tunnel DTLS-Tunnel" \
	"$(jq_py '[t["type"] for t in d["sessions"][0]["tunnels"]]')" "detail --json: three tunnels"
assert_eq "$udp_src" "$(jq_py 'd["sessions"][0]["tunnels"][2]["src_port"]')" "detail --json: UDP port"
assert_eq Certificate "$(jq_py 'd["sessions"][0]["auth_mode"]')" "detail --json: auth_mode"

# --- metrics with the session
metrics_valid "one session"
assert_eq 1 "$(metric 'sslvpnd_sessions{tunnel_group="DefaultWEBVPNGroup",protocol="DTLS-Tunnel",dtls_state="up"}')" \
	"metrics: the session by tunnel group, protocol and DTLS state"
assert_eq 1 "$(metric sslvpnd_sessions_active)" "metrics: one active"
assert_eq 1 "$(metric sslvpnd_auth_success_total)" "metrics: one successful login"
assert_eq 1 "$(metric 'sslvpnd_pool_addresses_in_use{pool="default-pool"}')" "metrics: one address in use"
in1=$(metric 'sslvpnd_tunnel_bytes_total{direction="in"}')
[ "$in1" -gt "$in0" ] || fail "metrics: tunnel bytes in did not rise ($in0 -> $in1)"
ok "metrics: tunnel bytes in rose from $in0 to $in1"
[ "$(metric 'sslvpnd_dtls_bytes_total{direction="in"}')" -gt 0 ] || fail "metrics: no DTLS bytes"
ok "metrics: DTLS bytes counted"
ctl_ok --json metrics
python3 -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["prometheus"])' \
	"$CTL_OUT" >"$TMPD/metrics-json.prom"
python3 "$PROM_CHECK" "$TMPD/metrics-json.prom" || fail "metrics --json: the text is not valid"
ok "metrics --json carries the exposition text"

# --- logoff tunnel-group
ctl_ok vpn-sessiondb logoff tunnel-group NoSuchGroup
assert_eq 'INFO: Number of sessions from TunnelGroup "NoSuchGroup" logged off : 0' "$(cat "$CTL_OUT")" \
	"logoff tunnel-group of an unknown group: none"
pid_alive "${OC_PID[a]}" || fail "openconnect a died after a logoff of another group"
ctl_ok vpn-sessiondb logoff tunnel-group DefaultWEBVPNGroup
assert_eq 'INFO: Number of sessions from TunnelGroup "DefaultWEBVPNGroup" logged off : 1' \
	"$(cat "$CTL_OUT")" "logoff tunnel-group DefaultWEBVPNGroup"
a_gone() { ! pid_alive "${OC_PID[a]}"; }
wait_for 10 "openconnect a exits" a_gone || fail "openconnect a still running after logoff"
ok "openconnect a exited"
assert_log_all "113019 Administrator Reset" 113019 "Username = $(re "$user_a")" \
	'Reason: Administrator Reset'
assert_log 111008 "executed the 'vpn-sessiondb logoff tunnel-group DefaultWEBVPNGroup' command" \
	"111008 for the logoff"

# Counters never fall: the ended tunnel's final counts replace its live ones.
in_settled() { [ "$(metric 'sslvpnd_tunnel_bytes_total{direction="in"}')" -ge "$in1" ]; }
wait_for 5 "bytes counter after the logoff" in_settled ||
	fail "metrics: tunnel bytes in fell from $in1 to $(metric 'sslvpnd_tunnel_bytes_total{direction="in"}')"
ok "metrics: tunnel bytes in still >= $in1 after the tunnel ended"
metrics_valid "after logoff"
assert_eq 0 "$(metric sslvpnd_sessions_active)" "metrics: no session left"
assert_eq 0 "$(metric 'sslvpnd_pool_addresses_in_use{pool="default-pool"}')" "metrics: address released"

# --- undebug all: no more debug output
ctl_ok undebug all
assert_eq "No debug classes are enabled" "$(cat "$CTL_OUT")" "undebug all"
n_pki=$(log_lines 711001 'CRYPTO_PKI' | wc -l)
oc_authenticate x2 "$SERVER_URL"
assert_log 100215 'requires a valid client certificate' "x2 refused"
sleep 0.5
assert_eq "$n_pki" "$(log_lines 711001 'CRYPTO_PKI' | wc -l)" "no CRYPTO_PKI debug after undebug all"

# --- seed 000's "debug crypto ca transactions 255" and "... messages 255":
# accepted as typed, listed, and either turns the crypto ca output on.
ctl_ok debug crypto ca transactions 255
assert_eq "debug crypto ca transactions enabled at level 255" "$(cat "$CTL_OUT")" \
	"debug crypto ca transactions 255"
ctl_ok debug cr ca mes 255
ctl_ok show debug
assert_eq "debug crypto ca transactions enabled at level 255
debug crypto ca messages enabled at level 255" "$(cat "$CTL_OUT")" "show debug lists both parts"
ctl_ok undebug crypto ca transactions
oc_authenticate x3 "$SERVER_URL" -c "$cert_a" -k "$PKI/mic-sha2/leaf.key"
[ -n "$OC_COOKIE" ] || fail "x3: no cookie"
pki_more() { [ "$(log_lines 711001 CRYPTO_PKI | wc -l)" -gt "$n_pki" ]; }
wait_for 5 "CRYPTO_PKI debug again" pki_more ||
	fail "debug crypto ca messages: no CRYPTO_PKI output for x3"
ok "debug crypto ca messages: the worker shows the client certificate again"
ctl_ok undebug all

# --- errors
ctl show version extra
assert_fails "$CTL_RC" "show version with an extra word"
ctl metrics now
assert_fails "$CTL_RC" "metrics with an extra word"
ctl vpn-sessiondb logoff tunnel-group
assert_fails "$CTL_RC" "logoff tunnel-group without a name"
assert_server_alive
echo "PASS: $T_NAME"
