#!/bin/bash
# t-cert-7962g-tls10: a CP-7962G, which speaks only TLS 1.0 with
# AES256-SHA and holds a SHA-1 MIC chain, logs in on the embedded default
# configuration; the headend serves it with the legacy phone profile.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect -c mic-sha1/leaf   |  TLS1.0  | sslvpnd -f --state-dir STATE  |
#   |  --gnutls-priority=TLS1.0 only |===443===>|   (embedded default config,   |
#   |   tunN 198.19.0.x/32           |          |    STATE/trust = lab CAs)     |
#   |   route 198.18.1.1/32 -> tunN  |          |                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# Checks: tunnel up, 3/3 pings cross the tun device, 716038 for the 7962G CN,
# SSLVPND 100106 (legacy TLS 1.0 client), 725002 naming TLSv1 and AES256-SHA,
# DTLS 0.9 with the TLS suite: offer AES256-SHA:AES128-SHA -> AES256-SHA
# (the ASA rule: DTLS must agree with TLS), and the pings travel over DTLS.
# A second 7962G whose TLS lands on AES128-SHA gets DTLS AES128-SHA from the
# same offer (the twin rule, not "strongest first").
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PRIO='NONE:+VERS-TLS1.0:+AES-256-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:%COMPAT'
PRIO128='NONE:+VERS-TLS1.0:+AES-128-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL:%COMPAT'
DTLS_OFFER='AES256-SHA:AES128-SHA'

lib_init
pki_ensure
netns_setup
state_init
start_sslvpnd
# A 7962G offers only RSA suites: it gets the RSA (temporary) certificate,
# not the EC one a client offering everything gets (ASA rule CSCuu02848).
SERVER_CERT_SHA1=$SERVER_RSA_SHA1

cert="$PKI/mic-sha1/leaf.pem"
key="$PKI/mic-sha1/leaf.key"
cn=$(cert_cn "$cert")
assert_match "$cn" '^CP-7962G-SEP[0-9A-F]{12}$' "lab MIC CN"
sig=$(openssl x509 -in "$cert" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -n 1)
assert_eq sha1WithRSAEncryption "$sig" "7962G MIC signed with SHA-1"

oc_connect p7962 "$SERVER_URL" -c "$cert" -k "$key" --gnutls-priority="$PRIO" \
	--dtls-ciphers="$DTLS_OFFER" ||
	fail "openconnect as a TLS 1.0 7962G: no tunnel"
ok "tunnel up (${OC_TUNDEV[p7962]})"
grep -E 'Connected to HTTPS on .*\(TLS1\.0\)' "${OC_LOG[p7962]}" >/dev/null ||
	fail "openconnect did not report a TLS 1.0 connection: $(grep 'Connected to HTTPS' "${OC_LOG[p7962]}")"
ok "openconnect negotiated TLS 1.0"
addr=${OC_ADDR[p7962]}
assert_in_pool "$addr" "address openconnect got"
wait_for 15 "DTLS up" oc_dtls_up p7962 ||
	fail "7962G: no DTLS: $(grep -i dtls "${OC_LOG[p7962]}" | tail -n 3)"
grep -E 'Established DTLS connection.*\(DTLS0\.9\)-\(RSA\)-\(AES-256-CBC\)-\(SHA1\)' \
	"${OC_LOG[p7962]}" >/dev/null ||
	fail "7962G: DTLS is not 0.9 AES-256-CBC: $(grep 'Established DTLS' "${OC_LOG[p7962]}")"
ok "DTLS 0.9 AES256-SHA established"
sleep 0.5
assert_ping p7962

ip_re=$(re "$CLI_IP")
assert_log 716038 "User <$(re "$cn")> IP <$ip_re> Authentication: successful" \
	"716038: certificate authentication of $cn (SHA-1 chain accepted)"
assert_log 722051 "User <$(re "$cn")> IP <$ip_re> Address <$(re "$addr")> assigned" \
	"722051: $addr assigned to $cn"
assert_log 100106 "client ([^ ]*:)?$ip_re(/| port )[0-9]+ offers only TLS 1\.0/1\.1" \
	"100106: legacy TLS 1.0 client event"
# As on the ASA, 725002 names the version, not the cipher: openconnect's
# own report names it (the server's 725012 will, at debug level).
assert_log_all "725002: handshake completed with TLSv1" 725002 \
	"client [^ ]+:$ip_re/[0-9]+ to [^ ]+/443 for TLSv1 session$"
grep -E 'Connected to HTTPS on .*\(TLS1\.0\).*AES-256-CBC' "${OC_LOG[p7962]}" >/dev/null ||
	fail "TLS cipher is not AES256-SHA: $(grep 'Connected to HTTPS' "${OC_LOG[p7962]}")"
ok "TLS 1.0 with AES256-SHA (openconnect's report)"
assert_log 100403 "User <$(re "$cn")> IP <$ip_re> DTLS offered: DTLSv0\.9 AES256-SHA \(client offered $(re "$DTLS_OFFER")" \
	"100403: TLS AES256-SHA + offer $DTLS_OFFER -> DTLS AES256-SHA"
oc_stop p7962
wait_for 10 "counters" log_has 100410 "User <$(re "$cn")>" || fail "no 100410"
din=$(log_lines 100410 "User <$(re "$cn")>" | tail -n 1 | sed -n 's/.*DTLS in \([0-9]*\) out.*/\1/p')
[ "${din:-0}" -ge 3 ] || fail "pings did not travel over DTLS ($din)"
ok "pings over DTLS 0.9 ($din packets in)"

# The twin rule: TLS AES128-SHA, same DTLS offer -> DTLS AES128-SHA.
oc_connect p7962b "$SERVER_URL" -c "$cert" -k "$key" --gnutls-priority="$PRIO128" \
	--dtls-ciphers="$DTLS_OFFER" || fail "7962G on AES128-SHA: no tunnel"
wait_for 15 "DTLS up" oc_dtls_up p7962b || fail "7962G on AES128-SHA: no DTLS"
grep -E 'Established DTLS connection.*\(DTLS0\.9\)-\(RSA\)-\(AES-128-CBC\)-\(SHA1\)' \
	"${OC_LOG[p7962b]}" >/dev/null ||
	fail "TLS AES128-SHA: DTLS is not AES-128-CBC: $(grep 'Established DTLS' "${OC_LOG[p7962b]}")"
assert_log 100403 "DTLS offered: DTLSv0\.9 AES128-SHA \(client offered $(re "$DTLS_OFFER")" \
	"100403: TLS AES128-SHA + offer $DTLS_OFFER -> DTLS AES128-SHA"
assert_server_alive
oc_stop p7962b
echo "PASS: $T_NAME"
