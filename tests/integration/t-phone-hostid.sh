#!/bin/bash
# t-phone-hostid: the phone's host-ID check (enableHostIDCheck).  The
# headend serves a *.lab.example certificate and the phone dials
# https://test.vpn.lab.example/phone (resolved with --resolve, no DNS and no
# /etc/hosts).  The hash is right, but "*.lab.example" is a generic
# third-level wildcard, which the phone refuses whatever the host: exit 14
# with the phone's log lines.  With the check off the same phone connects,
# so the refusal is the host-ID rule and nothing else.
#
#   client ns svd-c-$$                            server ns svd-s-$$
#   +----------------------------------+          +-----------------------------+
#   | sslvpn-phone -p 8861             |---443--->| sslvpnd -f -c phone.conf    |
#   |  https://test.vpn.lab.example/.. |   TLS    |  trustpoint WILD:           |
#   |  --resolve ...:198.18.0.1        |          |   CN/SAN *.lab.example      |
#   |  --host-id-check         -> 14   |          |  group-url test.vpn...      |
#   |  --no-host-id-check      -> 0    |          |                             |
#   | v-cli 198.18.0.2/30 ----------- veth ------ v-srv 198.18.0.1/30          |
#   +----------------------------------+          +-----------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

HOST=test.vpn.lab.example

lib_init
phone_init
pki_ensure
netns_setup
state_init

# A self-signed wildcard identity, RSA like the phones want.
wild="$TMPD/wild"
mkdir -p "$wild"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj '/CN=*.lab.example' \
	-addext 'subjectAltName=DNS:*.lab.example' -keyout "$wild/key.pem" \
	-out "$wild/cert.pem" >"$TMPD/openssl.log" 2>&1 || fail "openssl req (wildcard certificate)"
wild_b64=$(openssl x509 -in "$wild/cert.pem" -outform DER | openssl dgst -sha1 -binary | base64)

PHONE_URL="https://$HOST/phone"
PHONE_IFACE_EXTRA='trustpoint = [ "WILD" ];'
PHONE_TP_EXTRA=", { name = \"WILD\"; enrollment = \"file\"; certificate = \"$wild/cert.pem\"; key = \"$wild/key.pem\"; }"
phone_config "$TMPD/phone.conf"
start_sslvpnd -c "$TMPD/phone.conf"
assert_eq "$(openssl x509 -in "$wild/cert.pem" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g')" \
	"$SERVER_CERT_SHA1" "sslvpnd serves the wildcard certificate"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
common=(-p 8861 --url "$PHONE_URL" --resolve "$HOST:$SRV_IP" --cert-hash "$wild_b64"
	--cert "$cert" --key "$key" --no-dtls)

# 1. Host-ID check on: refused, although the hash is right.
run_phone hostid "${common[@]}" --host-id-check
assert_rc 14 "$PHONE_RC" "host-ID check with *.lab.example: exit code 14"
assert_phone_log 'DNS has wildcard, starting checks\.\.\.' "phone log: wildcard seen"
assert_phone_log "Generic third level wildcards are not allowed, stopping checks on host=\\($(re "$HOST")\\) and dns=\\(\\*\\.lab\\.example\\)" \
	"phone log: generic third-level wildcard refused"
assert_phone_log 'hostID not found in subjectAltNames' "phone log: not in SANs"
assert_phone_log 'hostID not found in subject name' "phone log: not in subject"
assert_phone_log 'hostIDCheck failed!!' "phone log: hostIDCheck failed"
assert_phone_log 'notify code: 37 \[SslAlertSrvrCert\]' "notify code 37"
assert_no_log 716038 'Authentication: successful' "no authentication after the refusal"

# 2. Same phone, check off: the pinned hash alone lets it in.
run_phone nocheck "${common[@]}" --no-host-id-check
assert_rc 0 "$PHONE_RC" "host-ID check off: exit code 0"
assert_match "$(cat "$PHONE_OUT")" 'tunnel up' "tunnel up through $HOST"
assert_server_alive
echo "PASS: $T_NAME"
