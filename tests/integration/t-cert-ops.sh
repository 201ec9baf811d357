#!/bin/bash
# t-cert-ops: the ASA certificate commands, offline (`sslvpnd --crypto`) and
# on the running daemon (sslvpnctl):
#   crypto ca enroll TP                      self-signed identity, once
#   crypto ca authenticate TP < PEM          CA certificate into a trustpoint
#   crypto ca export TP identity-certificate PEM for CUCM's Phone-VPN-trust
#   crypto ca import TP pkcs12 FILE          key + chain from PKCS#12
#   show crypto ca certificates [TP]
#   show crypto ca expiry [DAYS]
#   certhash TP [TP...]                      SHA-1 hex + base64 + vpnGroup
# certhash must equal `openssl x509 -fingerprint -sha1` and its base64, and
# the certificate the interface serves.  certhash _temporary prints both
# temporary certificates of interface "inside" (no trustpoint): the RSA one
# an RSA-only client (a phone) gets and the EC one an ECDSA-offering client
# gets, each labelled; 100006/100120 say which clients get which.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openssl s_client               |---443--->| sslvpnd -f -c ops.conf        |
#   |                                |          |   outside: trust-point SELF   |
#   |   RSA-only / ECDSA offers      |--8443--->|   inside: temporary RSA + EC  |
#   +--------------------------------+          |   sslvpnctl (ctl.sock)        |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init

srv="$PKI/server"
conf="$TMPD/ops.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; trustpoint = "SELF"; },
  { name = "inside"; address = "0.0.0.0"; port = 8443; dtls-port = 8443; } );
