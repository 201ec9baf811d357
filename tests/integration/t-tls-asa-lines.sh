#!/bin/bash
# t-tls-asa-lines: the TLS and certificate lines of one handshake, in the
# ASA's order and words (S14), compared as text with only the values
# (addresses, ports, counts, cipher names, serials, names) masked:
#   1. an 8861 phone whose certHash does not match (seed 001's "hash
#      mismatch" ASA log: 725012, 725014 tlsv1 alert unknown ca, 725006);
#   2. the same phone with the right hash (the login of seed 000): 717022
#      then 725002 "to DST/PORT for TLSv1.2 session";
#   3. a client proposing only AES256-SHA and AES128-SHA to an interface
#      that enables neither (seed 001's "no shared cipher": 725010 and the
#      device's list, 725008 and the client's, 725014, 725006);
#   4. an expired client certificate: 717009 (with issuer) and no 717022.
# Every handshake starts with 725001 "... to DST/PORT for TLS session." and
# debug-severity lines show (logging debug = 1, as "logging trap debugging").
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861           |---443--->| sslvpnd -f -c phone.conf      |
#   | openssl s_client (no shared)   |   TLS    |  logging format asa, debug 1  |
#   | openconnect (expired cert)     |          |                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
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
# TLS 1.2 without the AES-CBC-SHA suites, as seed 001's ASA (its device
# list had neither of the 7962G's two suites)
PHONE_CONF_EXTRA='ssl = { cipher = { tlsv1_2 = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"; }; };'
phone_config "$TMPD/phone.conf"
sed -i 's/format = "asa"; };/format = "asa"; debug = 1; };/' "$TMPD/phone.conf"
grep -q 'debug = 1;' "$TMPD/phone.conf" || fail "could not enable debug logging"
start_sslvpnd -c "$TMPD/phone.conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"

# mask: the TLS/PKI lines of stdin (from "%ASA-" on) with the values
# replaced; runs of 725011 become one line (the lists' lengths vary with
# the OpenSSL build, their counts are masked too).
mask() {
	grep -o '%ASA-[0-7]-7\(25\|17\)0[0-9][0-9]: .*' |
		sed -E -e 's/[0-9]{1,3}(\.[0-9]{1,3}){3}/IP/g' \
			-e 's#/[0-9]+#/PORT#g' \
			-e 's/Cipher\[[0-9]+\] : .*/Cipher[N] : NAME/' \
			-e 's/cipher : [^ ]+ /cipher : NAME /' \
			-e 's/following [0-9]+ cipher/following N cipher/' \
			-e 's/serial number: [0-9A-F]+/serial number: SERIAL/' \
			-e 's/subject name: .*, issuer name: .*\.$/subject name: NAME, issuer name: NAME./' \
			-e 's/subject name: [^,]*=.*\.$/subject name: NAME./' |
		uniq
}

# lines_since N: the server log after its first N lines.
lines_since() { tail -n +"$(($1 + 1))" "$SRV_LOG"; }
# first_handshake: stdin up to the first 725002 or 725006 (one handshake).
first_handshake() { sed -E '/%ASA-[0-7]-7250(02|06):/q'; }

# expect_lines WHAT EXPECTED ACTUAL: equal texts, else both shown.
expect_lines() {
	if [ "$2" != "$3" ]; then
		printf '  expected:\n%s\n  actual:\n%s\n' "$(printf '%s\n' "$2" | sed 's/^/    /')" \
			"$(printf '%s\n' "$3" | sed 's/^/    /')"
		fail "$1"
	fi
	ok "$1"
}

# The seed's own lines, as the technote printed them (broken lines joined).
SEED001_MISMATCH='%ASA-7-725012: Device chooses cipher : AES128-SHA for the SSL session with client outside:172.16.250.9/50091
%ASA-7-725014: SSL lib error. Function: SSL3_READ_BYTES Reason: tlsv1 alert unknown ca
%ASA-6-725006: Device failed SSL handshake with client outside:172.16.250.9/50091'
SEED001_NOCIPHER='%ASA-7-725010: Device supports the following 2 cipher(s).
%ASA-7-725011: Cipher[1] : RC4-SHA
%ASA-7-725011: Cipher[2] : DES-CBC3-SHA
%ASA-7-725008: SSL client outside:172.16.250.9/52684 proposes the following 2 cipher(s).
%ASA-7-725011: Cipher[1] : AES256-SHA
%ASA-7-725011: Cipher[2] : AES128-SHA'
START='%ASA-6-725001: Starting SSL handshake with client outside:IP/PORT to IP/PORT for TLS session.'
LISTS=$(printf '%s\n' "$SEED001_NOCIPHER" | mask)

