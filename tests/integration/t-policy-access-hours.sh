#!/bin/bash
# t-policy-access-hours: vpn-access-hours names a time range; a login
# outside it is refused (716039 with the range and where it came from), an
# explicit "none" on the phone's policy stops the inherited restriction.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +--------------------------------+
#   | openconnect -c mic-sha2 /      |   TLS    | sslvpnd -f -c hours.conf       |
#   |   -> refused (range is over)   |=========>|  DfltGrpPolicy: access-hours   |
#   | openconnect -c mic-sha2 /open  |          |    PAST (ended 2020)           |
#   |   -> tunnel (hours none)       |          |  OPEN: vpn-access-hours none   |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30             |
#   +--------------------------------+          +--------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/hours.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
time_ranges = ( { name = "PAST"; absolute-start = "00:00 1 January 2019";
                  absolute-end = "23:59 31 December 2019"; } );
group_policies = (
  { name = "DfltGrpPolicy"; vpn-access-hours = "PAST"; },
  { name = "open"; vpn-access-hours = "none"; } );
tunnel_groups = (
  { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; },
  { name = "OPEN"; address-pool = "phones"; authentication = "certificate";
    default-group-policy = "open"; group-url = [ "https://$SRV_IP/open" ]; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf"
cn=$(cert_cn "$cert.pem")

oc_authenticate a "$SERVER_URL" -c "$cert.pem" -k "$cert.key"
assert_fails "$OC_AUTH_RC" "login outside vpn-access-hours"
assert_eq "" "$OC_COOKIE" "no cookie outside vpn-access-hours"
assert_log 100215 "User <$(re "$cn")> .*vpn-access-hours value PAST \\(from DfltGrpPolicy\\): outside the time range" \
	"100215: refused by the inherited vpn-access-hours, the range named"

oc_connect b "https://$SRV_IP/open" -c "$cert.pem" -k "$cert.key" || fail "no tunnel with vpn-access-hours none"
assert_ping b
oc_stop b
assert_server_alive
echo "PASS: $T_NAME"
