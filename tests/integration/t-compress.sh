#!/bin/bash
# t-compress: anyconnect-ssl-compression / anyconnect-dtls-compression with
# openconnect 9, one group policy per algorithm chosen by group-url:
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +--------------------------------+
#   | openconnect -c mic-sha2/leaf   |  TLS 443 | sslvpnd -f -c compress.conf    |
#   |   /lz4 /lzs  (default offer:   |=========>|  lz4: ssl lz4, dtls lz4        |
#   |     oc-lz4,lzs on both)        |  UDP 443 |  lzs: ssl lzs, dtls lzs        |
#   |   /deflate -d (adds deflate)   |=========>|  deflate: ssl deflate          |
#   |   -D (offers nothing)          |          |  none: the built-in none       |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30             |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target) |
#                                               +--------------------------------+
# Each algorithm openconnect supports (LZ4, LZS, deflate) over TLS only
# (--no-dtls) and LZ4/LZS over DTLS: the reply names it in
# X-CSTP-/X-DTLS-Content-Encoding, small and large (compressible) pings
# cross the tunnel, openconnect (-v -v: trace) logs compressed packets both
# ways.  A client offering nothing gets nothing; a policy of none sends no
# Content-Encoding to a client that offers everything.  A raw client's
# malformed compressed packets (an LZS bomb, LZ4 garbage, a deflate packet
# with a wrong Adler-32) close its tunnel alone with 100421.
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/compress.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "p"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = (
  { name = "lz4"; anyconnect-ssl-compression = "lz4"; anyconnect-dtls-compression = "lz4"; },
  { name = "lzs"; anyconnect-ssl-compression = "lzs"; anyconnect-dtls-compression = "lzs"; },
  { name = "deflate"; anyconnect-ssl-compression = "deflate"; },
  { name = "none"; } );
