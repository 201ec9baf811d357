# shellcheck shell=bash
# Helpers of the sslvpn-phone integration tests (t-phone-*.sh), on top of
# lib.sh (source lib.sh first).
#
# The phone needs no tun device and no openconnect: sslvpn-phone originates
# its own packets with the address the headend assigned.  The far end of the
# voice stream is `sslvpn-phone --echo-server` on the "behind" address of the
# server namespace:
#
#   client ns                                   server ns
#   sslvpn-phone --profile P  ==TLS/DTLS 443==> sslvpnd  -> tun -> 198.18.1.1
#     (ICMP + UDP voice from X-CSTP-Address)             sslvpn-phone --echo-server
#                                                          198.18.1.1:5004
#
# PHONE_EXPECT_DTLS: 1 = the headend answers X-DTLS-Session-ID and the DTLS
# assertions apply (the default now that sslvpnd has DTLS); 0 = assert only
# the TLS path.  The lead flips it here, in one place.
PHONE_EXPECT_DTLS=${PHONE_EXPECT_DTLS:-1}

# shellcheck disable=SC2154 # top_builddir comes from lib.sh
SSLVPN_PHONE="$top_builddir/src/tools/sslvpn-phone/sslvpn-phone"
ECHO_PORT=5004
PHONE_URL="https://$SRV_IP/phone"
PHONE_RC=
PHONE_OUT=
PHONE_LOG=
ECHO_PID=

phone_init() {
	[ -x "$SSLVPN_PHONE" ] || hard_error "$SSLVPN_PHONE not built"
}

# phone_config FILE: sslvpnd configuration with a certificate tunnel group
# on $PHONE_URL (like t-svc-phone), DTLS on UDP 443; extra interface keys
# (e.g. a trustpoint) in $PHONE_IFACE_EXTRA, extra top-level text in
# $PHONE_CONF_EXTRA.
phone_config() {
	cat >"$1" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; ${PHONE_IFACE_EXTRA:-} } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } ${PHONE_TP_EXTRA:-} );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["${PHONE_GROUP_URL:-$PHONE_URL}"]; } );
${PHONE_CONF_EXTRA:-}
CONF
}

# hex_b64 HEX: the bytes of HEX in base64 (no xxd needed).
hex_b64() {
	# shellcheck disable=SC2059 # the format is the \x escapes built here
	printf "$(printf '%s' "$1" | sed 's/../\\x&/g')" | base64
}

# server_hash_b64: the phone's certHash (base64 SHA-1 of the server DER);
# phones offer only RSA suites, so it is the RSA certificate's.
server_hash_b64() { hex_b64 "${SERVER_RSA_SHA1:-$SERVER_CERT_SHA1}"; }

# start_echo: the UDP echo service behind the headend (bounded lifetime).
start_echo() {
	ip netns exec "$NS_SRV" "$SSLVPN_PHONE" --echo-server "$BEHIND_IP:$ECHO_PORT" \
		--hold "$LIB_DEADLINE" >>"$TMPD/echo.log" 2>&1 </dev/null &
	ECHO_PID=$!
	track_pid "$ECHO_PID"
	wait_for 5 "echo server bound" ns_srv sh -c "ss -uln | grep -q '$BEHIND_IP:$ECHO_PORT'" ||
		fail "echo server did not bind $BEHIND_IP:$ECHO_PORT"
}

# run_phone NAME [ARGS...]: sslvpn-phone in the client namespace, bounded by
# timeout(1); sets PHONE_RC, PHONE_OUT (stdout: the report) and PHONE_LOG
# (stderr: the phone-style log).
run_phone() {
	local name=$1
	shift
	PHONE_OUT="$TMPD/$name.phone.out"
	PHONE_LOG="$TMPD/$name.phone.log"
	note "sslvpn-phone[$name]: $*"
	timeout -k 5 60 ip netns exec "$NS_CLI" "$SSLVPN_PHONE" "$@" \
		>"$PHONE_OUT" 2>"$PHONE_LOG" </dev/null
	PHONE_RC=$?
	sed 's/^/    /' "$PHONE_OUT"
	note "sslvpn-phone[$name]: exit $PHONE_RC"
}

# run_phone_bg NAME [ARGS...]: like run_phone, in the background; sets
# PHONE_PID; phone_wait collects PHONE_RC.
run_phone_bg() {
	local name=$1
	shift
	PHONE_OUT="$TMPD/$name.phone.out"
	PHONE_LOG="$TMPD/$name.phone.log"
	note "sslvpn-phone[$name] (background): $*"
	timeout -k 5 60 ip netns exec "$NS_CLI" "$SSLVPN_PHONE" "$@" \
		>"$PHONE_OUT" 2>"$PHONE_LOG" </dev/null &
	PHONE_PID=$!
	track_pid "$PHONE_PID"
}

