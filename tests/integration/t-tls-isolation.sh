#!/bin/bash
# t-tls-isolation: one client vanishing does not hurt the other connections
# of its worker.  A peer that disappears without close_notify leaves an
# error in the worker's OpenSSL error queue, which every connection of the
# process shares; SSL_get_error reads that queue first, so a stale entry
# used to turn another connection's harmless "want read" into a fatal
# error: a login waiting for its request was closed unanswered and a live
# tunnel was torn down.  One worker, so that everything shares one queue.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (8861 MIC)   tunN  |===443===>| sslvpnd -f -c iso.conf        |
#   | s_client "keep" (waits)        |---443--->|   workers = 1                 |
#   | s_client "gone" (SIGKILLed)    |---443--->|                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
conf="$TMPD/iso.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.50-198.19.0.60"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones";
                    authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

hs_done() { [ "$(log_lines 725002 | wc -l)" -ge "$1" ]; }
ended() { [ "$(log_lines 725007 | wc -l)" -gt "$1" ]; }
# vanish NAME: a TLS client that completes its handshake and is SIGKILLed,
# so the server reads an EOF without close_notify.
vanish() {
	local name=$1 n closed pid
	n=$(log_lines 725002 | wc -l)
	closed=$(log_lines 725007 | wc -l)
	mkfifo "$TMPD/$name.in"
	exec 8<>"$TMPD/$name.in"
	ip netns exec "$NS_CLI" openssl s_client -quiet -connect "$SRV_IP:443" \
		-cert "$cert" -key "$key" <&8 >/dev/null 2>"$TMPD/$name.err" &
	pid=$!
	track_pid "$pid"
	wait_for 10 "handshake of $name" hs_done $((n + 1)) ||
		fail "$name never completed its handshake"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	exec 8>&-
	wait_for 10 "725007 for $name" ended "$closed" ||
		fail "no 725007 for $name: the server did not see it go"
	ok "725007: $name's session ended"
}

# 1. A live tunnel survives another client vanishing (over TLS only: the
# data must cross the worker's SSL_read of the tunnel).
oc_connect tun "$SERVER_URL" -c "$cert" -k "$key" --no-dtls ||
	fail "openconnect: no tunnel"
assert_ping tun
vanish gone1
assert_ping tun
assert_no_log 722023 "." "722023: no tunnel ended"

# 2. A connection waiting for its request gets its answer after another
# client vanished.
hdr='Host: 198.18.0.1\r\nUser-Agent: Open AnyConnect VPN Agent v9.01\r\n'
n=$(log_lines 725002 | wc -l)
mkfifo "$TMPD/keep.in"
exec 7<>"$TMPD/keep.in"
ip netns exec "$NS_CLI" openssl s_client -quiet -connect "$SRV_IP:443" \
	-cert "$cert" -key "$key" <&7 >"$TMPD/keep.reply" 2>"$TMPD/keep.err" &
keep_pid=$!
track_pid "$keep_pid"
wait_for 10 "handshake of the waiting connection" hs_done $((n + 1)) ||
	fail "the waiting connection never completed its handshake"
vanish gone2
printf "HEAD / HTTP/1.1\r\n%b\r\n" "$hdr" >&7
got_head() { grep -q '^HTTP/1.1 200' "$TMPD/keep.reply"; }
wait_for 10 "the waiting connection's answer" got_head ||
	fail "the waiting connection was dropped after another client vanished"
ok "the waiting connection got its answer after another client vanished"
stop_pid "$keep_pid"
exec 7>&-

assert_ping tun
oc_stop tun
echo "PASS: $T_NAME"