tunnel_groups = (
  { name = "LZ4"; address-pool = "p"; authentication = "certificate";
    default-group-policy = "lz4"; group-url = [ "https://$SRV_IP/lz4" ]; },
  { name = "LZS"; address-pool = "p"; authentication = "certificate";
    default-group-policy = "lzs"; group-url = [ "https://$SRV_IP/lzs" ]; },
  { name = "DEFLATE"; address-pool = "p"; authentication = "certificate";
    default-group-policy = "deflate"; group-url = [ "https://$SRV_IP/deflate" ]; },
  { name = "NONE"; address-pool = "p"; authentication = "certificate";
    default-group-policy = "none"; group-url = [ "https://$SRV_IP/none" ]; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"

# ping_size NAME SIZE [PATTERN]: 3 pings of SIZE payload bytes through
# NAME's tun device, each way (a zero pattern compresses well).
ping_size() {
	local name=$1 size=$2 dev=${OC_TUNDEV[$1]} tx0 rx0 out rc
	tx0=$(tun_counter "$NS_CLI" "$dev" tx)
	rx0=$(tun_counter "$NS_CLI" "$dev" rx)
	out=$(ns_cli ping -c 3 -i 0.3 -W 2 -s "$size" ${3:+-p "$3"} "$BEHIND_IP" 2>&1)
	rc=$?
	assert_rc 0 "$rc" "$name: ping -s $size ${3:+-p $3} through $dev: $(printf '%s' "$out" | tail -n 2 | head -n 1)"
	if [ $(($(tun_counter "$NS_CLI" "$dev" tx) - tx0)) -lt 3 ] ||
		[ $(($(tun_counter "$NS_CLI" "$dev" rx) - rx0)) -lt 3 ]; then
		fail "$name: pings did not cross $dev"
	fi
}

# header NAME HEADER: the value openconnect -v logged for a reply header.
header() { sed -n "s/^$2: //p" "${OC_LOG[$1]}" | tr -d '\r' | tail -n 1; }

# oc_compressed NAME DIR: openconnect's trace lines of compressed packets
# (DIR Received|Sending), uncompressed ones left out.  Over DTLS it traces
# no compression when sending: "Sent DTLS packet of N bytes; DTLS send
# returned M" with M <= N is a compressed one (plain: M = N + 1).
oc_compressed() {
	local log=${OC_LOG[$1]} n d=0
	n=$(grep -i "$2 .*compressed" "$log" | grep -ci -v uncompressed)
	[ "$2" = Sending ] &&
		d=$(sed -n 's/^Sent DTLS packet of \([0-9]*\) bytes; DTLS send returned \([0-9]*\)$/\1 \2/p' \
			"$log" | awk '$2 <= $1 { n++ } END { print n + 0 }')
	echo $((n + d))
}

# comp_case NAME PATH TLS-ENC DTLS-ENC [openconnect args]: connect, check
# the headers, ping small and large, check compressed packets both ways.
comp_case() {
	local name=$1 path=$2 tls=$3 dtls=$4 carrier=$4
	shift 4
	# the pings travel over DTLS unless it is off
	case " $* " in *" --no-dtls "*) carrier=$tls ;; esac
	note "--- $name: expect TLS '$tls' DTLS '$dtls'"
	oc_connect "$name" "https://$SRV_IP/$path" -c "$cert" -k "$key" -v "$@" ||
		fail "$name: no tunnel"
	if [ -n "$dtls" ]; then
		wait_for 15 "$name: DTLS established" oc_dtls_up "$name" ||
			fail "$name: no DTLS: $(grep -i dtls "${OC_LOG[$name]}" | tail -n 5)"
		sleep 0.5 # openconnect moves its queue to DTLS after the handshake
	fi
	assert_eq "$tls" "$(header "$name" X-CSTP-Content-Encoding)" "$name: X-CSTP-Content-Encoding"
	assert_eq "$dtls" "$(header "$name" X-DTLS-Content-Encoding)" "$name: X-DTLS-Content-Encoding"
	ping_size "$name" 56
	ping_size "$name" 1200 00
	ping_size "$name" 1200 5a5b
	if [ -n "$carrier" ]; then
		local rx tx
		wait_for 5 "$name: openconnect logged compressed packets" \
			test "$(oc_compressed "$name" Received)" -ge 6 ||
			fail "$name: openconnect received no compressed packets: $(grep -i compress "${OC_LOG[$name]}" | tail -n 5)"
		rx=$(oc_compressed "$name" Received)
		tx=$(oc_compressed "$name" Sending)
		[ "$tx" -ge 6 ] || fail "$name: openconnect sent only $tx compressed packets"
		ok "$name: compressed packets: openconnect received $rx, sent $tx"
	else
		assert_eq 0 "$(oc_compressed "$name" Received)" "$name: no compressed packet received"
	fi
	oc_stop "$name"
	wait_for 10 "$name: tunnel ended" log_has 100410 "Group <$(re "$path")>" ||
		fail "$name: no 100410 after the client left"
}

comp_case lz4-tls lz4 oc-lz4 "" --no-dtls
comp_case lzs-tls lzs lzs "" --no-dtls
comp_case deflate-tls deflate deflate "" --no-dtls -d
comp_case lz4-dtls lz4 oc-lz4 oc-lz4
comp_case lzs-dtls lzs lzs lzs
# deflate is TLS only: with DTLS up, the pings go over DTLS uncompressed.
comp_case deflate-dtls deflate deflate "" -d
assert_log 100420 "Group <lz4> .* compression: TLS oc-lz4, DTLS oc-lz4 \(client offered TLS: oc-lz4,lzs\)" \
	"100420 names both channels and the client's offer"

# Offering nothing (-D) gets nothing; a policy of none offers nothing.
comp_case offer-none lz4 "" "" --no-dtls -D
assert_log 100420 "Group <lz4> .* compression: TLS none, DTLS none \(client offered TLS: nothing\)" \
	"100420: client offered nothing"
comp_case policy-none none "" "" --no-dtls -d
assert_no_log 100420 "Group <none>" "no 100420 for a policy without compression"
assert_no_log 100421 '' "no malformed compressed packet"

# --- malformed compressed packets close that tunnel alone (100421) while
# an openconnect tunnel of the same worker keeps working.
cat >"$TMPD/badcomp.py" <<'PY'
"""badcomp HOST COOKIE CERT KEY ACCEPT HEX: CONNECT offering ACCEPT, print
the reply's X-CSTP-Content-Encoding, send one compressed frame (type 0x08)
of payload HEX, then "closed-by-server" when the server closes within 5 s,
else "still-open"."""
import socket, ssl, sys, time
host, cookie, cert, key, accept, payload = sys.argv[1:7]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.load_cert_chain(cert, key)
s = ctx.wrap_socket(socket.create_connection((host, 443), timeout=5))
s.sendall(("CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: %s\r\n"
           "User-Agent: Open AnyConnect VPN Agent v9.01\r\nCookie: webvpn=%s\r\n"
           "X-CSTP-Version: 1\r\nX-CSTP-Base-MTU: 1500\r\nX-CSTP-MTU: 1400\r\n"
           "X-CSTP-Accept-Encoding: %s\r\n\r\n" % (host, cookie, accept)).encode())
buf = b""
while b"\r\n\r\n" not in buf and len(buf) < 65536:
    d = s.recv(4096)
    if not d:
        break
    buf += d
enc = [l.split(b":", 1)[1].strip().decode() for l in buf.split(b"\r\n")
       if l.lower().startswith(b"x-cstp-content-encoding:")]
print("status", buf.split(b"\r\n", 1)[0].decode(errors="replace"))
print("encoding", enc[0] if enc else "none")
p = bytes.fromhex(payload)
s.sendall(b"STF\x01" + len(p).to_bytes(2, "big") + b"\x08\x00" + p)
deadline = time.monotonic() + 5
state = "still-open"
try:
    while time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        if not s.recv(4096):
            state = "closed-by-server"
            break
except socket.timeout:
    pass
except (ssl.SSLError, OSError):
    state = "closed-by-server"
print(state)
PY
# An LZS string of 8 + 15 * 536 bytes (past any MTU), LZ4 garbage, and a
# good deflate packet with a wrong Adler-32.
lzs_bomb="30e0$(printf 'ff%.0s' $(seq 1 67))3000"
deflate_bad=$(python3 -c 'import zlib; c = zlib.compressobj(6, zlib.DEFLATED, -12); print((c.compress(b"E" + bytes(200)) + c.flush(zlib.Z_SYNC_FLUSH)).hex() + "00000000")')
oc_connect keeper "https://$SRV_IP/lz4" -c "$cert" -k "$key" --no-dtls ||
	fail "keeper: no tunnel"
bad_case() { # PATH ACCEPT HEX CAUSE-ERE
	local path=$1 out webvpn
	oc_authenticate "bad-$path" "https://$SRV_IP/$path" -c "$cert" -k "$key"
	webvpn=$(printf '%s' "$OC_COOKIE" | tr ';' '\n' | sed -n 's/^ *webvpn=//p' | head -n 1)
	[ -n "$webvpn" ] || webvpn=$OC_COOKIE
	[ -n "$webvpn" ] || fail "bad-$path: no cookie"
	out=$(timeout -k 2 20 ip netns exec "$NS_CLI" python3 "$TMPD/badcomp.py" "$SRV_IP" \
		"$webvpn" "$cert" "$key" "$2" "$3" 2>&1)
	note "bad-$path: $(printf '%s' "$out" | tr '\n' ' ')"
	assert_match "$out" "encoding (oc-lz4|lzs|deflate)" "bad-$path: compression negotiated"
	assert_match "$out" "closed-by-server" "bad-$path: the server closed the tunnel"
	assert_log 100421 "Group <$(re "$path")> .* malformed compressed packet on TLS: $4; tunnel closed" \
		"bad-$path: 100421 names the cause"
}
bad_case lzs "oc-lz4,lzs" "$lzs_bomb" "bad LZS data or larger than the MTU"
bad_case lz4 "oc-lz4,lzs" "ffffffffffffffffff" "bad LZ4 data or larger than the MTU"
bad_case deflate "oc-lz4,lzs,deflate" "$deflate_bad" "deflate Adler-32 mismatch"
ping_size keeper 1200 00
ok "keeper: its tunnel still carries traffic"
oc_stop keeper
assert_server_alive
echo "PASS: $T_NAME"
