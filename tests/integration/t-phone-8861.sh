#!/bin/bash
# t-phone-8861: sslvpn-phone as a CP-8861 (TLS 1.2 with the seed's cipher
# offer, SHA-256 MIC, SVC login, DTLS 1.2 by X-DTLS12-CipherSuite) against
# sslvpnd: tunnel up, DTLS 1.2 up, ICMP and a 50 pps x 200 B voice stream
# with 0% loss, then a reconnect with the cookie keeps the address.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861           |  TLS1.2  | sslvpnd -f -c phone.conf      |
#   |  MIC mic-sha2/leaf, certHash   |===443===>|  group-url .../phone, cert    |
#   |  voice/ping from X-CSTP-Address|  DTLS1.2 |  pool 198.19.0.10-250         |
#   |                                |--udp443->|  tun -> lo 198.18.1.1          |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | sslvpn-phone --echo-server    |
#                                               |   198.18.1.1:5004             |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

lib_init
phone_init
pki_ensure
netns_setup
state_init
phone_config "$TMPD/phone.conf"
start_sslvpnd -c "$TMPD/phone.conf"
start_echo

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
dtls_args=()
[ "$PHONE_EXPECT_DTLS" = 1 ] && dtls_args=(--require-dtls)

run_phone_bg p8861 -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$cert" --key "$key" --ping "$BEHIND_IP" --ping-count 5 \
	--voice "$BEHIND_IP:$ECHO_PORT" --voice-secs 4 --max-loss 0 \
	--reconnect-after 6 --hold 8 "${dtls_args[@]}" --json
# The phone answers ICMP echo itself: ping its tunnel address from behind
# the headend while it holds the tunnel.
wait_for 10 "phone tunnel up" phone_has_addr || {
	phone_wait
	fail "the phone reported no tunnel address"
}
out=$(ns_srv ping -c 3 -i 0.3 -W 2 -I "$BEHIND_IP" "$(phone_addr)" 2>&1)
prc=$?
printf '%s\n' "$out" | tail -n 2 | sed 's/^/    /'
assert_rc 0 "$prc" "the phone answers ICMP echo to $(phone_addr) through the tunnel"
phone_wait
assert_rc 0 "$PHONE_RC" "sslvpn-phone as an 8861"
assert_eq TLSv1.2 "$(json_get session.tls_version)" "TLS version"
assert_match "$(json_get session.tls_cipher)" '^ECDHE-RSA-AES(256|128)-GCM-SHA(384|256)$' \
	"TLS cipher from the 8861 offer"
addr=$(json_get session.address)
assert_match "$addr" '^198\.19\.0\.' "address from pool phones"
assert_eq 5 "$(json_get ping.rx)" "5/5 ICMP echo replies from $BEHIND_IP"
assert_eq 200 "$(json_get voice.tx)" "voice: 4 s x 50 pps sent"
assert_eq 200 "$(json_get voice.rx)" "voice: 200/200 echoed back (loss 0%)"
assert_eq 1 "$(json_get session.reconnects)" "one reconnect with the cookie"
assert_eq 1 "$(json_get session.same_address)" "same address after the reconnect"
if [ "$PHONE_EXPECT_DTLS" = 1 ]; then
	assert_eq DTLSv1.2 "$(json_get session.dtls)" "DTLS 1.2 (X-DTLS12-CipherSuite)"
	assert_match "$(json_get session.dtls_suite)" '^ECDHE-RSA-AES(256|128)-GCM-SHA(384|256)$' \
		"DTLS 1.2 suite from the phone's offer"
	[ "$(json_get packets.dtls)" -ge 200 ] || fail "voice did not use DTLS: $(json_get packets.dtls) DTLS packets"
	ok "voice and ping went over DTLS ($(json_get packets.dtls) packets)"
else
	note "PHONE_EXPECT_DTLS=0: DTLS assertions skipped (dtls: $(json_get session.dtls))"
fi
assert_phone_log 'Leaf cert hash = [0-9A-F]{40}' "phone log: leaf cert hash"
assert_log 716038 "User <$(re "$cn")> IP <$(re "$CLI_IP")> Authentication: successful" \
	"716038: $cn authenticated"
assert_log 722051 "User <$(re "$cn")> IP <$(re "$CLI_IP")> Address <$(re "$addr")> assigned" \
	"722051: $addr assigned to $cn"
assert_server_alive
echo "PASS: $T_NAME"
