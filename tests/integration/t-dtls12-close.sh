#!/bin/bash
# t-dtls12-close: when the headend ends a tunnel (vpn-sessiondb logoff), the
# client gets a DTLS close_notify on its DTLS 1.2 channel, as it gets one on
# TLS: an alert record (type 21) in epoch 1 from the server's UDP 443, on our
# own record layer (AES-GCM resumption: handed over at once) and on libssl's
# (a suite our layer does not cover), so both paths end alike.  Before
# S11's tidy the worker freed the channel silently on both paths (this test
# failed there on each case).  openconnect (GnuTLS) logs "Read error on DTLS
# session: Success." when it reads the close_notify before the CSTP end; that
# is a race, so only the wire is asserted.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (DTLS 1.2 suite)   |  TLS 443 | sslvpnd -f (embedded default) |
#   | udp-watch.py on v-cli: records |=========>|  worker: DTLS 1.2 channel     |
#   |   arriving from UDP 443        |  UDP 443 |  sslvpnctl vpn-sessiondb      |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30 logoff     |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-120}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
WATCH="$top_srcdir/tests/integration/udp-watch.py"

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
command -v python3 >/dev/null 2>&1 || hard_error "python3 not installed"
pki_ensure
netns_setup
state_init
start_sslvpnd

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
CTL_OUT="$TMPD/ctl.out"
CTL_ERR="$TMPD/ctl.err"

ctl_ok() {
	timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$CTL_OUT" 2>"$CTL_ERR" ||
		fail "sslvpnctl $*: $(cat "$CTL_ERR")"
}

# close_case NAME OC-CIPHERSUITE-ERE [openconnect args...]
close_case() {
	local name=$1 oc_re=$2 out="$TMPD/$1.watch" wpid
	shift 2
	note "--- $name"
	# ip netns exec execs python3: $! is the watcher itself
	ip netns exec "$NS_CLI" python3 "$WATCH" v-cli "$SRV_IP" 443 60 >"$out" 2>&1 &
	wpid=$!
	track_pid "$wpid"
	wait_for 5 "$name: udp-watch ready" grep -qs '^watching' "$out" ||
		fail "$name: udp-watch.py did not start: $(cat "$out")"
	oc_connect "$name" "$SERVER_URL" -c "$cert" -k "$key" "$@" || fail "$name: no tunnel"
	wait_for 15 "$name: DTLS established" oc_dtls_up "$name" ||
		fail "$name: openconnect never established DTLS"
	grep -E "Established DTLS connection.*$oc_re" "${OC_LOG[$name]}" >/dev/null ||
		fail "$name: DTLS suite is not $oc_re: $(grep 'Established DTLS' "${OC_LOG[$name]}")"
	sleep 0.5
	assert_ping "$name"
	grep -q '^type=23 version=fefd epoch=1 ' "$out" ||
		fail "$name: udp-watch saw no DTLS 1.2 data from the server: $(tail -n 3 "$out")"
	! grep -q '^type=21 ' "$out" || fail "$name: an alert before the logoff: $(cat "$out")"
	ctl_ok vpn-sessiondb logoff name "$cn" noconfirm
	alert() { grep -q '^type=21 version=fefd epoch=1 ' "$out"; }
	wait_for 10 "$name: close_notify from the server" alert ||
		fail "$name: no DTLS alert record from the server after the logoff: $(tail -n 3 "$out")"
	ok "$name: after the logoff the server sent $(grep -m 1 '^type=21 ' "$out")"
	wait_for 10 "$name: openconnect exits" eval "! pid_alive ${OC_PID[$name]}" ||
		fail "$name: openconnect still running after the logoff"
	note "$name: openconnect's last DTLS lines: $(grep -i dtls "${OC_LOG[$name]}" | tail -n 3 | tr '\n' '|')"
	stop_pid "$wpid"
}

# Ours: AES-GCM resumption is handed to dtlsrec.c once the client's
# Finished arrives.  libssl's: CBC suites stay on libssl.
close_case own-gcm '\(DTLS1\.2\)-\(RSA\)-\(AES-128-GCM\)' --dtls12-ciphers=AES128-GCM-SHA256
close_case libssl-cbc '\(DTLS1\.2\)-\(RSA\)-\(AES-256-CBC\)' --dtls12-ciphers=AES256-SHA

assert_server_alive
echo "PASS: $T_NAME"
