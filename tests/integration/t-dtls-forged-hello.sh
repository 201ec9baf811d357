#!/bin/bash
# t-dtls-forged-hello: the DTLS session id travels in clear in every
# ClientHello.  A forger on the client's link sniffs a phone's hello and
# replays it from another address (a new source port each time, every
# 0.5 s): the phone's established DTLS channel keeps carrying its voice at
# 0% loss, for a DTLS 1.2 phone (8861) and a DTLS 0.9 phone (7962G); main
# rate-limits the hellos (100411).  Positive case: a genuine port change
# (sslvpn-phone --dtls-rebind, like a NAT rebinding) still moves the
# session to the new port once its handshake completes.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861 / 7962G   |  TLS     | sslvpnd -f -c phone.conf      |
#   |  voice 50 pps -> 198.18.1.1    |===443===>|  (log format native)          |
#   |                                |  DTLS    |  tun -> lo 198.18.1.1         |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   |       198.18.0.6/32 (forger)   |          |  route 198.18.0.6/32 dev v-srv|
#   | dtls-forger.py: sniffs v-cli,  |--udp443->| sslvpn-phone --echo-server    |
#   |  replays the hello from .0.6   |          |   198.18.1.1:5004             |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

FORGER="$top_srcdir/tests/integration/dtls-forger.py"
FORGE_IP=198.18.0.6
VOICE_SECS=8

lib_init
phone_init
pki_ensure
netns_setup
ip -n "$NS_CLI" addr add "$FORGE_IP/32" dev v-cli || fail "address $FORGE_IP"
ip -n "$NS_SRV" route add "$FORGE_IP/32" dev v-srv || fail "route to $FORGE_IP"
state_init
phone_config "$TMPD/phone.conf"
# native format: the DTLS lines carry the client's UDP port
sed -i 's/format = "asa"/format = "native"/' "$TMPD/phone.conf"
start_sslvpnd -c "$TMPD/phone.conf"
start_echo

FORGER_PID=
# start_forger NAME: sniff the next ClientHello on v-cli and replay it from
# $FORGE_IP every 0.5 s while the phone talks.
start_forger() {
	ip netns exec "$NS_CLI" timeout -k 5 60 python3 "$FORGER" --iface v-cli \
		--client "$CLI_IP" --server "$SRV_IP" --source "$FORGE_IP" --delay 1 \
		--every 0.5 --duration "$((VOICE_SECS - 1))" --sniff-timeout 30 \
		>"$TMPD/$1.forger.json" 2>"$TMPD/$1.forger.err" </dev/null &
	FORGER_PID=$!
	track_pid "$FORGER_PID"
}

# forged_run NAME PROFILE CERT KEY DTLS: the phone talks while the forger
# replays its hello; voice must lose nothing and stay on DTLS.
forged_run() {
	local name=$1 prof=$2 cert=$3 key=$4 dtls=$5 port sent
	start_forger "$name"
	# the AF_PACKET socket is open before the phone says hello
	wait_for 10 "forger sniffing" grep -q sniffing "$TMPD/$name.forger.err" ||
		fail "$name: the forger did not start: $(cat "$TMPD/$name.forger.err")"
	run_phone "$name" -p "$prof" --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
		--cert "$cert" --key "$key" --voice "$BEHIND_IP:$ECHO_PORT" \
		--voice-secs "$VOICE_SECS" --max-loss 0 --hold 1 --require-dtls --json
	wait "$FORGER_PID"
	note "forger: $(cat "$TMPD/$name.forger.json") $(head -c 300 "$TMPD/$name.forger.err")"
	sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("sent", 0))' \
		"$TMPD/$name.forger.json")
	[ "$sent" -ge 8 ] || fail "$name: the forger sent only $sent hellos"
	ok "$name: the forger replayed the phone's hello $sent times from $FORGE_IP"
	assert_rc 0 "$PHONE_RC" "$name: sslvpn-phone kept its voice at 0% loss"
	assert_eq "$dtls" "$(json_get session.dtls)" "$name: $dtls"
	assert_eq $((VOICE_SECS * 50)) "$(json_get voice.rx)" "$name: every voice packet echoed"
	[ "$(json_get packets.dtls)" -ge $((VOICE_SECS * 50)) ] ||
		fail "$name: voice left DTLS: $(json_get packets.dtls) DTLS packets"
	ok "$name: voice stayed on DTLS ($(json_get packets.dtls) packets)"
	port=$(json_get 'session.dtls_ports' | tr -d '[] ' | cut -d, -f1)
	assert_no_log 100409 "$(re "$CLI_IP").*client (moved|started)" \
		"$name: the phone's DTLS channel never went down"
	assert_log_all "$name: 100405 DTLS up from the phone's port $port" 100405 \
		"$(re "$CLI_IP")" "from port $port\$"
}

# 1. DTLS 1.2 (8861, resumption on libssl)
forged_run f8861 8861 "$PKI/mic-sha2/leaf.pem" "$PKI/mic-sha2/leaf.key" DTLSv1.2
assert_log_all "100411: forged hellos for the 8861's session rate-limited" 100411 \
	"over the rate limit" "last from $(re "$FORGE_IP")"

# 2. DTLS 0.9 (7962G, our own record layer)
forged_run f7962 7962G "$PKI/mic-sha1/leaf-fullchain.pem" "$PKI/mic-sha1/leaf.key" DTLSv0.9

# No forged candidate ever became the channel.
assert_no_log 100405 "$(re "$FORGE_IP")" "no DTLS channel came up from $FORGE_IP"

# 3. A genuine port change moves the session (DTLS 1.2 and DTLS 0.9).
rebind_run() {
	local name=$1 prof=$2 cert=$3 key=$4 first last
	run_phone "$name" -p "$prof" --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
		--cert "$cert" --key "$key" --voice "$BEHIND_IP:$ECHO_PORT" --voice-secs 5 \
		--dtls-rebind 2 --max-loss 5 --hold 1 --require-dtls --json
	assert_rc 0 "$PHONE_RC" "$name: sslvpn-phone through a DTLS port change"
	assert_eq 1 "$(json_get session.dtls_rebinds)" "$name: the phone moved its DTLS once"
	first=$(json_get 'session.dtls_ports' | tr -d '[] ' | cut -d, -f1)
	last=$(json_get 'session.dtls_ports' | tr -d '[] ' | cut -d, -f2)
	assert_ne "$first" "$last" "$name: DTLS came up again from another port ($first -> $last)"
	assert_log_all "$name: 100409 old channel replaced by the new port" 100409 \
		"client moved to $(re "$CLI_IP") port $last"
	assert_log_all "$name: 100405 DTLS up from the new port $last" 100405 \
		"$(re "$CLI_IP")" "from port $last\$"
}
rebind_run r8861 8861 "$PKI/mic-sha2/leaf.pem" "$PKI/mic-sha2/leaf.key"
rebind_run r7962 7962G "$PKI/mic-sha1/leaf-fullchain.pem" "$PKI/mic-sha1/leaf.key"
assert_server_alive
echo "PASS: $T_NAME"
