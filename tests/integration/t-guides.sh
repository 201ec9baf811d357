#!/bin/bash
# t-guides: the guides, run as written.  doc/from-asa.md first: every
# ```sh block of the guide runs in order (lib-guide.sh: /etc/sslvpnd and /var/lib/sslvpnd
# moved into the test's directory, the build's tools first in PATH) on what
# the guide tells the administrator to save from the ASA:
#   asa-running-config.txt  seed 001's fixed configuration, the lab pool and
#                           the lab PKI's CA certificates as chain hex
#   asa-identity.p12.txt    `crypto ca export SSL pkcs12 Export-Pass-1`: the
#                           lab server identity, base64 between the ASA's
#                           BEGIN/END PKCS12 lines
# The blocks that need a running daemon (sslvpnctl) run after sslvpnd is
# started on the configuration the earlier blocks produced; between the two,
# the guide's promise is checked: a phone that pins the ASA's certificate
# hash (nothing re-provisioned) connects to sslvpnd.  Then the ```sh blocks
# of doc/cucm.md, doc/operations.md and doc/troubleshooting-phones.md
# against that daemon.
#
#   client ns svd-c-$$                     server ns svd-s-$$
#   sslvpn-phone 7962G  --- TLS 443 --->   sslvpnd -c (the guide's sslvpnd.conf)
#   --cert-hash <the ASA's hash>           trustpoint SSL from the PKCS#12
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"
# shellcheck source=tests/integration/lib-asaimport.sh
. "$top_srcdir/tests/integration/lib-asaimport.sh"
# shellcheck source=tests/integration/lib-guide.sh
. "$top_srcdir/tests/integration/lib-guide.sh"

lib_init
phone_init
pki_ensure
netns_setup
state_init
guide_init

host=asa5520-c.cisco.com
srv="$PKI/server"
{
	sed 's/10\.10\.10\.10-10\.10\.10\.100/198.19.0.10-198.19.0.250/' "$ASA_FIXTURES/seed001-fixed.txt"
	asa_lab_trustpoints
} >"$GUIDE_ETC/asa-running-config.txt"
{
	echo '-----BEGIN PKCS12-----'
	openssl pkcs12 -export -in "$srv/server.pem" -inkey "$srv/server.key" \
		-passout pass:Export-Pass-1 | base64 -w 64
	echo '-----END PKCS12-----'
} >"$GUIDE_ETC/asa-identity.p12.txt" || hard_error "openssl pkcs12 -export"
asa_hex=$(openssl x509 -in "$srv/server.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
asa_b64=$(hex_b64 "$asa_hex")

n=$(guide_extract "$top_srcdir/doc/from-asa.md" "$TMPD/from-asa")
[ "$n" -ge 5 ] || fail "doc/from-asa.md: $n sh blocks, expected the guide's 5 or more"
started=
for b in "$TMPD"/from-asa/*.sh; do
	if [ -z "$started" ] && grep -q sslvpnctl "$b"; then
		# The guide's configuration as written, with the test's process
		# settings in front (one worker, log to stderr for assert_log).
		{
			printf 'general = { workers = 1; };\n'
			printf 'logging = { destination = "stderr"; format = "asa"; };\n'
			cat "$GUIDE_ETC/sslvpnd.conf"
		} >"$TMPD/run.conf"
		start_sslvpnd -c "$TMPD/run.conf"
		assert_eq "$asa_hex" "$(printf '%s' "$SERVER_CERT_SHA1" | tr a-f A-F)" \
			"sslvpnd serves the ASA's identity certificate"
		# held up while the guides' sslvpnctl blocks list it
		run_phone_bg p7962 -p 7962G --url "https://$host/VPNPhone" --resolve "$host:$SRV_IP" \
			--cert-hash "$asa_b64" --cert "$PKI/mic-sha1/leaf-fullchain.pem" \
			--key "$PKI/mic-sha1/leaf.key" --hold 15 --json
		wait_for 20 "722051 of the phone" log_has 722051 "Group <GroupPolicy_VPNPhone>" ||
			fail "a phone pinning the ASA's hash does not connect"
		ok "a phone pinning the ASA's hash connects, nothing re-provisioned"
		started=1
	fi
	guide_block "$b"
done
[ -n "$started" ] || fail "doc/from-asa.md has no sslvpnctl block"
out="$TMPD/from-asa"
grep -q "Imported .* trustpoint SSL" "$out"/*.out ||
	fail "the guide's crypto ca import did not report the import"
grep -q "SHA-1 (base64): $asa_b64" "$out"/*.out ||
	fail "the guide's certhash does not print the ASA's hash $asa_b64"
ok "certhash prints the ASA's hash (the phones' certHash1)"
grep -q "configuration OK" "$out"/*.out || fail "the guide's sslvpnd -t did not pass"
grep -q "$(re "$(cert_cn "$PKI/mic-sha1/leaf-fullchain.pem")")" "$out"/*.out ||
	fail "the guide's show vpn-sessiondb does not list the phone"
ok "$GUIDE_BLOCKS blocks of doc/from-asa.md run as written"

# doc/cucm.md, doc/operations.md and doc/troubleshooting-phones.md: every
# block against the running daemon (the phone is still up).
for g in cucm operations troubleshooting-phones; do
	n=$(guide_extract "$top_srcdir/doc/$g.md" "$TMPD/$g")
	[ "$n" -ge 1 ] || fail "doc/$g.md: no sh block"
	for b in "$TMPD/$g"/*.sh; do
		guide_block "$b"
	done
	ok "the $n blocks of doc/$g.md run as written"
done
cmp -s "$GUIDE_ETC/phone-vpn-trust.pem" "$GUIDE_ETC/ssl-identity.pem" ||
	fail "cucm.md: the exported Phone-VPN-trust PEM is not the served identity"
ok "cucm.md exports the served identity for Phone-VPN-trust"
grep -q "<url1>https://$host/VPNPhone</url1>" "$TMPD"/cucm/*.out ||
	fail "cucm.md: certhash does not give the group-url as url1"
assert_log 100510 'reloaded' "operations.md's reload applied"
grep -q "Username *: CP-7962G-SEP8CB64F576113" "$TMPD"/troubleshooting-phones/*.out ||
	fail "troubleshooting-phones.md: the session filter does not show the phone"
phone_wait
assert_rc 0 "$PHONE_RC" "sslvpn-phone 7962G exit status"
assert_server_alive
echo "PASS: $T_NAME"