phone_wait() {
	wait "$PHONE_PID"
	PHONE_RC=$?
	sed 's/^/    /' "$PHONE_OUT"
	note "sslvpn-phone: exit $PHONE_RC"
}

# phone_addr: the address of the phone's tunnel once its log says so.
phone_addr() {
	sed -n 's/.*connected: .*address \([0-9.]*\),.*/\1/p' "$PHONE_LOG" | head -n 1
}
phone_has_addr() { [ -n "$(phone_addr)" ]; }

# json_get KEY: a value from the --json report ("voice.loss_pct", ...).
json_get() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$PHONE_OUT" "$1"
}

phone_log_has() { grep -Eq -- "$1" "$PHONE_LOG"; }

assert_phone_log() { # ERE WHAT
	if ! phone_log_has "$1"; then
		printf '  phone log (last 15 lines):\n'
		tail -n 15 "$PHONE_LOG" | sed 's/^/    /'
		fail "$2: expected a phone log line matching /$1/"
	fi
	ok "$2"
}

dump_phone_logs() {
	local f
	for f in "$TMPD"/*.phone.log; do
		[ -f "$f" ] || continue
		echo "---- $(basename "$f"), last 30 lines"
		tail -n 30 "$f"
	done
}

# On failure lib.sh's cleanup calls dump_logs: add the phone logs to it.
eval "lib_dump_logs() $(declare -f dump_logs | tail -n +2)"
dump_logs() {
	lib_dump_logs
	dump_phone_logs
}

# ---- node B: a second headend (t-asa-compat-lb, t-phone-failover)
# peer_setup: node B's namespace $NS_PEER (its tun device is sslvpn0 too)
# with $PEER_IP on a second veth from the client namespace (client side
# 198.18.0.6), the host behind it ($BEHIND_IP) on its lo as well, and its
# state directory $STATE_B with the lab trust.  Its logs join dump_logs.
PEER_IP=198.18.0.5
NS_PEER="svd-b-$$"
STATE_B=
PEER_PID=
PEER_LOG=
peer_setup() {
	ip netns add "$NS_PEER" || fail "ip netns add $NS_PEER"
	LIB_NETNS+=("$NS_PEER")
	ip -n "$NS_PEER" link add v-peer type veth peer name v-cli2 netns "$NS_CLI" || fail "veth to B"
	ip -n "$NS_PEER" link set lo up
	ip -n "$NS_PEER" addr add "$PEER_IP/30" dev v-peer
	ip -n "$NS_CLI" addr add 198.18.0.6/30 dev v-cli2
	ip -n "$NS_PEER" addr add "$BEHIND_IP/32" dev lo
	ip -n "$NS_PEER" link set v-peer up
	ip -n "$NS_CLI" link set v-cli2 up
	wait_for 5 "B reachable" ns_cli ping -c 1 -W 1 "$PEER_IP" >/dev/null ||
		fail "client namespace cannot reach $PEER_IP"
	STATE_B="$TMPD/state-b"
	mkdir -p "$STATE_B/trust"
	cp "$PKI"/trust/* "$STATE_B/trust/"
}

# start_peer NAME CONF: node B in its namespace, log $TMPD/peer-NAME.log.
start_peer() {
	PEER_LOG="$TMPD/peer-$1.log"
	ip netns exec "$NS_PEER" "$SSLVPND" -f --state-dir "$STATE_B" \
		--pid-file "$TMPD/peer.pid" -c "$2" >>"$PEER_LOG" 2>&1 </dev/null &
	PEER_PID=$!
	track_pid "$PEER_PID"
	wait_for 15 "peer $1 listening" grep -q '100007.*listening on .* port 443' "$PEER_LOG" ||
		fail "peer $1: no 100007 within 15 s: $(tail -n 5 "$PEER_LOG")"
	ok "peer $1 (pid $PEER_PID) listening on $PEER_IP"
}
peer_has() { grep -Eq -- "$1" "$PEER_LOG"; }

eval "phone_dump_logs() $(declare -f dump_logs | tail -n +2)"
dump_logs() {
	local f
	phone_dump_logs
	for f in "$TMPD"/peer-*.log; do
		[ -f "$f" ] || continue
		echo "---- node B: $(basename "$f"), last 60 lines"
		tail -n 60 "$f"
	done
}
