#!/bin/bash
# t-policy-certmap: a certificate map selects the tunnel group when neither
# a group alias nor a group-url did.  The CP-8861 MIC (issuer ... CA SHA2)
# lands in PHONES8861 by `subject-name attr cn co CP-8861` + an issuer
# rule; the 7962G MIC (issuer ... CA) matches no map and stays in
# DefaultWEBVPNGroup; a group-url wins over the map.  Seen from the client
# as the pushed default domain of each group's policy, and in 722051.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +--------------------------------+
#   | openconnect -c mic-sha2 /      |   TLS    | sslvpnd -f -c certmap.conf     |
#   |   -> PHONES8861 (map)          |=========>|  certificate_maps: M8861       |
#   | openconnect -c mic-sha1 /      |          |  DefaultWEBVPNGroup: dflt      |
#   |   -> DefaultWEBVPNGroup        |          |  URLGROUP: group-url /url      |
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

conf="$TMPD/certmap.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = (
  { name = "pol8861"; default-domain = "p8861.example"; },
  { name = "poldflt"; default-domain = "dflt.example"; },
  { name = "polurl"; default-domain = "url.example"; } );
tunnel_groups = (
  { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate";
    default-group-policy = "poldflt"; },
  { name = "PHONES8861"; address-pool = "phones"; authentication = "certificate";
    default-group-policy = "pol8861"; },
  { name = "URLGROUP"; address-pool = "phones"; authentication = "certificate";
    default-group-policy = "polurl"; group-url = [ "https://$SRV_IP/url" ]; } );
certificate_maps = (
  { name = "NOMATCH"; tunnel-group = "URLGROUP"; rules = "subject-name attr ou eq Nobody"; },
  { name = "M8861"; tunnel-group = "PHONES8861";
    rules = [ "subject-name attr cn co cp-8861", "issuer-name attr cn co SHA2" ]; } );
CONF
start_sslvpnd -c "$conf"

sha2="$PKI/mic-sha2/leaf"
sha1="$PKI/mic-sha1/leaf"

oc_connect a "$SERVER_URL" -c "$sha2.pem" -k "$sha2.key" || fail "no tunnel for the 8861"
assert_eq p8861.example "$(oc_env a CISCO_DEF_DOMAIN)" "8861 MIC: tunnel group PHONES8861 by certificate map"
assert_log 722051 "Group <pol8861> User <$(re "$(cert_cn "$sha2.pem")")>" "722051 names pol8861"
oc_stop a

oc_connect b "$SERVER_URL" -c "$sha1.pem" -k "$sha1.key" || fail "no tunnel for the 7962G"
assert_eq dflt.example "$(oc_env b CISCO_DEF_DOMAIN)" "7962G MIC: no map matches, DefaultWEBVPNGroup"
oc_stop b

oc_connect c "https://$SRV_IP/url" -c "$sha2.pem" -k "$sha2.key" || fail "no tunnel on /url"
assert_eq url.example "$(oc_env c CISCO_DEF_DOMAIN)" "group-url wins over the certificate map"
oc_stop c
assert_server_alive
echo "PASS: $T_NAME"
