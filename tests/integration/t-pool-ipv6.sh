#!/bin/bash
# t-pool-ipv6: an ipv6 local pool next to the IPv4 pool.  openconnect gets
# X-CSTP-Address-IP6 (2001:db8::10/64, documentation prefix), main logs the
# dual 722051, routes the /128 to the worker's tun, and ping6 to an address
# behind the headend crosses the tunnel.  Packets from a source that is not
# the session's IPv6 address are dropped (anti-spoofing).  With the one IPv6
# address taken, a second client comes up IPv4-only and 737019 is logged.
# A reload that enlarges the IPv6 pool keeps A's address in use (sslvpnctl
# show ipv6 local pool), so a third client gets the next one; a client
# that does not ask for IPv6 takes none.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd -f -c v6.conf         |
#   |   198.19.0.x + 2001:db8::10/64 |          |  pool v4 198.19.0.10-.20      |
#   | openconnect B (7962 MIC)       |===443===>|  ipv6 pool 2001:db8::10/64 x1 |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1, 2001:db8:1::1  |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

BEHIND6=2001:db8:1::1
POOL6_FIRST=2001:db8::10
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
pki_ensure
netns_setup
state_init
ip -n "$NS_SRV" -6 addr add "$BEHIND6/128" dev lo nodad || fail "ip -6 addr on lo"

# The tests' openconnect script, plus the IPv6 address and a /128 route to
# the IPv6 host behind the headend.
OC_SCRIPT="$TMPD/oc-script6.sh"
cat >"$OC_SCRIPT" <<'SH'
#!/bin/sh
case "$reason" in
connect)
	ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV" || exit 1
	ip link set dev "$TUNDEV" up mtu "${INTERNAL_IP4_MTU:-1300}" || exit 1
	ip route replace "$OC_ROUTE/32" dev "$TUNDEV" || exit 1
	if [ -n "$INTERNAL_IP6_ADDRESS" ]; then
		ip -6 addr add "${INTERNAL_IP6_NETMASK:-$INTERNAL_IP6_ADDRESS/128}" dev "$TUNDEV" nodad || exit 1
		ip -6 route replace "$OC_ROUTE6/128" dev "$TUNDEV" || exit 1
	fi
	env | sort >"$OC_ENV_FILE.tmp" && mv "$OC_ENV_FILE.tmp" "$OC_ENV_FILE"
	;;
esac
exit 0
SH
chmod 755 "$OC_SCRIPT"
export OC_ROUTE6="$BEHIND6"

