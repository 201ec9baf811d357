#!/bin/bash
# t-secmod-async: a worker does not wait for sslvpnd-secmod (S11).
#
# Every handshake's private-key operation is a request to secmod; the
# worker pauses that handshake (a libssl async job) and goes on with its
# other connections until the answer comes.  One worker, secmod stopped
# (SIGSTOP) to hold its answers back:
#   1. two handshakes at once wait 3 s for secmod (longer than the 2 s the
#      synchronous wait allowed) and both complete once it runs again: no
#      100714 (before S11: the first failed after 2 s, the second at once
#      on a "stalled" channel);
#      the same with RSA key exchange (the premaster is the last step:
#      the handshake completes on the resumption), then an HTTP request
#      on it is answered;
#   2. a handshake whose client gives up is not resumed before secmod
#      answers; one that reaches handshake-timeout (4 s) while secmod is
#      stopped is closed (100321) with its request failed (100714 "closed
#      during its handshake": its paused job was ended); secmod's late
#      answer to it is dropped; the same worker (same pid) serves the next
#      handshake.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openssl s_client x N           |===443===>| 1 worker (public keys only)   |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | sslvpnd-secmod: SIGSTOP/CONT  |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

LIB_DEADLINE=90
lib_init
pki_ensure
netns_setup
state_init

srv="$PKI/server"
conf="$TMPD/async.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
limits = { handshake-timeout = 4; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; trustpoint = [ "RSA" ]; } );
trustpoints = (
  { name = "RSA"; enrollment = "file"; certificate = "$srv/server.pem"; key = "$srv/server.key"; }
);
CONF
start_sslvpnd -c "$conf"
sm=$(pgrep -P "$SRV_PID" -x sslvpnd-secmod)
wk=$(pgrep -P "$SRV_PID" -x sslvpnd-worker)
[ -n "$sm" ] && [ -n "$wk" ] || fail "no secmod or worker process"

# hs NAME: one TLS 1.2 ECDHE-RSA handshake (a signature by secmod) in the
# background, bounded; its output in $TMPD/NAME.out.
hs() {
	timeout -k 2 20 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:443" \
		-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 </dev/null >"$TMPD/$1.out" 2>&1 &
	eval "PID_$1=$!"
}
hs_ok() { grep -q '^New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256' "$TMPD/$1.out"; }
stop_secmod() { kill -STOP "$sm"; }
cont_secmod() { kill -CONT "$sm"; }

hs warm
wait "$PID_warm"
hs_ok warm || { cat "$TMPD/warm.out"; fail "a handshake with secmod running"; }
ok "a handshake with secmod running"

# 1. two handshakes paused at once, both go on when secmod does.
stop_secmod
hs a
hs b
sleep 3
cont_secmod
wait "$PID_a" "$PID_b"
hs_ok a || { cat "$TMPD/a.out"; fail "handshake a after secmod was stopped 3 s"; }
ok "handshake a completed after secmod was stopped 3 s"
hs_ok b || { cat "$TMPD/b.out"; fail "handshake b after secmod was stopped 3 s"; }
ok "handshake b (in flight at the same time) completed"
assert_no_log 100714 '' "no key operation failed while secmod was stopped 3 s"

# 1b. RSA key exchange: the premaster is the handshake's last step, so the
# resumed handshake completes at once; the HTTP request that follows must
# still be read (the socket is not watched while paused).
stop_secmod
printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$SRV_IP" |
	timeout -k 2 20 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:443" \
	-tls1_2 -cipher AES256-SHA -ign_eof >"$TMPD/kx.out" 2>&1 &
kx=$!
sleep 1
cont_secmod
wait_for 10 "the HTTP answer" grep -Eq '^HTTP/1\.[01] [0-9]{3}' "$TMPD/kx.out" ||
	{ kill "$kx"; cat "$TMPD/kx.out"; fail "no HTTP answer after a handshake finished by secmod's late answer"; }
kill "$kx" 2>/dev/null
wait "$kx"
grep -q 'Cipher is AES256-SHA' "$TMPD/kx.out" ||
	{ cat "$TMPD/kx.out"; fail "RSA key exchange after secmod was stopped 1 s"; }
ok "RSA key exchange finished by secmod's late answer; the request after it answered"

# 2. a handshake times out while its request waits: closed, job ended.
stop_secmod
hs c
wait_for 10 "100321 for the paused handshake" log_has 100321 'TLS handshake not complete within 4 s' ||
	{ cont_secmod; fail "the paused handshake was not closed at handshake-timeout (100321)"; }
ok "100321: the paused handshake closed at handshake-timeout"
assert_log 100714 'private key operation failed: the connection closed during its handshake' \
	"100714: its request failed with the close (the paused job ended)"
cont_secmod
wait "$PID_c"
hs_ok c && fail "handshake c completed after its connection was closed"
ok "handshake c failed (closed while secmod was stopped)"
hs d
wait "$PID_d"
hs_ok d || { cat "$TMPD/d.out"; fail "a handshake after the late answer"; }
ok "a handshake after secmod's late answer to the closed one"
assert_eq "$wk" "$(pgrep -P "$SRV_PID" -x sslvpnd-worker)" "the same worker process throughout"
assert_no_log 100715 '' "no worker broke the key channel protocol"
assert_server_alive
echo "PASS: $T_NAME"
