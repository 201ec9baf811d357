#!/bin/bash
# t-ctl-metrics-http: `metrics = { listen-port = N; }` makes main answer
# GET /metrics on 127.0.0.1:N with the Prometheus text of `sslvpnctl metrics`.
#
#   client ns svd-c-$$                    server ns svd-s-$$
#   +--------------------------+          +-----------------------------------+
#   | curl 198.18.0.1:PORT     |--veth--->| sslvpnd -c metrics.conf           |
#   |  (refused: loopback only)|          |  127.0.0.1:PORT  <--- curl (lo)   |
#   +--------------------------+          |  second sslvpnd, PORT2 taken:     |
#                                         |   exits 1 with 100531             |
#                                         +-----------------------------------+
# Checks: 100530 at start; 200 with Content-Type text/plain; version=0.0.4
# and a body that passes prom-check.py (and promtool when installed) and
# carries the same families as sslvpnctl metrics; HEAD has no body; 404 for
# another path, 405 for POST, 431 for a request over 1 KiB; a silent client
# does not block a scrape; the port is not reachable from the client
# namespace; a port out of range is a file:line error of sslvpnd -t; a port
# already taken stops sslvpnd at start with 100531.
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-90}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PROM_CHECK="$top_srcdir/tests/integration/prom-check.py"
PORT=9273
PORT2=9274

lib_init
command -v curl >/dev/null 2>&1 || hard_error "curl not installed"
command -v python3 >/dev/null 2>&1 || hard_error "python3 not installed"
pki_ensure
netns_setup
state_init

# The embedded default as a file, one worker, the metrics port set.
CONF="$TMPD/metrics.conf"
"$SSLVPND" -T --state-dir "$STATE" |
	sed "s/listen-port = 0;/listen-port = $PORT;/; s/workers = 0;/workers = 1;/" >"$CONF"
grep -q "listen-port = $PORT;" "$CONF" || fail "could not set metrics.listen-port in $CONF"

# --- a port out of range is a configuration error naming file:line
sed "s/listen-port = $PORT;/listen-port = 70000;/" "$CONF" >"$TMPD/bad.conf"
line=$(grep -n 'listen-port' "$TMPD/bad.conf" | cut -d: -f1)
out=$("$SSLVPND" -t -c "$TMPD/bad.conf" --state-dir "$STATE" 2>&1)
assert_fails $? "sslvpnd -t with listen-port 70000"
assert_match "$out" "$(re "$TMPD/bad.conf"):$line: .*listen-port" "the error names file:line and the key"

start_sslvpnd -c "$CONF"
assert_log 100530 "GET /metrics on 127\\.0\\.0\\.1 port $PORT" "100530: the listener is open"

# http ARGS...: curl in the server namespace (bounded), headers to $TMPD/h,
# body to $TMPD/b; prints the status code.
http() {
	ns_srv curl -s -m 5 -D "$TMPD/h" -o "$TMPD/b" -w '%{http_code}' "$@"
}

# --- GET /metrics
assert_eq 200 "$(http "http://127.0.0.1:$PORT/metrics")" "GET /metrics: 200"
assert_match "$(tr -d '\r' <"$TMPD/h")" '^Content-Type: text/plain; version=0\.0\.4' \
	"Content-Type of the exposition format"
python3 "$PROM_CHECK" "$TMPD/b" || fail "the HTTP body is not a valid exposition"
ok "the HTTP body passes prom-check.py ($(wc -l <"$TMPD/b") lines)"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$TMPD/b" || fail "promtool check metrics"
	ok "promtool check metrics"
fi
"$CTL" --socket "$STATE/ctl.sock" metrics >"$TMPD/ctl.prom" || fail "sslvpnctl metrics"
assert_eq "$(grep '^# TYPE' "$TMPD/ctl.prom")" "$(grep '^# TYPE' "$TMPD/b")" \
	"the same families as sslvpnctl metrics"
assert_match "$(cat "$TMPD/b")" '^sslvpnd_workers 1$' "one worker reported"

# --- HEAD, other paths and methods, an over-long request
# HEAD straight on the socket: curl would not show a body sent by mistake.
ns_srv timeout -k 2 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"HEAD /metrics HTTP/1.0\r\n\r\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())' "$PORT" >"$TMPD/head.out"
assert_match "$(head -n 1 "$TMPD/head.out")" '^HTTP/1\.1 200 OK' "HEAD /metrics: 200"
assert_match "$(tr -d '\r' <"$TMPD/head.out" | tail -n 1)" '^$' "HEAD: the reply ends after the headers"
grep -q '^sslvpnd_' "$TMPD/head.out" && fail "HEAD returned a body"
ok "HEAD: no body"
assert_eq 404 "$(http "http://127.0.0.1:$PORT/")" "GET /: 404"
assert_eq 405 "$(http -X POST --data x "http://127.0.0.1:$PORT/metrics")" "POST: 405"
assert_eq 431 "$(http -H "X-Pad: $(head -c 1100 /dev/zero | tr '\0' a)" \
	"http://127.0.0.1:$PORT/metrics")" "a request over 1 KiB: 431"

# --- a silent client does not hold a scrape up
ip netns exec "$NS_SRV" timeout -k 2 10 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(8)' "$PORT" &
idle_pid=$!
track_pid "$idle_pid"
sleep 0.3
assert_eq 200 "$(http "http://127.0.0.1:$PORT/metrics")" "GET while a silent client waits"
stop_pid "$idle_pid"

# --- loopback only
rc=0
ns_cli curl -s -m 3 -o /dev/null "http://$SRV_IP:$PORT/metrics" || rc=$?
assert_fails "$rc" "the metrics port from the client namespace"
ns_srv ss -Hltn "( sport = :$PORT )" | grep -q "127.0.0.1:$PORT" ||
	fail "not listening on 127.0.0.1:$PORT: $(ns_srv ss -Hltn)"
ok "listening on 127.0.0.1:$PORT only"

# --- a taken port stops a second daemon at start, with 100531
ip netns exec "$NS_SRV" timeout -k 2 20 python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(15)' "$PORT2" &
hold_pid=$!
track_pid "$hold_pid"
wait_for 5 "port $PORT2 taken" eval "ns_srv ss -Hltn '( sport = :$PORT2 )' | grep -q ." ||
	fail "could not take port $PORT2"
sed "s/listen-port = $PORT;/listen-port = $PORT2;/" "$CONF" >"$TMPD/taken.conf"
mkdir -p "$TMPD/state2"
cp -r "$STATE/trust" "$TMPD/state2/"
timeout -k 2 20 ip netns exec "$NS_SRV" "$SSLVPND" -f -c "$TMPD/taken.conf" \
	--state-dir "$TMPD/state2" --ctl-socket "$TMPD/ctl2.sock" >"$TMPD/second.log" 2>&1
rc=$?
assert_fails "$rc" "sslvpnd with a taken metrics port"
assert_match "$(cat "$TMPD/second.log")" "100531: metrics.listen-port $PORT2: cannot listen on 127\\.0\\.0\\.1: Address (already )?in use" \
	"100531 names the key, the port and the cause"
stop_pid "$hold_pid"

assert_server_alive
assert_eq 200 "$(http "http://127.0.0.1:$PORT/metrics")" "the first daemon still answers"
echo "PASS: $T_NAME"
