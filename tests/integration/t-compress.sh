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
# Content-Encoding to a client that offers everything.
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
assert_server_alive
echo "PASS: $T_NAME"
