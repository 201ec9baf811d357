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

# tls_is NAME VERSION-ERE WHAT: openconnect NAME reports that TLS version
tls_is() {
	grep -E "Connected to HTTPS on .*\\($2\\)" "${OC_LOG[$1]}" >/dev/null ||
		fail "$3: $(grep 'Connected to HTTPS' "${OC_LOG[$1]}")"
	ok "$3"
}
# dtls_is NAME VERSION-ERE: openconnect NAME establishes DTLS of that version
dtls_is() {
	wait_for 15 "DTLS up ($1)" oc_dtls_up "$1" ||
		fail "$1: no DTLS: $(grep -i dtls "${OC_LOG[$1]}" | tail -n 3)"
	grep -E "Established DTLS connection.*\\($2\\)" "${OC_LOG[$1]}" >/dev/null ||
		fail "$1: DTLS is not $2: $(grep 'Established DTLS' "${OC_LOG[$1]}")"
	ok "$1: DTLS /$2/ established"
}

# 1. openconnect as it comes
oc_connect tls13 "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "openconnect (TLS 1.3): no tunnel: $(tail -n 5 "${OC_LOG[tls13]}")"
tls_is tls13 'TLS1\.3' "openconnect negotiated TLS 1.3"
assert_log 725002 "client [^ ]+:$ip_re/[0-9]+ to [^ ]+/443 for TLSv1\.3 session$" \
	"725002: handshake completed for TLSv1.3"
dtls_is tls13 'DTLS1\.2'
sleep 0.5
assert_ping tls13
oc_stop tls13

# 2. TLS 1.3 with RSA-PSS only: the RSA identity, signed by secmod
rsa_sha1=$SERVER_RSA_SHA1
SERVER_CERT_SHA1=$rsa_sha1 oc_connect pss "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" \
	-k "$PKI/mic-sha2/leaf.key" --gnutls-priority="$PSS" ||
	fail "openconnect (TLS 1.3, RSA-PSS): no tunnel: $(tail -n 5 "${OC_LOG[pss]}")"
tls_is pss 'TLS1\.3\).*\(RSA-PSS-RSAE-SHA[0-9]+' "TLS 1.3 with an RSA-PSS server signature (RSA key in secmod)"
assert_no_log 100714 '.' "no refused or failed key operation (100714)"
sleep 0.5
assert_ping pss
oc_stop pss

# 3. a 7962G in the same run: TLS 1.0 and DTLS 0.9 as before
SERVER_CERT_SHA1=$rsa_sha1 oc_connect p7962 "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" \
	-k "$PKI/mic-sha1/leaf.key" --gnutls-priority="$PRIO10" --dtls-ciphers=AES256-SHA:AES128-SHA ||
	fail "openconnect as a TLS 1.0 7962G: no tunnel"
tls_is p7962 'TLS1\.0' "7962G negotiated TLS 1.0"
assert_log_all "725002: a TLSv1 session" 725002 \
	"client [^ ]+:$ip_re/[0-9]+ to [^ ]+/443 for TLSv1 session$"
dtls_is p7962 'DTLS0\.9'
sleep 0.5
assert_ping p7962
oc_stop p7962
assert_server_alive
echo "PASS: $T_NAME"
