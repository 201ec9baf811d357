#!/bin/bash
# t-split-tunnel: split-tunnel-policy + split-tunnel-network-list (a
# standard access list) arrive at openconnect as split routes: its -s script
# sees CISCO_SPLIT_INC / CISCO_SPLIT_EXC (IPv4, dotted masks),
# CISCO_IPV6_SPLIT_INC (IPv6 prefixes), CISCO_SPLIT_DNS (split-dns) and
# INTERNAL_IP4_NBNS (wins-server).  Two tunnel groups chosen by group-url:
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +--------------------------------+
#   | openconnect -c mic-sha2/leaf   |   TLS    | sslvpnd -f -c split.conf       |
#   |   .../inc -> CISCO_SPLIT_INC=2 |=========>|  inc: tunnelspecified SPLIT    |
#   |   .../exc -> CISCO_SPLIT_EXC=1 |          |  exc: excludespecified LOCAL   |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30             |
#   +--------------------------------+          +--------------------------------+
# No IPv6 traffic: 2001:db8::/32 only appears in the access list.
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/split.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
access_lists = (
  { name = "SPLIT"; type = "standard";
    entries = [ "remark what the phones reach through the tunnel",
                "permit 198.18.1.0 255.255.255.0",
                "deny 198.18.3.0 255.255.255.0",
                "permit 198.18.4.0 255.255.252.0",
                "permit 2001:db8::/32" ]; },
  { name = "LOCAL"; type = "standard"; entries = "permit host 198.18.9.9"; } );
group_policies = (
  { name = "inc"; split-tunnel-policy = "tunnelspecified";
    split-tunnel-network-list = "SPLIT"; split-dns = [ "lab.example", "voice.example" ];
    wins-server = "198.18.1.53"; },
  { name = "exc"; split-tunnel-policy = "excludespecified";
    split-tunnel-network-list = "LOCAL"; } );
tunnel_groups = (
  { name = "INC"; address-pool = "phones"; authentication = "certificate";
    default-group-policy = "inc"; group-url = [ "https://$SRV_IP/inc" ]; },
  { name = "EXC"; address-pool = "phones"; authentication = "certificate";
    default-group-policy = "exc"; group-url = [ "https://$SRV_IP/exc" ]; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"

oc_connect inc "https://$SRV_IP/inc" -c "$cert" -k "$key" || fail "no tunnel on /inc"
assert_eq 2 "$(oc_env inc CISCO_SPLIT_INC)" "CISCO_SPLIT_INC: the two IPv4 permits"
# openconnect lists the routes in reverse order of the headers: compare sets.
split_set() { # NAME INC|EXC: "ADDR/MASK/MASKLEN" lines, sorted
	local i n
	n=$(oc_env "$1" "CISCO_SPLIT_$2")
	for ((i = 0; i < ${n:-0} && i < 64; i++)); do
		printf '%s/%s/%s\n' "$(oc_env "$1" "CISCO_SPLIT_$2_${i}_ADDR")" \
			"$(oc_env "$1" "CISCO_SPLIT_$2_${i}_MASK")" \
			"$(oc_env "$1" "CISCO_SPLIT_$2_${i}_MASKLEN")"
	done | sort
}
assert_eq "198.18.1.0/255.255.255.0/24 198.18.4.0/255.255.252.0/22" \
	"$(split_set inc INC | tr '\n' ' ' | sed 's/ $//')" \
	"split includes: the permits, not the deny or the remark"
assert_eq "" "$(oc_env inc CISCO_SPLIT_EXC)" "no CISCO_SPLIT_EXC on tunnelspecified"
assert_eq 1 "$(oc_env inc CISCO_IPV6_SPLIT_INC)" "CISCO_IPV6_SPLIT_INC: the IPv6 permit"
assert_eq 2001:db8:: "$(oc_env inc CISCO_IPV6_SPLIT_INC_0_ADDR)" "IPv6 split include address"
assert_eq 32 "$(oc_env inc CISCO_IPV6_SPLIT_INC_0_MASKLEN)" "IPv6 split include prefix length"
assert_eq lab.example,voice.example "$(oc_env inc CISCO_SPLIT_DNS | tr , '\n' | sort | paste -sd,)" "CISCO_SPLIT_DNS: both split-dns domains"
assert_eq 198.18.1.53 "$(oc_env inc INTERNAL_IP4_NBNS)" "INTERNAL_IP4_NBNS from wins-server"
assert_ping inc
oc_stop inc

oc_connect exc "https://$SRV_IP/exc" -c "$cert" -k "$key" || fail "no tunnel on /exc"
assert_eq 1 "$(oc_env exc CISCO_SPLIT_EXC)" "CISCO_SPLIT_EXC: one exclude"
assert_eq 198.18.9.9/255.255.255.255/32 "$(split_set exc EXC)" "split exclude: host 198.18.9.9"
assert_eq "" "$(oc_env exc CISCO_SPLIT_INC)" "no CISCO_SPLIT_INC on excludespecified"
assert_ping exc
oc_stop exc
assert_server_alive
echo "PASS: $T_NAME"