# 1. Hash mismatch.
wrong=$(hex_b64 "$(cat "$PKI/server/server.sha1")")
n=$(wc -l <"$SRV_LOG")
run_phone wrong -p 8861 --url "$PHONE_URL" --cert-hash "$wrong" --cert "$cert" --key "$key"
assert_rc 13 "$PHONE_RC" "wrong certHash: exit code 13"
wait_for 5 "725006 of the refused handshake" sh -c "tail -n +$((n + 1)) '$SRV_LOG' | grep -q 725006"
got=$(lines_since "$n" | first_handshake | mask)
want=$(printf '%s\n%s\n%s\n' "$START" "$LISTS" "$(printf '%s\n' "$SEED001_MISMATCH" | mask)")
expect_lines "hash mismatch: seed 001's lines in order, only the values differ" "$want" "$got"

# 2. The right hash: the login's handshake, 717022 before 725002.
n=$(wc -l <"$SRV_LOG")
run_phone right -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$cert" --key "$key" --no-dtls
assert_rc 0 "$PHONE_RC" "right certHash: exit code 0"
got=$(lines_since "$n" | first_handshake | mask)
want=$(printf '%s\n%s\n%s\n%s\n%s\n' "$START" "$LISTS" \
	'%ASA-7-725012: Device chooses cipher : NAME for the SSL session with client outside:IP/PORT' \
	'%ASA-6-717022: Certificate was successfully validated. serial number: SERIAL, subject name: NAME.' \
	'%ASA-6-725002: Device completed SSL handshake with client outside:IP/PORT to IP/PORT for TLSv1.2 session')
expect_lines "phone login: 725001, cipher lists, 725012, 717022, 725002" "$want" "$got"
cn=$(cert_cn "$cert")
assert_log 717022 "subject name: cn=$(re "$cn")(,[a-z]+=[^,]+)*\\.$" \
	"717022: the subject as the ASA prints it (cn= first, lower-case keys)"

# 3. No shared cipher: s_client offers the 7962G's two suites over TLS 1.2
# (not the legacy phone profile, which would serve them).
n=$(wc -l <"$SRV_LOG")
ns_cli timeout -k 2 10 openssl s_client -connect "$SRV_IP:443" -tls1_2 \
	-cipher 'AES256-SHA:AES128-SHA' </dev/null >"$TMPD/s_client.out" 2>&1
wait_for 5 "725006 of the no-shared-cipher handshake" sh -c "tail -n +$((n + 1)) '$SRV_LOG' | grep -q 725006"
got=$(lines_since "$n" | first_handshake | mask)
want=$(printf '%s\n%s\n%s\n%s\n' "$START" "$LISTS" \
	'%ASA-7-725014: SSL lib error. Function: FUNC Reason: no shared cipher' \
	'%ASA-6-725006: Device failed SSL handshake with client outside:IP/PORT')
got=$(printf '%s\n' "$got" | sed -E 's/Function: [A-Z0-9_]+ /Function: FUNC /')
expect_lines "no shared cipher: seed 001's lines in order, only the values differ" "$want" "$got"
assert_match "$(lines_since "$n" | sed -n '/725008:/,$p' | grep -o '725011: .*' | tr '\n' ' ')" \
	'^725011: Cipher\[1\] : AES256-SHA 725011: Cipher\[2\] : AES128-SHA ' \
	"725011: the client's suites by their OpenSSL names, in its order"

# 4. An expired client certificate: 717009 only.
pki_bad expired
n=$(wc -l <"$SRV_LOG")
oc_authenticate expired "https://$SRV_IP/phone" -c "$BAD_CERT" -k "$BAD_KEY"
assert_eq "" "$OC_COOKIE" "expired certificate: no cookie"
wait_for 5 "717009 of the expired certificate" sh -c "tail -n +$((n + 1)) '$SRV_LOG' | grep -q 717009"
got=$(lines_since "$n" | first_handshake | mask | grep -v -E '72501[01]:|725008:|Cipher\[N\]')
want=$(printf '%s\n%s\n%s\n%s\n%s\n' "$START" \
	'%ASA-7-725012: Device chooses cipher : NAME for the SSL session with client outside:IP/PORT' \
	'%ASA-3-717009: Certificate validation failed. Expired certificate serial number: SERIAL, subject name: NAME, issuer name: NAME.' \
	'%ASA-7-725014: SSL lib error. Function: FUNC Reason: certificate verify failed' \
	'%ASA-6-725006: Device failed SSL handshake with client outside:IP/PORT')
got=$(printf '%s\n' "$got" | sed -E 's/Function: [A-Z0-9_]+ /Function: FUNC /')
expect_lines "expired certificate: 717009 (no 717022), 725014, 725006" "$want" "$got"
assert_log 100113 'refused: certificate has expired \(depth 0\)' "100113: OpenSSL's reason and depth"
assert_server_alive
echo "PASS: $T_NAME"