trustpoints = (
  { name = "SELF"; enrollment = "self"; subject-name = "CN=vpn.lab.example,O=LAB"; key-type = "rsa"; key-size = 3072; },
  { name = "FILE"; enrollment = "file"; certificate = "$srv/server.pem"; key = "$srv/server.key"; },
  { name = "MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; },
  { name = "CAPF"; enrollment = "terminal"; certificate = "$TMPD/capf-ca.pem"; },
  { name = "P12"; enrollment = "file"; certificate = "$TMPD/p12-chain.pem"; key = "$TMPD/p12.key"; }
);
# certhash's vpnGroup snippet points at the phones' tunnel group (the only
# one with a group-url; t-phone-certhash.sh connects a phone with it).
tunnel_groups = ( { name = "vpn-phone-group"; authentication = "certificate";
                    group-url = ["https://vpn.lab.example/phone"]; } );
CONF

crypto() { # ARGS...: sslvpnd --crypto on ops.conf; OUT, ERR, RC
	OUT="$TMPD/crypto.out"
	ERR="$TMPD/crypto.err"
	timeout -k 2 30 "$SSLVPND" -c "$conf" --crypto "$@" >"$OUT" 2>"$ERR" <"${CRYPTO_IN:-/dev/null}"
	RC=$?
}
crypto_ok() {
	crypto "$@"
	[ "$RC" -eq 0 ] || fail "sslvpnd --crypto $*: exit $RC: $(cat "$ERR")"
}
hex_of() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/^.*=//'; }
b64_of() { openssl x509 -in "$1" -outform DER | openssl dgst -sha1 -binary | base64; }
field() { sed -n "s/^  SHA-1 ($1): *//p" "$OUT" | sed -n "${2:-1}p"; }

# 1. certhash of a file identity = openssl's fingerprint, hex and base64.
crypto_ok certhash FILE
assert_eq "$(hex_of "$srv/server.pem")" "$(field hex)" "certhash FILE hex = openssl x509 -fingerprint -sha1"
assert_eq "$(b64_of "$srv/server.pem")" "$(field base64)" "certhash FILE base64 = base64 of the SHA-1"
grep -q "<certHash1>$(b64_of "$srv/server.pem")</certHash1>" "$OUT" ||
	fail "certhash FILE: no vpnGroup certHash1 snippet"
grep -q '<hashAlg>0</hashAlg>' "$OUT" || fail "certhash: no <hashAlg>0</hashAlg>"
grep -q '<url1>https://vpn.lab.example/phone</url1>' "$OUT" ||
	fail "certhash: url1 is not the group-url of vpn-phone-group: $(grep '<url1>' "$OUT")"
grep -q '<authMethod>2</authMethod>' "$OUT" ||
	fail "certhash: authMethod of a certificate tunnel group is not 2: $(grep '<authMethod>' "$OUT")"
ok "certhash prints the vpnGroup snippet"

# 2. enroll: a self-signed identity of the configured subject and key, once.
crypto certhash SELF
assert_fails "$RC" "certhash of a trustpoint not yet enrolled"
assert_match "$(cat "$ERR")" 'trustpoint SELF has no certificate yet.*crypto ca enroll SELF' \
	"the error says to enroll"
crypto_ok crypto ca enroll SELF
self="$STATE/identity/SELF.pem"
[ -f "$self" ] || fail "enroll did not write $self"
assert_match "$(openssl x509 -in "$self" -noout -subject)" 'CN ?= ?vpn\.lab\.example, O ?= ?LAB' "enrolled subject"
assert_match "$(openssl x509 -in "$self" -noout -text)" 'Public-Key: \(3072 bit\)' "enrolled key RSA 3072"
first=$(hex_of "$self")
crypto crypto ca enroll SELF
assert_fails "$RC" "second enroll of SELF"
assert_match "$(cat "$ERR")" 'already enrolled' "second enroll refused: already enrolled"
assert_eq "$first" "$(hex_of "$self")" "identity unchanged by the refused enroll"

# 3. two trustpoints at once (rollover): both hashes, certHash1 and 2.
crypto_ok certhash SELF FILE
assert_eq "$(hex_of "$self")" "$(field hex 1)" "certhash SELF FILE: first hex"
assert_eq "$(hex_of "$srv/server.pem")" "$(field hex 2)" "certhash SELF FILE: second hex"
grep -q "<certHash2>$(b64_of "$srv/server.pem")</certHash2>" "$OUT" ||
	fail "certhash SELF FILE: no certHash2"
ok "certhash of two trustpoints fills certHash1 and certHash2"

# 4. export = the certificate itself.
crypto_ok crypto ca export FILE identity-certificate
assert_eq "$(openssl x509 -in "$srv/server.pem")" "$(cat "$OUT")" "export FILE identity-certificate is the PEM"
crypto crypto ca export MIC identity-certificate
assert_fails "$RC" "export of a CA trustpoint"

# 5. authenticate: a CA certificate into CAPF; a leaf is refused.
CRYPTO_IN="$PKI/capf/leaf.pem" crypto crypto ca authenticate CAPF
assert_fails "$RC" "authenticate with a leaf certificate"
assert_match "$(cat "$ERR")" 'not a CA certificate' "leaf refused: not a CA certificate"
[ ! -e "$TMPD/capf-ca.pem" ] || fail "a refused authenticate wrote $TMPD/capf-ca.pem"
CRYPTO_IN="$PKI/capf/root.pem" crypto_ok crypto ca authenticate CAPF
assert_eq "$(openssl x509 -in "$PKI/capf/root.pem")" "$(openssl x509 -in "$TMPD/capf-ca.pem")" \
	"authenticate stored the CA certificate"
assert_match "$(cat "$OUT")" "Fingerprint \(SHA-1\): $(hex_of "$PKI/capf/root.pem")" "authenticate prints the fingerprint"
CRYPTO_IN="$PKI/capf/root.pem" crypto crypto ca authenticate CAPF
assert_fails "$RC" "second authenticate of CAPF"

# 5b. import pkcs12: key and chain of a PKCS#12 file (pass phrase on stdin).
openssl pkcs12 -export -in "$PKI/mic-sha2/leaf.pem" -inkey "$PKI/mic-sha2/leaf.key" \
	-certfile "$PKI/mic-sha2/ca.pem" -passout pass:s3cret -out "$TMPD/id.p12" ||
	hard_error "openssl pkcs12 -export failed"
printf 'wrong\n' >"$TMPD/wrong.pass"
printf 's3cret\n' >"$TMPD/right.pass"
CRYPTO_IN="$TMPD/wrong.pass" crypto crypto ca import P12 pkcs12 "$TMPD/id.p12"
assert_fails "$RC" "import with a wrong pass phrase"
assert_match "$(cat "$ERR")" 'wrong pass phrase' "wrong pass phrase named"
[ ! -e "$TMPD/p12.key" ] || fail "a failed import left $TMPD/p12.key"
CRYPTO_IN="$TMPD/right.pass" crypto_ok crypto ca import P12 pkcs12 "$TMPD/id.p12"
assert_eq "600" "$(stat -c %a "$TMPD/p12.key")" "imported key is mode 0600"
assert_eq "2" "$(grep -c 'BEGIN CERTIFICATE' "$TMPD/p12-chain.pem")" "imported leaf and intermediate"
crypto_ok certhash P12
assert_eq "$(hex_of "$PKI/mic-sha2/leaf.pem")" "$(field hex)" "certhash P12 = the imported certificate"
CRYPTO_IN="$TMPD/right.pass" crypto crypto ca import P12 pkcs12 "$TMPD/id.p12"
assert_fails "$RC" "second import over existing files"

# 6. show crypto ca certificates.
crypto_ok show crypto ca certificates
for tp in SELF FILE MIC CAPF P12; do
	grep -q "Associated Trustpoints: $tp\$" "$OUT" || fail "show crypto ca certificates: no $tp"
done
ok "show crypto ca certificates lists every trustpoint"
crypto_ok show crypto ca certificates CAPF
assert_match "$(cat "$OUT")" 'CA Certificate' "CAPF shown as a CA certificate"
assert_match "$(cat "$OUT")" 'cn=LAB CAPF-5a3b9c1e' "CAPF subject"
assert_match "$(cat "$OUT")" 'Status: Available' "CAPF status"

# 7. expiry: nothing within 60 days; everything within 40 years.
crypto_ok show crypto ca expiry
assert_match "$(cat "$OUT")" 'No certificate expires within 60 days' "no expiry within 60 days"
crypto_ok show crypto ca expiry 3650
assert_match "$(cat "$OUT")" 'identity certificate of trustpoint SELF expires in 36[0-9][0-9] days' \
	"SELF expires in about ten years"

# 8. Load-time problems, each naming its trustpoint (show crypto ca check,
# also logged at start).
cat "$PKI/mic-sha2/leaf.pem" "$PKI/capf/root.pem" >"$TMPD/wrong-order.pem"
cat >"$TMPD/check.conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
trustpoints = (
  { name = "NOINTER"; enrollment = "file"; certificate = "$PKI/mic-sha2/leaf.pem"; key = "$PKI/mic-sha2/leaf.key"; },
  { name = "ORDER"; enrollment = "file"; certificate = "$TMPD/wrong-order.pem"; key = "$PKI/mic-sha2/leaf.key"; },
  { name = "EXPIRED"; enrollment = "file"; certificate = "$PKI/bad/expired.pem"; key = "$PKI/bad/expired.key"; },
  { name = "FUTURE"; enrollment = "file"; certificate = "$PKI/bad/future.pem"; key = "$PKI/bad/future.key"; },
  { name = "MISMATCH"; enrollment = "file"; certificate = "$srv/server.pem"; key = "$PKI/bad/expired.key"; }
);
CONF
timeout -k 2 30 "$SSLVPND" -c "$TMPD/check.conf" --crypto show crypto ca check >"$TMPD/check.out" 2>&1
assert_fails $? "show crypto ca check with broken trustpoints"
check_has() { # ERE WHAT
	grep -E -q -- "$1" "$TMPD/check.out" || fail "$2: no line matching /$1/ in: $(cat "$TMPD/check.out")"
	ok "$2"
}
check_has '^warning: trustpoint NOINTER: .* ends before its root: its issuing CA .*LAB Cisco Manufacturing CA SHA2 is missing' \
	"missing intermediate reported for NOINTER"
check_has '^warning: trustpoint ORDER: certificate 2 of .* did not issue certificate 1' "chain order reported for ORDER"
check_has '^error: trustpoint EXPIRED: certificate .* expired on' "expiry reported for EXPIRED"
check_has '^error: trustpoint FUTURE: certificate .* is not valid before .*check the clock' "not-yet-valid reported for FUTURE"
check_has '^error: trustpoint MISMATCH: key .* does not match certificate' "key mismatch reported for MISMATCH"

# 8b. An unusable identity stops the start (exit 1) with file:line and the
# trustpoint named (the check -t runs), instead of workers failing in a loop.
{
	cat "$TMPD/check.conf"
	echo 'interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; trustpoint = "EXPIRED"; } );'
} >"$TMPD/broken.conf"
timeout -k 2 20 ip netns exec "$NS_SRV" "$SSLVPND" -f -c "$TMPD/broken.conf" --state-dir "$STATE" \
	--pid-file "$TMPD/broken.pid" >"$TMPD/broken.log" 2>&1 </dev/null
assert_rc 1 $? "sslvpnd with an expired identity on its interface exits 1"
n=$(grep -n '"EXPIRED"' "$TMPD/broken.conf" | head -n 1 | cut -d: -f1)
grep -q "^$(re "$TMPD/broken.conf"):$n: trustpoint EXPIRED: certificate .* expired on" "$TMPD/broken.log" ||
	fail "no start error 'broken.conf:$n: trustpoint EXPIRED: ...': $(tail -n 3 "$TMPD/broken.log")"
ok "the start error names file:line and trustpoint EXPIRED"
if grep -q '100004' "$TMPD/broken.log"; then
	fail "workers were started and died (100004) with an unusable identity"
fi
ok "no worker started with an unusable identity"

# 9. The running daemon serves SELF; sslvpnctl says the same.
start_sslvpnd -c "$conf"
assert_eq "$(hex_of "$self" | tr -d :)" "$SERVER_CERT_SHA1" "100006: interface outside serves SELF"
timeout -k 2 8 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:443" </dev/null \
	2>/dev/null | openssl x509 >"$TMPD/served.pem" || fail "s_client got no certificate"
assert_eq "$(hex_of "$self")" "$(hex_of "$TMPD/served.pem")" "served certificate is SELF"
OUT="$TMPD/ctl.out"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" certhash SELF >"$OUT" 2>"$TMPD/ctl.err" ||
	fail "sslvpnctl certhash SELF: $(cat "$TMPD/ctl.err")"
assert_eq "$(hex_of "$TMPD/served.pem")" "$(field hex)" "sslvpnctl certhash SELF = served certificate (hex)"
assert_eq "$(b64_of "$TMPD/served.pem")" "$(field base64)" "sslvpnctl certhash SELF = served certificate (base64)"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show crypto ca certificates SELF >"$OUT" 2>&1 ||
	fail "sslvpnctl show crypto ca certificates SELF: $(cat "$OUT")"
assert_match "$(cat "$OUT")" 'Associated Trustpoints: SELF' "sslvpnctl show crypto ca certificates SELF"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" crypto ca export SELF identity-certificate >"$OUT" 2>&1 ||
	fail "sslvpnctl crypto ca export: $(cat "$OUT")"
assert_eq "$(hex_of "$self")" "$(hex_of "$OUT")" "sslvpnctl crypto ca export SELF identity-certificate"

# 10. Interface inside has no trustpoint: the temporary certificates.  What
# an RSA-only client (a 7962G's AES256-SHA:AES128-SHA offer) and an
# ECDSA-offering client are served must be what certhash _temporary prints,
# each under its label, and what 100120 / 100006 log for them.
served_hex() { # CIPHERS: SHA-1 (hex, colons) of the certificate served on 8443
	timeout -k 2 8 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:8443" \
		-tls1_2 -cipher "$1" </dev/null 2>/dev/null | openssl x509 >"$TMPD/served-tmp.pem" ||
		fail "s_client -cipher $1 on 8443 got no certificate"
	hex_of "$TMPD/served-tmp.pem"
}
rsa_served=$(served_hex 'AES256-SHA:AES128-SHA')
ec_served=$(served_hex 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA')
assert_ne "$rsa_served" "$ec_served" "RSA-only and ECDSA-offering clients get different temporary certificates"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" certhash _temporary >"$OUT" 2>"$TMPD/ctl.err" ||
	fail "sslvpnctl certhash _temporary: $(cat "$TMPD/ctl.err")"
assert_match "$(sed -n 1p "$OUT")" '^trustpoint _temporary_rsa \(RSA: for clients offering only RSA suites, e\.g\. phones\)' \
	"certhash _temporary: first the RSA one, labelled for phones"
assert_eq "$rsa_served" "$(field hex 1)" "certhash _temporary RSA = certificate an RSA-only client is served"
assert_match "$(grep '^trustpoint ' "$OUT" | sed -n 2p)" '^trustpoint _temporary_ec \(EC: for clients offering ECDSA suites' \
	"certhash _temporary: then the EC one, labelled"
assert_eq "$ec_served" "$(field hex 2)" "certhash _temporary EC = certificate an ECDSA-offering client is served"
grep -q "<certHash1>$(b64_of "$TMPD/served-tmp.pem")</certHash1>" "$OUT" &&
	fail "certHash1 of certhash _temporary is the EC hash: phones get the RSA one"
grep -q "<certHash2>$(b64_of "$TMPD/served-tmp.pem")</certHash2>" "$OUT" ||
	fail "certhash _temporary: no certHash2 with the EC hash"
ok "certhash _temporary snippet: certHash1 RSA (phones), certHash2 EC"
crypto_ok certhash _temporary
assert_eq "$rsa_served" "$(field hex 1)" "sslvpnd --crypto certhash _temporary RSA = served to RSA-only"
assert_eq "$ec_served" "$(field hex 2)" "sslvpnd --crypto certhash _temporary EC = served to ECDSA offers"
assert_log 100120 "interface inside: RSA identity certificate .*\(temporary self-signed\), SHA-1 $(echo "$rsa_served" | tr -d :), for clients offering only RSA suites \(phones\)" \
	"100120 names the RSA temporary hash and that phones get it"
assert_log 100006 "interface inside: .*\(temporary self-signed\), SHA-1 $(echo "$ec_served" | tr -d :), for clients offering ECDSA suites" \
	"100006 names the EC temporary hash and that ECDSA-offering clients get it"
assert_log 100006 "interface outside: .*from trustpoint SELF, SHA-1 $(hex_of "$self" | tr -d :), for every client" \
	"100006 of a single-certificate interface: every client"
assert_server_alive
echo "PASS: $T_NAME"
