#!/bin/bash
# t-sessiondb-asa: `sslvpnctl show vpn-sessiondb detail anyconnect` laid out
# as the ASA's in seeds 000 and 004, for a phone and for openconnect: each
# session's block, whitespace squeezed, matches the seed's block with the
# values masked (lib-sessiondb.sh), so only names, addresses, counters and
# times differ.  Phone: License "AnyConnect Premium, AnyConnect for Cisco
# VPN Phone", Client OS a phone.  openconnect: Client OS Linux from the
# <device-id> of its login (its User-Agent names no platform).  The
# filters a-ipaddress (assigned), p-ipaddress (public), name, tunnel-group;
# license-summary counts both sessions and the phone.
#
#   host (root ns)          client ns svd-c-$$              server ns svd-s-$$
#   +-----------------+     +---------------------------+   +------------------------+
#   | sslvpnctl       |     | sslvpn-phone -p 8861      |   | sslvpnd -f phone.conf  |
#   |  --socket ------+-----+  mic-sha2, DTLS 1.2 ------+-->|  group-url .../phone   |
#   |  STATE/ctl.sock |     | openconnect mic-sha1 -----+-->|  certificate auth      |
#   +-----------------+     | v-cli 198.18.0.2 ------ veth -- v-srv 198.18.0.1       |
#                           +---------------------------+   +------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-120}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"
# shellcheck source=tests/integration/lib-sessiondb.sh
. "$top_srcdir/tests/integration/lib-sessiondb.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
phone_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init
phone_config "$TMPD/phone.conf"
start_sslvpnd -c "$TMPD/phone.conf"

SOCK="$STATE/ctl.sock"
OUT="$TMPD/sdb.out"

phone_cert="$PKI/mic-sha2/leaf.pem"
oc_cert="$PKI/mic-sha1/leaf.pem"
phone_user=$(cert_cn "$phone_cert")
oc_user=$(cert_cn "$oc_cert")
assert_ne "$phone_user" "$oc_user" "two different users"

run_phone_bg p8861 -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$phone_cert" --key "$PKI/mic-sha2/leaf.key" --require-dtls --hold 40
wait_for 15 "phone tunnel up" phone_has_addr || fail "the phone reported no tunnel address"
oc_connect a "$PHONE_URL" -c "$oc_cert" -k "$PKI/mic-sha1/leaf.key" || fail "openconnect: no tunnel"
wait_for 15 "openconnect: DTLS up" oc_dtls_up a || fail "openconnect: no DTLS"

# listed: both sessions with their DTLS-Tunnel block
listed() {
	timeout -k 2 15 "$CTL" --socket "$SOCK" show vpn-sessiondb detail anyconnect >"$OUT" 2>&1 &&
		[ "$(grep -c '^DTLS-Tunnel:$' "$OUT")" -eq 2 ]
}
wait_for 15 "both sessions listed with DTLS" listed || fail "listing: $(cat "$OUT")"
sed 's/^/    /' "$OUT"
assert_match "$(head -n 3 "$OUT")" "^Session Type: AnyConnect Detailed$" "the ASA's header"
assert_asa_block "$OUT" "$phone_user" phone "phone $phone_user"
assert_asa_block "$OUT" "$oc_user" anyconnect "openconnect $oc_user"
# Ours comes after the ASA's block, never inside it.
assert_match "$(cat "$OUT")" '^Filtered Tx +: [0-9]+ +Filtered Rx +: [0-9]+$' \
	"our vpn-filter counters after the ASA block"
timeout -k 2 15 "$CTL" --socket "$SOCK" --json show vpn-sessiondb detail anyconnect >"$OUT.json" ||
	fail "--json listing"
python3 - "$OUT.json" "$phone_user" "$oc_user" <<'PY' || fail "--json: license / client_os"
import json, sys
s = {x["username"]: x for x in json.load(open(sys.argv[1]))["sessions"]}
assert s[sys.argv[2]]["license"] == "AnyConnect Premium, AnyConnect for Cisco VPN Phone", s[sys.argv[2]]
assert s[sys.argv[3]]["license"] == "AnyConnect Premium", s[sys.argv[3]]
assert s[sys.argv[3]]["client_os"] == "Linux", s[sys.argv[3]]
PY
ok "--json: the same License and Client OS"

# The ASA's filters: a-ipaddress the assigned address, p-ipaddress the
# public one (both clients share $CLI_IP), name, tunnel-group.
users_of() { # FILTER...: the users the filtered listing shows, sorted
	timeout -k 2 15 "$CTL" --socket "$SOCK" show vpn-sessiondb detail anyconnect filter "$@" \
		>"$OUT" 2>&1 || fail "filter $*: $(cat "$OUT")"
	sed -n 's/^Username *: \([^ ]*\) .*/\1/p' "$OUT" | sort | tr '\n' ' '
}
both="$(printf '%s\n' "$phone_user" "$oc_user" | sort | tr '\n' ' ')"
assert_eq "$phone_user " "$(users_of a-ipaddress "$(phone_addr)")" "filter a-ipaddress: the phone"
assert_eq "$oc_user " "$(users_of ipaddress "${OC_ADDR[a]}")" "filter ipaddress: openconnect"
assert_eq "" "$(users_of a-ipaddress "$CLI_IP")" "filter a-ipaddress: a public address is not assigned"
assert_match "$(cat "$OUT")" '^INFO: There are presently no active sessions$' "filter a-ipaddress: none"
assert_eq "$both" "$(users_of p-ipaddress "$CLI_IP")" "filter p-ipaddress: both from $CLI_IP"
assert_eq "" "$(users_of p-ipaddress "$(phone_addr)")" "filter p-ipaddress: an assigned address is not public"
assert_eq "$both" "$(users_of tunnel-group vpn-phone-group)" "filter tunnel-group"
assert_eq "$phone_user " "$(users_of name "$phone_user")" "filter name"

# license-summary: every session uses AnyConnect Premium, the phone also
# the VPN phone license.
timeout -k 2 15 "$CTL" --socket "$SOCK" show vpn-sessiondb license-summary >"$OUT" 2>&1 ||
	fail "license-summary: $(cat "$OUT")"
sed 's/^/    /' "$OUT"
assert_match "$(cat "$OUT")" '^AnyConnect Premium +: +ENABLED : +10000 : +10000 : +NONE$' \
	"license-summary: AnyConnect Premium, capacity max-sessions"
assert_match "$(cat "$OUT")" '^AnyConnect Premium +: +2 : +2 : +2 : +10000 : +0%$' \
	"license-summary: 2 sessions in use"
assert_match "$(cat "$OUT")" '^  AnyConnect for Cisco VPN Phone +: +1 : +1 :' \
	"license-summary: 1 phone in use"
timeout -k 2 15 "$CTL" --socket "$SOCK" --json show vpn-sessiondb license-summary >"$OUT" 2>&1 ||
	fail "license-summary --json: $(cat "$OUT")"
python3 - "$OUT" <<'PY' || fail "license-summary --json: $(cat "$OUT")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["anyconnect_premium"]["in_use"] == 2, d
assert d["anyconnect_for_cisco_vpn_phone"]["in_use"] == 1, d
PY
ok "license-summary --json agrees"
assert_server_alive
echo "PASS: $T_NAME"
