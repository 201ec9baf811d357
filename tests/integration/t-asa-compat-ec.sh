#!/bin/bash
# t-asa-compat-ec: CSCuu02848 safe by default and reproduced on demand.  The
# interface has an RSA identity only (the lab's asav.lab.example) and the
# default tlsv1_2 list leads with ECDHE-ECDSA suites:
#  (a) without asa-compat a client offering ECDSA and RSA suites gets the RSA
#      identity (the hash phones pin), one offering ECDSA only gets no
#      handshake; the doctor notes what an ASA would do;
#  (b) with asa-compat = [ "temp-ec-cert" ] (SIGHUP reload) the interface
#      also presents the temporary self-signed EC certificate (100951,
#      deliberate) and the client offering both gets it: the ASA's outage of
#      phones pinning the RSA hash; the doctor now warns.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openssl s_client -tls1_2       |===443===>| sslvpnd -f -c ec.conf         |
#   |  -cipher ECDSA:RSA | ECDSA     |          |  trustpoint ID (RSA only)     |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/ec.conf"
rsa_sha1=$(openssl x509 -in "$PKI/server/server.pem" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g')
write_conf() { # EXTRA-TUNNEL-GROUP-KEYS
	PHONE_IFACE_EXTRA='trustpoint = "ID";' \
	PHONE_TP_EXTRA=", { name = \"ID\"; enrollment = \"file\"; certificate = \"$PKI/server/server.pem\"; key = \"$PKI/server/server.key\"; }" \
		phone_config "$conf"
	sed -i "s/authentication = \"certificate\";/& $1/" "$conf"
}

# peer_sha1 NAME CIPHERS: SHA-1 of the certificate the server presents to a
# TLS 1.2 client offering CIPHERS ("" when the handshake fails).
peer_sha1() {
	timeout -k 2 10 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:443" \
		-tls1_2 -cipher "$2" -servername asav.lab.example </dev/null >"$TMPD/$1.s_client" 2>&1
	openssl x509 -in "$TMPD/$1.s_client" -noout -fingerprint -sha1 2>/dev/null |
		sed 's/^.*=//; s/://g'
}
BOTH="ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"

# --- (a) safe default
write_conf ""
"$SSLVPND" --doctor -c "$conf" --state-dir "$STATE" >"$TMPD/doc-a.out" 2>&1
sed 's/^/    | /' "$TMPD/doc-a.out"
grep -q '^notice ec-temp-cert (seed 000: ASA selecting an EC cipher, CSCuu02848): interface outside' \
	"$TMPD/doc-a.out" || fail "doctor: no ec-temp-cert notice"
ok "doctor notes what an ASA would present"
start_sslvpnd -c "$conf"
main_pid=$SRV_PID
assert_eq "$rsa_sha1" "$(peer_sha1 a-both "$BOTH")" \
	"ECDSA+RSA client gets the RSA identity (the hash phones pin)"
assert_eq "" "$(peer_sha1 a-ec ECDHE-ECDSA-AES256-GCM-SHA384)" \
	"ECDSA-only client: no handshake (no EC identity, none made up)"
assert_no_log 100951 '.' "no temporary EC certificate without asa-compat"

# --- (b) asa-compat temp-ec-cert: the ASA's outage on purpose
write_conf 'asa-compat = [ "temp-ec-cert" ];'
"$SSLVPND" --doctor -c "$conf" --state-dir "$STATE" >"$TMPD/doc-b.out" 2>&1
sed 's/^/    | /' "$TMPD/doc-b.out"
grep -q '^warning ec-temp-cert .*asa-compat temp-ec-cert presents the temporary self-signed EC' \
	"$TMPD/doc-b.out" || fail "doctor: no ec-temp-cert warning with asa-compat"
ok "doctor warns that the temporary EC certificate is presented on purpose"
kill -HUP "$main_pid"
wait_for 10 "reload" log_has 100510 '.' || fail "no 100510 after SIGHUP"
assert_log 100951 'interface outside: asa-compat temp-ec-cert: .*deliberate.*CSCuu02848' \
	"100951: the temporary EC certificate logged as deliberate"
ec_sha1=$(openssl x509 -in "$STATE/identity/temporary-ec.pem" -noout -fingerprint -sha1 |
	sed 's/^.*=//; s/://g')
assert_match "$ec_sha1" '^[0-9A-F]{40}$' "temporary EC certificate in the state directory"
got=$(peer_sha1 b-both "$BOTH")
assert_eq "$ec_sha1" "$got" "ECDSA+RSA client now gets the temporary EC certificate"
assert_ne "$rsa_sha1" "$got" "so a phone pinning the RSA hash would fail (unknown CA)"
grep -q 'Cipher is ECDHE-ECDSA-AES256-GCM-SHA384' "$TMPD/b-both.s_client" ||
	fail "the handshake did not use ECDHE-ECDSA: $(grep -i cipher "$TMPD/b-both.s_client" | head -n 2)"
ok "negotiated ECDHE-ECDSA-AES256-GCM-SHA384 with the temporary certificate"
assert_eq "$rsa_sha1" "$(peer_sha1 b-rsa ECDHE-RSA-AES256-GCM-SHA384)" \
	"an RSA-only client (the phones' offer) still gets the RSA identity"
assert_server_alive
echo "PASS: $T_NAME"
