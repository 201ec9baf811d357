#!/bin/bash
# t-asa-compat-dtls: seed 000's DTLS cipher mismatch, safe by default and
# reproduced on demand.  TLS 1.0 on AES256-SHA only, ssl cipher dtlsv1 =
# AES128-SHA only:
#  (a) without asa-compat: `sslvpnd -t` warns (doctor check dtls-twin) and
#      names the fix; an emulated 7962G (asks DTLS for its TLS suite) gets no
#      DTLS offer (100404) and runs on TLS: ping 5/5;
#  (b) tunnel group asa-compat = [ "dtls-cipher" ] (SIGHUP reload): sslvpnd
#      offers DTLS AES128-SHA as the ASA does, logged as deliberate (100950);
#      the phone resumes its AES256-SHA session, gets "old session cipher not
#      returned", alerts 47 (illegal parameter) and retries DTLS again and
#      again (the seed's lines), its traffic on TLS meanwhile.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 7962G          |  TLS1.0  | sslvpnd -f -c compat.conf     |
#   |  --dtls-retry 3                |===443===>|  tlsv1 AES256-SHA             |
#   |  ping from X-CSTP-Address      |--udp443->|  dtlsv1 AES128-SHA            |
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

SSL_SEED000='ssl = { cipher = { tlsv1 = "AES256-SHA"; dtlsv1 = "AES128-SHA"; }; };'
conf="$TMPD/compat.conf"
PHONE_CONF_EXTRA=$SSL_SEED000 phone_config "$conf"

# --- (a) the safe default, announced in advance
out="$TMPD/check.out"
"$SSLVPND" -t -c "$conf" --state-dir "$STATE" >"$out" 2>&1
rc=$?
sed 's/^/    | /' "$out"
assert_rc 0 "$rc" "sslvpnd -t: warnings only, exit 0"
grep -q 'warning.*dtls-twin' "$out" || fail "sslvpnd -t did not warn about the DTLS twin"
grep -q '7962G.*AES256-SHA' "$out" || fail "the warning does not name the 7962G and AES256-SHA"
grep -q 'dtlsv1 = "AES128-SHA:AES256-SHA"' "$out" || fail "the warning does not give the fix"
grep -q 'seed 000' "$out" || fail "the warning does not name its seed"
if grep -qx '.*: configuration OK' "$out"; then
	fail "sslvpnd -t still says just \"configuration OK\""
fi
ok "sslvpnd -t warns about the missing DTLS twin, with the fix and the seed"

start_sslvpnd -c "$conf"
main_pid=$SRV_PID
cert="$PKI/mic-sha1/leaf-fullchain.pem"
key="$PKI/mic-sha1/leaf.key"
cat >"$TMPD/vpngroup.xml" <<XML
<device><vpnGroup>
  <mtu>1290</mtu>
  <failConnectTime>10</failConnectTime>
  <authMethod>2</authMethod>
  <enableHostIDCheck>0</enableHostIDCheck>
  <addresses><url1>$PHONE_URL</url1></addresses>
  <credentials><hashAlg>0</hashAlg><certHash1>$(server_hash_b64)</certHash1></credentials>
</vpnGroup></device>
XML

run_phone safe -p 7962G --vpngroup "$TMPD/vpngroup.xml" --cert "$cert" --key "$key" \
	--ping "$BEHIND_IP" --ping-count 5 --hold 2 --dtls-retry 3 --json
assert_rc 0 "$PHONE_RC" "7962G without asa-compat"
assert_eq AES256-SHA "$(json_get session.tls_cipher)" "TLS on AES256-SHA"
assert_eq 5 "$(json_get ping.rx)" "5/5 ICMP echo replies over TLS"
assert_phone_log 'server offered no DTLS' "no DTLS offered to the phone"
assert_log 100404 'no common DTLS cipher suite' "100404: no DTLS, the reason given"
assert_no_log 100950 '.' "no asa-compat offer without asa-compat"

# --- (b) asa-compat dtls-cipher: the ASA's failure, on purpose
PHONE_CONF_EXTRA=$SSL_SEED000 phone_config "$conf"
sed -i 's/authentication = "certificate";/& asa-compat = [ "dtls-cipher" ];/' "$conf"
grep -q 'asa-compat' "$conf" || hard_error "asa-compat not written into $conf"
kill -HUP "$main_pid"
wait_for 10 "reload" log_has 100510 '.' || fail "no 100510 after SIGHUP"

run_phone compat -p 7962G --vpngroup "$TMPD/vpngroup.xml" --cert "$cert" --key "$key" \
	--ping "$BEHIND_IP" --ping-count 5 --hold 10 --dtls-retry 3 --dtls-timeout 3 --json
assert_rc 0 "$PHONE_RC" "7962G with asa-compat: up over TLS"
assert_eq 5 "$(json_get ping.rx)" "5/5 ICMP echo replies (TLS carries the traffic)"
assert_phone_log 'x-dtls-ciphersuite: AES128-SHA' "the ASA's mismatched DTLS suite offered"
assert_phone_log 'cipher list: AES128-SHA' "the phone's DTLS cipher list (seed line 4487)"
n=$(grep -c -- '-DTLS: .*SSL_connect: .*old session cipher not returned' "$PHONE_LOG")
assert_eq 4 "$n" "DTLS failed 4 times with \"old session cipher not returned\" (seed line 3254: attempt + 3 retries)"
assert_eq 4 "$(json_get session.dtls_failures)" "4 failed DTLS setups"
assert_phone_log 'alert_err: .*DTLS write alert: code 47, illegal parameter' "seed line 3251"
assert_phone_log 'do_dtls_connect: .*create_dtls_connection failed' "seed line 3257"
assert_phone_log 'protocol_handler: .*connect: do_dtls_connect failed' "seed line 3258"
assert_phone_log 'DTLS retry 3 of 3' "the phone kept retrying DTLS"
assert_log 100950 'offering DTLS AES128-SHA although TLS runs on AES256-SHA.*deliberate' \
	"100950: the mismatched offer logged as deliberate"
assert_no_log 100405 '.' "no DTLS channel ever came up"
assert_server_alive
echo "PASS: $T_NAME"
