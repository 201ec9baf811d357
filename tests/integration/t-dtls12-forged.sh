#!/bin/bash
# t-dtls12-forged: forged datagrams cannot end a live DTLS 1.2 session.
# openconnect brings its default DTLS 1.2 channel up; raw-socket datagrams
# from its own 4-tuple then carry records no genuine peer sends: every
# content type at the session's epoch with bodies of 0 to 40 bytes
# (shorter than any AES-GCM record), a wrong version, a length past the
# datagram.  libssl 3.0.17-3.0.20 ended the session on the first short one
# (S13 item 1); the headend must drop and count them all, keep DTLS up and
# keep pinging over it.  tests/unit/libssl-compat.sh runs this test again
# with the server on each other libssl3 build (SSLVPND_LIBSSL_DIR).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (DTLS 1.2) tunN    |  UDP 443 | sslvpnd -f (embedded default) |
#   | python3 raw forger (same port) |=========>|                               |
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
start_sslvpnd

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"

oc_connect d "$SERVER_URL" -c "$cert" -k "$key" || fail "no tunnel"
wait_for 15 "DTLS up" oc_dtls_up d || fail "DTLS never came up"
grep -q 'Established DTLS connection.*DTLS1\.2' "${OC_LOG[d]}" ||
	fail "not DTLS 1.2: $(grep 'Established DTLS' "${OC_LOG[d]}")"
sleep 0.5
assert_ping d
cport=$(ns_cli ss -u -n -p 2>/dev/null | awk -v d="$SRV_IP:443" '/openconnect/ {
	for (i = 2; i <= NF; i++) if ($i == d) { n = split($(i - 1), a, ":"); print a[n] } }' | head -n 1)
assert_match "$cport" '^[0-9]+$' "openconnect's DTLS source port"

cat >"$TMPD/forge.py" <<'PY'
import os, socket, struct, sys
src, sport, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def send(payload):
    udp = struct.pack('!HHHH', sport, 443, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    r.sendto(ip + udp, (dst, 0))
def record(ctype, epoch, seq, body, version=0xfefd, length=None):
    n = len(body) if length is None else length
    return (bytes([ctype]) + version.to_bytes(2, 'big') + epoch.to_bytes(2, 'big') +
            seq.to_bytes(6, 'big') + n.to_bytes(2, 'big') + body)
n = 0
for body in range(0, 41):
    for ctype in (20, 21, 22, 23):
        send(record(ctype, 1, 10**6 + n, os.urandom(body)))
        n += 1
for i in range(20):
    send(record(23, 1, 2 * 10**6 + i, os.urandom(64), version=0xfeff))  # DTLS 1.0
    send(record(23, 1, 3 * 10**6 + i, os.urandom(30), length=200))     # past the end
    n += 2
print(n)
PY
sent=$(timeout -k 2 30 ip netns exec "$NS_CLI" python3 "$TMPD/forge.py" "$CLI_IP" "$cport" "$SRV_IP") ||
	fail "forging script failed"
ok "$sent forged datagrams sent from $CLI_IP:$cport"
assert_ping d
oc_dtls_up d || fail "openconnect lost DTLS"
assert_no_log 100406 '' "no DTLS failure (100406)"
assert_no_log 100409 '' "the DTLS channel never went down"
assert_no_log 100407 '' "traffic never moved to TLS"
oc_stop d
wait_for 10 "counters" test "$(log_lines 100410 | wc -l)" -ge 1 || fail "no 100410 for the tunnel"
line=$(log_lines 100410 | tail -n 1)
refused=$(printf '%s' "$line" | sed -n 's/.*DTLS records refused \([0-9]*\).*/\1/p')
din=$(printf '%s' "$line" | sed -n 's/.*DTLS in \([0-9]*\) out.*/\1/p')
[ "${refused:-0}" -ge "$sent" ] || fail "forged datagrams not all counted as refused ($sent sent): $line"
[ "${din:-0}" -ge 6 ] || fail "pings did not travel over DTLS: $line"
ok "refused $refused forged datagrams; $din packets over DTLS"
assert_no_log 100004 '' "no worker died"
assert_server_alive
echo "PASS: $T_NAME"
