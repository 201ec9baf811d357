#!/bin/bash
# t-import-seed000: seed 000's complete lab configuration (plus the
# trustpoints its steps give in the text, and the lab PKI's CA certificates
# pasted as `crypto ca certificate chain` hex) through sslvpn-asa-import:
# no error, `sslvpnd -t` accepts the output, and sslvpnd serves it to
# openconnect and to sslvpn-phone as an 8861 at the seed's group-url.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (MIC) and          |  TLS 443 | sslvpnd -f -c imported.conf   |
#   | sslvpn-phone -p 8861           |=========>|  group-url                    |
#   |  https://asav.sckiewer.lab/    |          |   https://asav.sckiewer.lab/  |
#   |   phone (--resolve to v-srv)   |          |   phone, self identity        |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"
# shellcheck source=tests/integration/lib-asaimport.sh
. "$top_srcdir/tests/integration/lib-asaimport.sh"

lib_init
phone_init
pki_ensure
netns_setup
state_init

# The seed's pool is 10.10.1.0/24; the lab uses 198.19.0.0/24.
in="$TMPD/seed000.txt"
{
	sed 's/10\.10\.1\.1-10\.10\.1\.254/198.19.0.10-198.19.0.250/' "$ASA_FIXTURES/seed000-lab.txt"
	asa_lab_trustpoints
} >"$in"
asa_import "$in"
asa_assert_clean
assert_match "$(cat "$IMPORT_OUT")" 'group-url = \[ "https://asav\.sckiewer\.lab/phone" \];' \
	"the seed's group-url carried over"
assert_match "$(cat "$IMPORT_OUT")" 'enrollment = "self";' "asa-identity-cert: enrollment self"
n=$(find "$TMPD/certs" -name '*.pem' | wc -l)
assert_eq "$(find "$PKI/trust" -name '*.pem' | wc -l)" "$n" "one PEM file per pasted CA chain"
conf="$TMPD/seed000.conf"
asa_checked "$conf"

start_sslvpnd -c "$conf"
host=asav.sckiewer.lab
cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
oc_connect oc "https://$host/phone" --resolve "$host:$SRV_IP" -c "$cert" -k "$key" ||
	fail "openconnect found no tunnel at the seed's group-url"
assert_in_pool "${OC_ADDR[oc]}" "openconnect's address"
assert_ping oc
oc_stop oc

run_phone p8861 -p 8861 --url "https://$host/phone" --resolve "$host:$SRV_IP" \
	--cert-hash "$(server_hash_b64)" --cert "$cert" --key "$key" \
	--ping "$BEHIND_IP" --ping-count 3 --json
assert_rc 0 "$PHONE_RC" "sslvpn-phone as an 8861 at the seed's group-url"
assert_eq 3 "$(json_get ping.rx)" "3/3 ICMP echo replies through the phone's tunnel"
assert_log 722051 "Group <vpn-phone-policy> User <$(re "$(cert_cn "$cert")")>" \
	"722051 under the imported vpn-phone-policy"
assert_server_alive
echo "PASS: $T_NAME"