conf="$TMPD/v6.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "v4"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
ipv6_local_pools = ( { name = "v6"; prefix = "$POOL6_FIRST/64"; count = 1; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "v4"; ipv6-address-pool = "v6";
                    authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

oc_connect a "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "client A: no tunnel"
assert_in_pool "${OC_ADDR[a]}" "A's IPv4 address"
assert_eq "$POOL6_FIRST" "$(oc_env a INTERNAL_IP6_ADDRESS)" "A got the IPv6 pool address"
assert_eq "$POOL6_FIRST/64" "$(oc_env a INTERNAL_IP6_NETMASK)" "with the pool's prefix length"
assert_log 722051 "IPv4 Address <$(re "${OC_ADDR[a]}")> IPv6 address <$(re "$POOL6_FIRST")> assigned to session" \
	"722051: both addresses logged"
srv_tun=$(ns_srv ip -6 route show "$POOL6_FIRST/128" | sed -n 's/.* dev \(sslvpn[0-9]*\).*/\1/p')
[ -n "$srv_tun" ] ||
	fail "no IPv6 host route for $POOL6_FIRST via the worker's tun: $(ns_srv ip -6 route)"
ok "main routes $POOL6_FIRST/128 to the worker's tun $srv_tun"

# The listing shows the IPv6 address next to the IPv4 one (ASA layout:
# "Assigned IPv6: ..." under "Assigned IP"), in text and JSON.
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show vpn-sessiondb anyconnect >"$TMPD/sdb.out" 2>&1 ||
	fail "show vpn-sessiondb anyconnect: $(cat "$TMPD/sdb.out")"
assert_match "$(cat "$TMPD/sdb.out")" "Assigned IPv6: $(re "$POOL6_FIRST")" \
	"show vpn-sessiondb anyconnect: Assigned IPv6 of A"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" --json show vpn-sessiondb anyconnect >"$TMPD/sdb.json" 2>&1 ||
	fail "show vpn-sessiondb anyconnect --json: $(cat "$TMPD/sdb.json")"
assert_eq "$POOL6_FIRST" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"][0]["assigned_ipv6"])' <"$TMPD/sdb.json")" \
	"JSON: assigned_ipv6 of A"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show vpn-sessiondb anyconnect filter a-ipaddress "$POOL6_FIRST" >"$TMPD/sdb.out" 2>&1
assert_match "$(cat "$TMPD/sdb.out")" "Index *: 1$" "filter a-ipaddress finds A by its IPv6 address"

# ping6 through the tunnel, counted on A's tun device
dev=${OC_TUNDEV[a]}
tx0=$(tun_counter "$NS_CLI" "$dev" tx)
rx0=$(tun_counter "$NS_CLI" "$dev" rx)
out=$(ns_cli ping -6 -c 3 -W 2 "$BEHIND6" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /' | tail -n 3
assert_rc 0 "$rc" "ping6 $BEHIND6 through the tunnel"
tx1=$(tun_counter "$NS_CLI" "$dev" tx)
rx1=$(tun_counter "$NS_CLI" "$dev" rx)
if [ $((tx1 - tx0)) -lt 3 ] || [ $((rx1 - rx0)) -lt 3 ]; then
	fail "ping6 did not cross $dev: tx $((tx1 - tx0)) rx $((rx1 - rx0))"
fi
ok "ping6 crossed $dev (tx +$((tx1 - tx0)), rx +$((rx1 - rx0)))"

# anti-spoofing: the same ping from another source of the prefix dies in the worker
# (the server's tun counts as received what the worker wrote to it)
ns_cli ip -6 addr add 2001:db8::99/128 dev "$dev" nodad || fail "second address on $dev"
srx0=$(tun_counter "$NS_SRV" "$srv_tun" rx)
ctx0=$(tun_counter "$NS_CLI" "$dev" tx)
if ns_cli ping -6 -c 3 -W 1 -I 2001:db8::99 "$BEHIND6" >/dev/null 2>&1; then
	fail "a spoofed IPv6 source passed the tunnel"
fi
srx1=$(tun_counter "$NS_SRV" "$srv_tun" rx)
ctx1=$(tun_counter "$NS_CLI" "$dev" tx)
[ $((ctx1 - ctx0)) -ge 3 ] || fail "the spoofed pings did not enter $dev (tx +$((ctx1 - ctx0)))"
assert_eq 0 "$((srx1 - srx0))" "no spoofed packet reached the server's $srv_tun"

# B: the IPv6 pool is used up; B comes up with IPv4 only, and the log says why
oc_connect b "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "client B: no tunnel"
assert_in_pool "${OC_ADDR[b]}" "B's IPv4 address"
assert_eq "" "$(oc_env b INTERNAL_IP6_ADDRESS)" "B got no IPv6 address"
assert_log 737019 'Unable to get address from group-policy or tunnel-group local pools' \
	"737019: no IPv6 address for B"
assert_ping b

# reload with a larger IPv6 pool: A keeps 2001:db8::10 (its lease moves to
# the new pool object), so the next client gets 2001:db8::11
sed -i 's/count = 1;/count = 3;/' "$conf"
timeout -k 2 30 "$CTL" --socket "$STATE/ctl.sock" reload >"$TMPD/reload.out" 2>&1 ||
	fail "sslvpnctl reload: $(cat "$TMPD/reload.out")"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show ipv6 local pool v6 >"$TMPD/pool6.out" 2>&1 ||
	fail "show ipv6 local pool v6: $(cat "$TMPD/pool6.out")"
sed 's/^/    /' "$TMPD/pool6.out"
assert_match "$(cat "$TMPD/pool6.out")" 'Pool Size: 3' "the reloaded IPv6 pool has 3 addresses"
assert_match "$(cat "$TMPD/pool6.out")" 'Number of used addresses: 1' "A's lease moved to it"
assert_match "$(cat "$TMPD/pool6.out")" "$(re "$POOL6_FIRST") +$(re "$(cert_cn "$PKI/mic-sha2/leaf.pem")")" \
	"A listed as the owner of $POOL6_FIRST"
oc_connect c "$SERVER_URL" -c "$PKI/capf/leaf.pem" -k "$PKI/capf/leaf.key" ||
	fail "client C: no tunnel"
assert_eq "2001:db8::11" "$(oc_env c INTERNAL_IP6_ADDRESS)" "C got the next free IPv6 address"

# a client that does not ask for IPv6 (openconnect --disable-ipv6, like a
# phone) takes no IPv6 address from the pool
oc_stop c INT
assert_log 737016 'Freeing local pool address 2001:db8::11' "737016: C's IPv6 address went back"
oc_connect c "$SERVER_URL" --disable-ipv6 -c "$PKI/capf/leaf.pem" -k "$PKI/capf/leaf.key" ||
	fail "client C (IPv4 only): no tunnel"
assert_eq "" "$(oc_env c INTERNAL_IP6_ADDRESS)" "C without IPv6 got no IPv6 address"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show ipv6 local pool v6 >"$TMPD/pool6.out" 2>&1 ||
	fail "show ipv6 local pool v6: $(cat "$TMPD/pool6.out")"
assert_match "$(cat "$TMPD/pool6.out")" 'Number of used addresses: 1' "only A's IPv6 address is in use"
assert_server_alive
oc_stop c
oc_stop b
oc_stop a
echo "PASS: $T_NAME"
