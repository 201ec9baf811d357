#!/bin/bash
# t-dtls-batch: the worker's wake-up batching (S11, src/worker/wgather.c).
#  1. At a low rate nothing is gathered: 20 pings 50 ms apart through a
#     DTLS 1.2 tunnel all come back, each within a second (a sane RTT: no
#     timed assertion tighter than that), and the worker never switched
#     batching on.
#  2. A burst of voice-sized UDP (200-byte IP packets, well above 5,000 a
#     second) through the tunnel switches it on: the worker's debug line
#     "readiness gathering batch (200 us per wake-up)".
#  3. After the burst it goes off again within a couple of seconds, and a
#     single packet at a low rate is not delayed: the pings again.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (DTLS 1.2)         |  TLS 443 | sslvpnd -f (workers 1, debug) |
#   | python3: UDP burst to behind   |  UDP 443 |                               |
#   | ping behind                    |=========>|                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/batch.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; debug = 1; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones";
                    authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

# the worker's debug lines (711001) on its wake-up policy; "off" counts
# only as the last change after the burst
batch_on() { log_has 711001 'readiness gathering batch \(200 us per wake-up\)'; }
batch_off() { log_lines 711001 'readiness gathering' | tail -n 1 | grep -q 'gathering off'; }

# slow_pings WHAT: 20 pings 50 ms apart, every one back within a second
slow_pings() {
	local out max
	out=$(ns_cli ping -n -c 20 -i 0.05 -W 1 "$BEHIND_IP" 2>&1)
	printf '%s\n' "$out" | tail -n 2 | sed 's/^/    /'
	printf '%s\n' "$out" | grep -q ' 20 received' || fail "$1: pings lost: $(printf '%s\n' "$out" | tail -n 2 | tr '\n' ' ')"
	max=$(printf '%s\n' "$out" | sed -n 's|^rtt .* = [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p')
	awk -v m="${max:-9999}" 'BEGIN { exit !(m < 1000) }' || fail "$1: a ping took ${max:-?} ms"
	ok "$1: 20 of 20 pings back, the slowest in ${max} ms"
}

oc_connect v "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "no tunnel"
wait_for 15 "DTLS up" oc_dtls_up v || fail "DTLS never came up"

# --- 1. low rate: no gathering
slow_pings "low rate, before any burst"
batch_on && fail "the worker batched wake-ups at a low rate: $(log_lines 711001 'readiness gathering' | head -n 2)"
ok "low rate: no batching"

# --- 2. a burst: 40,000 datagrams of 172 bytes (200-byte IP packets) in
# about 2.5 s (16,000 a second, paced per 400), bounded by count and time
timeout 20 ip netns exec "$NS_CLI" python3 - "$BEHIND_IP" <<'PY' || fail "the UDP burst did not run"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"v" * 172
t0 = time.monotonic()
for i in range(40000):
    try:
        s.sendto(payload, (sys.argv[1], 9))
    except OSError:
        pass
    if i % 400 == 399:
        lag = t0 + (i + 1) / 16000 - time.monotonic()
        if lag > 0:
            time.sleep(lag)
PY
wait_for 5 "batching on" batch_on ||
	fail "no batching under the burst: $(log_lines 711001 'readiness gathering' | head -n 3)"
ok "burst: $(log_lines 711001 'readiness gathering batch' | head -n 1 | sed 's/.*worker/worker/')"

# --- 3. off again, and the slow pings are as before
wait_for 5 "batching off" batch_off ||
	fail "batching stayed on after the burst: $(log_lines 711001 'readiness gathering' | tail -n 3)"
ok "after the burst: $(log_lines 711001 'readiness gathering off' | tail -n 1 | sed 's/.*worker/worker/')"
slow_pings "low rate, after the burst"

oc_stop v
assert_server_alive
echo "PASS: $T_NAME"
