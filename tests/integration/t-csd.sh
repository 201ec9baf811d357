#!/bin/bash
# t-csd: webvpn csd enable (seed 001's "CSD and IP phones").  A tunnel group
# without without-csd requires host scan, which sslvpnd does not implement:
# an emulated 8861 and openconnect (no --csd-wrapper) are refused with the
# ASA's debug text "CSD data not sent from client" (100810) and 716039; the
# tunnel group with without-csd serves both.  csd-image is a notice of -t.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861 /csd|/phone|===443==>| sslvpnd -f -c csd.conf        |
#   | openconnect -c MIC   /csd|/phone|         |  webvpn csd = true            |
#   | v-cli 198.18.0.2/30 ---------- veth ----- |  /phone: without-csd          |
#   +--------------------------------+          | v-srv 198.18.0.1/30           |
#                                               +-------------------------------+
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

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
conf="$TMPD/csd.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
webvpn = { csd = true;
  csd-image = "disk0:/csd_3.6.6210-k9.pkg"; };
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = (
  { name = "VPNPhone"; address-pool = "phones"; default-group-policy = "vpn-phone-policy";
    authentication = "certificate"; group-url = ["$PHONE_URL"]; without-csd = true; },
  { name = "CSDGroup"; address-pool = "phones"; default-group-policy = "vpn-phone-policy";
    authentication = "certificate"; group-url = ["https://$SRV_IP/csd"]; } );
CONF
timeout 10 "$SSLVPND" -t -c "$conf" >"$TMPD/t.out" 2>&1 || { cat "$TMPD/t.out"; fail "sslvpnd -t"; }
grep -q "csd.conf:6: notice: webvpn csd-image: not applicable on sslvpnd" "$TMPD/t.out" ||
	fail "no notice for csd-image at line 6: $(cat "$TMPD/t.out")"
ok "sslvpnd -t: csd-image is a not-applicable notice with its line"
start_sslvpnd -c "$conf"
start_echo

phone() { # NAME URL
	run_phone "$1" -p 8861 --url "$2" --cert-hash "$(server_hash_b64)" \
		--cert "$cert" --key "$key" --ping "$BEHIND_IP" --ping-count 2 --hold 1
}

# 1. CSD on: the phone is refused, as the ASA refuses it.
phone pcsd "https://$SRV_IP/csd"
assert_fails "$PHONE_RC" "8861 on a tunnel group that requires CSD"
assert_log 100810 'Tunnel Group: CSDGroup, .*CSD data not sent from client' \
	"100810: CSD data not sent from client (phone)"
assert_log 716039 'Authentication: rejected' "716039 for the phone"

# 2. openconnect without --csd-wrapper: refused too.
oc_authenticate ocsd "https://$SRV_IP/csd" -c "$cert" -k "$key"
assert_fails "$OC_AUTH_RC" "openconnect on a tunnel group that requires CSD"
assert_eq "" "$OC_COOKIE" "no cookie without host scan"
# the ASA's <host-scan> answer: openconnect asks for a CSD wrapper
grep -q 'asked us to run CSD hostscan\|Cisco Secure Desktop' "$TMPD/ocsd.auth.err" ||
	fail "openconnect did not see the host-scan request: $(tail -n 3 "$TMPD/ocsd.auth.err")"
ok "openconnect: the server asked for CSD host scan"

# 3. without-csd: both are served.
phone pok "$PHONE_URL"
assert_rc 0 "$PHONE_RC" "8861 on the without-csd tunnel group"
oc_connect ok "$PHONE_URL" -c "$cert" -k "$key" || fail "openconnect on the without-csd group"
assert_ping ok
oc_stop ok
n=$(log_lines 100810 'CSD data not sent' | wc -l)
assert_eq 2 "$n" "100810 only for the two CSD logins"
assert_server_alive
echo "PASS: $T_NAME"
