#!/bin/bash
# t-tun-offload: bulk TCP both ways through real openconnect tunnels while
# the worker's tun hands over TCP super packets (IFF_VNET_HDR + TSO4/TSO6,
# src/common/tunoff.c cuts them) and takes joined ones (userspace GRO of
# the client's segments), over DTLS and over CSTP/TLS.
#   1. DTLS tunnel: 20 MB each way at once on one TCP connection between
#      the client and a host behind the headend; both ends' SHA-256 match
#      the files sent; the worker logged its first super packet and its
#      first joined write and its first UDP GSO send of DTLS records
#      (debug, 711001: offload really used both ways);
#      the tunnel counters (100410) count
#      segments: at least one DTLS packet out per 1,400 bytes received;
#   2. the same, 5 MB each way, over CSTP/TLS (openconnect --no-dtls): a
#      super packet is many CSTP frames in the tunnel's output queue;
#   3. the worker is still alive.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (mic-sha2)         |---443--->| sslvpnd -f -d 1               |
#   | tcpxfer.py connect 198.18.1.1  |          | tcpxfer.py serve 198.18.1.1   |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

XFER="$top_srcdir/tests/integration/tcpxfer.py"

lib_init
pki_ensure
netns_setup
state_init
start_sslvpnd -d 1

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")

# xfer NAME PORT MB: MB each way between the client and $BEHIND_IP:PORT,
# both received streams checked against the files sent.
xfer() {
	local name=$1 port=$2 mb=$3 up="$TMPD/$1.up" down="$TMPD/$1.down" i
	head -c "${mb}M" /dev/urandom >"$up"
	head -c "${mb}M" /dev/urandom >"$down"
	ns_srv timeout -k 2 60 python3 "$XFER" serve "$BEHIND_IP" "$port" "$down" \
		>"$TMPD/$name.srv" 2>&1 &
	local srv=$!
	track_pid "$srv"
	for ((i = 0; i < 50; i++)); do
		grep -q listening "$TMPD/$name.srv" && break
		sleep 0.1
	done
	ns_cli timeout -k 2 60 python3 "$XFER" connect "$BEHIND_IP" "$port" "$up" \
		>"$TMPD/$name.cli" 2>&1 || fail "$name: client transfer: $(cat "$TMPD/$name.cli")"
	wait "$srv" || fail "$name: server transfer: $(cat "$TMPD/$name.srv")"
	local want_up want_down got_up got_down
	want_up="$(sha256sum <"$up" | cut -d' ' -f1) $((mb << 20))"
	want_down="$(sha256sum <"$down" | cut -d' ' -f1) $((mb << 20))"
	got_up=$(tail -n 1 "$TMPD/$name.srv")
	got_down=$(tail -n 1 "$TMPD/$name.cli")
	assert_eq "$want_up" "$got_up" "$name: $mb MB up, intact"
	assert_eq "$want_down" "$got_down" "$name: $mb MB down, intact"
}

# 1. DTLS
oc_connect d "$SERVER_URL" -c "$cert" -k "$key" || fail "d: no tunnel"
wait_for 15 "d: DTLS established" oc_dtls_up d || fail "d: no DTLS"
sleep 0.5
assert_ping d
xfer d 5001 20
assert_log 711001 "tun offload: first TCP super packet from sslvpn[0-9]+, [0-9]+ bytes in [0-9]+ segments" \
	"the worker cut a TCP super packet (offload in use)"
assert_log 711001 "tun offload: first joined TCP packet to sslvpn[0-9]+, [0-9]+ bytes from [0-9]+ segments" \
	"the worker joined TCP segments into one tun write (userspace GRO)"
assert_log 711001 "DTLS: first UDP GSO send: [0-9]+ records of [0-9]+ bytes in one sendmsg" \
	"the worker sent a run of DTLS records in one UDP GSO sendmsg"
oc_stop d
wait_for 10 "d: tunnel counters logged" log_has 100410 "User <$(re "$cn")>" ||
	fail "d: no 100410 counters line"
line=$(log_lines 100410 "User <$(re "$cn")>" | tail -n 1)
dout=$(printf '%s' "$line" | sed -n 's/.*DTLS in [0-9]* out \([0-9]*\) packets.*/\1/p')
[ "${dout:-0}" -ge $(((20 << 20) / 1400)) ] ||
	fail "d: DTLS packets out ($dout) fewer than 20 MB in 1,400-byte segments: $line"
ok "d: $dout DTLS packets out: segments counted, not super packets"

# 2. CSTP over TLS
oc_connect t "$SERVER_URL" -c "$cert" -k "$key" --no-dtls || fail "t: no tunnel"
sleep 0.5
assert_ping t
xfer t 5002 5
oc_stop t

# 3.
assert_server_alive
echo "PASS: $T_NAME"
