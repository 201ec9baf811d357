#!/bin/bash
# t-cert-8861: a CP-8861 logs in with its SHA-256 MIC on the embedded default
# configuration (no -c), gets an address from 198.19.0.0/24 and pings a host
# behind the headend through the tunnel.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect -c mic-sha2/leaf   |   TLS    | sslvpnd -f --state-dir STATE  |
#   |   tunN 198.19.0.x/32           |===443===>|   (embedded default config,   |
#   |   route 198.18.1.1/32 -> tunN  |          |    STATE/trust = lab CAs)     |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# Checks: tunnel up with the pushed MTU, 3/3 pings cross the tun device,
# 716038 (CN as user), 722051 (the address openconnect got), 722022.
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init
start_sslvpnd

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
assert_match "$cn" '^CP-8861-SEP[0-9A-F]{12}$' "lab MIC CN"

oc_connect p8861 "$SERVER_URL" -c "$cert" -k "$key" ||
	fail "openconnect with the 8861 MIC: no tunnel"
ok "tunnel up (${OC_TUNDEV[p8861]})"
addr=${OC_ADDR[p8861]}
assert_in_pool "$addr" "address openconnect got"

mtu=$(oc_env p8861 INTERNAL_IP4_MTU)
assert_match "$mtu" '^[0-9]+$' "server pushed an MTU"
link_mtu=$(ns_cli cat "/sys/class/net/${OC_TUNDEV[p8861]}/mtu")
assert_eq "$mtu" "$link_mtu" "tun device MTU"

assert_ping p8861

ip_re=$(re "$CLI_IP")
assert_log 716038 "Group <DfltGrpPolicy> User <$(re "$cn")> IP <$ip_re> Authentication: successful" \
	"716038: certificate authentication of $cn"
assert_log 722051 "User <$(re "$cn")> IP <$ip_re> Address <$(re "$addr")> assigned to session" \
	"722051: $addr assigned to $cn"
assert_log 722022 "User <$(re "$cn")> IP <$ip_re> TCP SVC connection established" \
	"722022: TLS tunnel of $cn up"
assert_server_alive
oc_stop p8861
echo "PASS: $T_NAME"
