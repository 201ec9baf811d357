#!/bin/bash
# t-phone-hash-mismatch: the phone pins the headend by the base64 SHA-1 of
# its certificate (certHash1..10) and nothing else.  A wrong hash ends the
# login in the TLS handshake with the phone's alert (unknown CA), notify
# code 37 [SslAlertSrvrCert] and exit code 13; the right hash among ten
# slots connects; an unresolvable URL host gives notify code 32
# [DnsLookupErr] and exit code 10.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861           |---443--->| sslvpnd -f -c phone.conf      |
#   |  --cert-hash <wrong>  -> 13    |   TLS    |  (temporary self-signed id)   |
#   |  --cert-hash x9 + right -> 0   |          |                               |
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
phone_config "$TMPD/phone.conf"
start_sslvpnd -c "$TMPD/phone.conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
# the lab headend certificate's hash: a real certificate, just not this one
wrong=$(hex_b64 "$(cat "$PKI/server/server.sha1")")
right=$(server_hash_b64)
assert_ne "$right" "$wrong" "the wrong hash differs from the served certificate's"

# 1. Wrong hash: refused in the handshake, no login.
run_phone wrong -p 8861 --url "$PHONE_URL" --cert-hash "$wrong" --cert "$cert" --key "$key"
assert_rc 13 "$PHONE_RC" "wrong certHash: exit code 13"
assert_phone_log "Leaf cert hash = $SERVER_RSA_SHA1" "phone log names the served leaf hash"
assert_phone_log 'VPN cert chain verification failed, issuer certificate not found and leaf not trusted' \
	"phone log: leaf not trusted"
assert_phone_log 'SSL write alert: code 48, unknown CA' "phone log: alert 48 unknown CA"
assert_phone_log 'notify type: 1 \[LoginFailed\]' "notify type 1 LoginFailed"
assert_phone_log 'notify code: 37 \[SslAlertSrvrCert\]' "notify code 37 SslAlertSrvrCert"
assert_phone_log 'notify desc: \[alert: Unknown CA \(server cert\)\]' "notify desc: unknown CA"
assert_no_log 716038 'Authentication: successful' "no authentication after the refused handshake"

# 2. Nine stale hashes and the right one in slot 10: connects.
args=()
for i in 1 2 3 4 5 6 7 8 9; do
	args+=(--cert-hash "$(printf 'stale-%d' "$i" | sha1sum | cut -c1-40)")
done
run_phone right -p 8861 --url "$PHONE_URL" "${args[@]}" --cert-hash "$right" \
	--cert "$cert" --key "$key" --no-dtls
assert_rc 0 "$PHONE_RC" "right certHash in slot 10: exit code 0"
assert_match "$(cat "$PHONE_OUT")" 'tunnel up' "tunnel up with the pinned certificate"

# 3. A URL host that does not resolve: DnsLookupErr.
run_phone dns -p 8861 --url "https://no-such-host.invalid/phone" --cert-hash "$right" \
	--cert "$cert" --key "$key" --fail-connect-time 5
assert_rc 10 "$PHONE_RC" "unresolvable host: exit code 10"
assert_phone_log 'gethostbyname failed <no-such-host\.invalid>' "phone log: lookup failed"
assert_phone_log 'notify code: 32 \[DnsLookupErr\]' "notify code 32 DnsLookupErr"
assert_server_alive
echo "PASS: $T_NAME"
