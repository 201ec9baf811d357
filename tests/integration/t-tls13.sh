#!/bin/bash
# t-tls13: clients that offer TLS 1.3 get it, phones keep their versions, in
# one run of the headend on the embedded default configuration:
#   1. openconnect as it comes (GnuTLS offers TLS 1.3): TLS 1.3, DTLS
#      (PSK-NEGOTIATE from the TLS 1.3 exporter), a ping through the tunnel,
#      725002 "for TLSv1.3 session";
#   2. openconnect on TLS 1.3 with RSA-PSS signatures only: the RSA identity
#      (key in sslvpnd-secmod) signs with PSS, tunnel and ping;
#   3. a 7962G (TLS 1.0, AES256-SHA only) still gets TLS 1.0 and DTLS 0.9.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect x3 (mic-sha2/-sha1)|---443--->| sslvpnd -f (embedded default) |
#   |   tunN 198.19.0.x/32           |  TLS/DTLS|                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PSS='NORMAL:-VERS-ALL:+VERS-TLS1.3:-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA256:+SIGN-RSA-PSS-RSAE-SHA384:+SIGN-RSA-PSS-RSAE-SHA512'
PRIO10='NONE:+VERS-TLS1.0:+AES-256-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:%COMPAT'

lib_init
pki_ensure
netns_setup
state_init
start_sslvpnd
ip_re=$(re "$CLI_IP")

# 1. openconnect as it comes
oc_connect tls13 "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "openconnect (TLS 1.3): no tunnel: $(tail -n 5 "${OC_LOG[tls13]}")"
grep -E 'Connected to HTTPS on .*\(TLS1\.3\)' "${OC_LOG[tls13]}" >/dev/null ||
	fail "openconnect did not get TLS 1.3: $(grep 'Connected to HTTPS' "${OC_LOG[tls13]}")"
ok "openconnect negotiated TLS 1.3"
assert_log 725002 "client [^ ]+:$ip_re/[0-9]+ to [^ ]+/443 for TLSv1\.3 session$" \
	"725002: handshake completed for TLSv1.3"
wait_for 15 "DTLS up (TLS 1.3 client)" oc_dtls_up tls13 ||
	fail "TLS 1.3 client: no DTLS: $(grep -i dtls "${OC_LOG[tls13]}" | tail -n 3)"
grep -E 'Established DTLS connection.*\(DTLS1\.2\)' "${OC_LOG[tls13]}" >/dev/null ||
	fail "TLS 1.3 client: DTLS is not 1.2: $(grep 'Established DTLS' "${OC_LOG[tls13]}")"
ok "DTLS 1.2 beside TLS 1.3"
sleep 0.5
assert_ping tls13
oc_stop tls13

# 2. TLS 1.3 with RSA-PSS only: the RSA identity, signed by secmod
rsa_sha1=$SERVER_RSA_SHA1
SERVER_CERT_SHA1=$rsa_sha1 oc_connect pss "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" \
	-k "$PKI/mic-sha2/leaf.key" --gnutls-priority="$PSS" ||
	fail "openconnect (TLS 1.3, RSA-PSS): no tunnel: $(tail -n 5 "${OC_LOG[pss]}")"
grep -E 'Connected to HTTPS on .*\(TLS1\.3\).*\(RSA-PSS' "${OC_LOG[pss]}" >/dev/null ||
	fail "not TLS 1.3 with RSA-PSS: $(grep 'Connected to HTTPS' "${OC_LOG[pss]}")"
ok "TLS 1.3 with an RSA-PSS server signature (RSA key in secmod)"
assert_no_log 100714 '.' "no refused or failed key operation (100714)"
sleep 0.5
assert_ping pss
oc_stop pss

# 3. a 7962G in the same run: TLS 1.0 and DTLS 0.9 as before
SERVER_CERT_SHA1=$rsa_sha1 oc_connect p7962 "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" \
	-k "$PKI/mic-sha1/leaf.key" --gnutls-priority="$PRIO10" --dtls-ciphers=AES256-SHA:AES128-SHA ||
	fail "openconnect as a TLS 1.0 7962G: no tunnel"
grep -E 'Connected to HTTPS on .*\(TLS1\.0\)' "${OC_LOG[p7962]}" >/dev/null ||
	fail "7962G did not get TLS 1.0: $(grep 'Connected to HTTPS' "${OC_LOG[p7962]}")"
ok "7962G negotiated TLS 1.0"
assert_log_all "725002: a TLSv1 session" 725002 \
	"client [^ ]+:$ip_re/[0-9]+ to [^ ]+/443 for TLSv1 session$"
wait_for 15 "DTLS up (7962G)" oc_dtls_up p7962 ||
	fail "7962G: no DTLS: $(grep -i dtls "${OC_LOG[p7962]}" | tail -n 3)"
grep -E 'Established DTLS connection.*\(DTLS0\.9\)' "${OC_LOG[p7962]}" >/dev/null ||
	fail "7962G: DTLS is not 0.9: $(grep 'Established DTLS' "${OC_LOG[p7962]}")"
ok "7962G: DTLS 0.9"
sleep 0.5
assert_ping p7962
oc_stop p7962
assert_server_alive
echo "PASS: $T_NAME"
