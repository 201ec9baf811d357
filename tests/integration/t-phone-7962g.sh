#!/bin/bash
# t-phone-7962g: sslvpn-phone as a CP-7962G (TLS 1.0 only, AES256-SHA /
# AES128-SHA, SHA-1 MIC chain, SVC login, DTLS 0.9 asked for the cipher TLS
# negotiated) against sslvpnd: tunnel up, DTLS 0.9 up, ICMP and a 50 pps x
# 200 B voice stream with 0% loss; the phone reads its settings from a
# CUCM-style <vpnGroup> document.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 7962G          |  TLS1.0  | sslvpnd -f -c phone.conf      |
#   |  --vpngroup vpngroup.xml       |===443===>|  group-url .../phone, cert    |
#   |  MIC mic-sha1/leaf (SHA-1)     | DTLS 0.9 |  pool 198.19.0.10-250         |
#   |  voice/ping from X-CSTP-Address|--udp443->|  tun -> lo 198.18.1.1          |
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

cert="$PKI/mic-sha1/leaf-fullchain.pem"
key="$PKI/mic-sha1/leaf.key"
cn=$(cert_cn "$cert")
# What CUCM would serve in SEP<MAC>.cnf.xml: url1 is an address the server
# namespace silently drops (blackhole route), so the phone gives up on it
# after failConnectTime and fails over to url2.
ip -n "$NS_CLI" route add 198.18.2.0/24 via "$SRV_IP" || fail "route to 198.18.2.0/24"
ip -n "$NS_SRV" route add blackhole 198.18.2.0/24 || fail "blackhole 198.18.2.0/24"
cat >"$TMPD/vpngroup.xml" <<XML
<device><vpnGroup>
  <mtu>1290</mtu>
  <failConnectTime>3</failConnectTime>
  <authMethod>2</authMethod>
  <pswdPersistent>0</pswdPersistent>
  <autoNetDetect>0</autoNetDetect>
  <enableHostIDCheck>0</enableHostIDCheck>
  <addresses>
    <url1>https://198.18.2.1/phone</url1>
    <url2>$PHONE_URL</url2>
  </addresses>
  <credentials>
    <hashAlg>0</hashAlg>
    <certHash1>$(server_hash_b64)</certHash1>
  </credentials>
</vpnGroup></device>
XML
dtls_args=()
[ "$PHONE_EXPECT_DTLS" = 1 ] && dtls_args=(--require-dtls)

run_phone p7962 -p 7962G --vpngroup "$TMPD/vpngroup.xml" --cert "$cert" --key "$key" \
	--ping "$BEHIND_IP" --ping-count 5 --voice "$BEHIND_IP:$ECHO_PORT" --voice-secs 4 \
	--max-loss 0 --hold 5 "${dtls_args[@]}" --json
assert_rc 0 "$PHONE_RC" "sslvpn-phone as a 7962G"
assert_phone_log 'URL -> https://198\.18\.2\.1/phone' "url1 tried first"
assert_phone_log 'notify code: 210 \[ConnTimeout\]' "url1 gave up after failConnectTime"
assert_phone_log 'failing over to url2' "failover to url2"
assert_eq TLSv1 "$(json_get session.tls_version)" "TLS 1.0"
assert_eq AES256-SHA "$(json_get session.tls_cipher)" "TLS cipher AES256-SHA"
addr=$(json_get session.address)
assert_match "$addr" '^198\.19\.0\.' "address from pool phones"
assert_eq 5 "$(json_get ping.rx)" "5/5 ICMP echo replies from $BEHIND_IP"
assert_eq 200 "$(json_get voice.tx)" "voice: 4 s x 50 pps sent"
assert_eq 200 "$(json_get voice.rx)" "voice: 200/200 echoed back (loss 0%)"
if [ "$PHONE_EXPECT_DTLS" = 1 ]; then
	assert_eq DTLSv0.9 "$(json_get session.dtls)" "DTLS 0.9 (DTLS1_BAD_VER)"
	assert_eq AES256-SHA "$(json_get session.dtls_suite)" "DTLS suite = TLS suite"
	[ "$(json_get packets.dtls)" -ge 200 ] || fail "voice did not use DTLS: $(json_get packets.dtls) DTLS packets"
	ok "voice and ping went over DTLS ($(json_get packets.dtls) packets)"
else
	note "PHONE_EXPECT_DTLS=0: DTLS assertions skipped (dtls: $(json_get session.dtls))"
fi
assert_log 716038 "User <$(re "$cn")> IP <$(re "$CLI_IP")> Authentication: successful" \
	"716038: $cn authenticated (SHA-1 chain)"
# As on the ASA, 725002 names the version, not the cipher (the phone's
# report above names it; 725012 will at debug level).
assert_log_all "725002: handshake completed with TLSv1" 725002 \
	"client [^ ]+:$(re "$CLI_IP")/[0-9]+ to [^ ]+/443 for TLSv1 session$"
assert_server_alive
echo "PASS: $T_NAME"
