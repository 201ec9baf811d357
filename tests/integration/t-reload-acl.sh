#!/bin/bash
# t-reload-acl: a reload that changes only access lists (no new worker
# generation) reaches the next CONNECT: main sends the worker the entries of
# the vpn-filter it decided on, from the session's snapshot, and the worker
# no longer looks them up in its own, older copy of the file.
#   1. vpn-filter F1 = permit icmp to the host behind: A pings through.
#   2. F1 edited to deny that icmp; reload: B (new login) cannot ping, the
#      log shows 100250 for B; A (admitted before) still pings.
#   3. vpn-filter switched to a new list F2 = permit icmp; reload: C (new
#      login) pings, no 100251 ("cannot be applied"); A still pings.
#   No reload starts a new worker generation (100513).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect a (mic-sha2) tunA  |===443===>| sslvpnd -f -c acl.conf        |
#   | openconnect b/c (mic-sha1)     |===443===>|   workers = 1                 |
#   |   ping -I tunX 198.18.1.1      |          |   sslvpnctl reload (x2)       |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-150}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

# ctl ARGS...: sslvpnctl (bounded) on this daemon's socket; fails the test
# unless it succeeds.
ctl() {
	timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$TMPD/ctl.out" 2>&1 ||
		fail "sslvpnctl $*: $(cat "$TMPD/ctl.out")"
}

# pings NAME: two pings through NAME's tun device answered.
pings() { ns_cli ping -c 2 -W 2 -I "${OC_TUNDEV[$1]}" "$BEHIND_IP" >/dev/null 2>&1; }

assert_pings() {
	pings "$1" || fail "ping through ${OC_TUNDEV[$1]} ($1): $2"
	ok "ping through ${OC_TUNDEV[$1]} ($1): $2"
}

assert_blocked() {
	! pings "$1" || fail "ping through ${OC_TUNDEV[$1]} ($1) answered: $2"
	ok "ping through ${OC_TUNDEV[$1]} ($1) blocked: $2"
}

# write_conf FILTER F1-ENTRIES [F2-ENTRIES]
write_conf() {
	local f2=''
	[ -z "${3:-}" ] || f2=", { name = \"F2\"; type = \"extended\"; entries = [ $3 ]; }"
	cat >"$conf.tmp" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
access_lists = ( { name = "F1"; type = "extended"; entries = [ $2 ]; }$f2 );
group_policies = ( { name = "DfltGrpPolicy"; vpn-filter = "$1"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
	mv "$conf.tmp" "$conf"
}

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init

conf="$TMPD/acl.conf"
permit="\"permit icmp any host $BEHIND_IP\""
deny="\"deny icmp any host $BEHIND_IP\", \"permit ip any any\""
write_conf F1 "$permit"
start_sslvpnd -c "$conf"

# 1. The filter as started.
oc_connect a "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "client a: no tunnel"
assert_pings a "F1 permits icmp"

# 2. The same list, edited.
write_conf F1 "$deny"
ctl reload
assert_log 100510 '' "100510: reload applied"
oc_connect b "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "client b: no tunnel"
assert_log 100252 "User <$(re "$(cert_cn "$PKI/mic-sha1/leaf.pem")")>.*vpn-filter F1 applied \(3 entries\)" \
	"100252: b's filter has the edited list's entries (3: 'any any' counts for IPv4 and IPv6)"
assert_blocked b "the edited F1 denies icmp"
assert_log 106103 "access-list F1 denied icmp" "106103 (100250): the denial names F1"
assert_pings a "the tunnel admitted before the reload keeps its filter"
oc_stop b

# 3. A new list name.
write_conf F2 "$deny" "$permit"
ctl reload
wait_for 5 "second 100510" eval '[ "$(log_lines 100510 | wc -l)" -ge 2 ]' ||
	fail "the second reload was not applied (100510)"
oc_connect c "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "client c: no tunnel"
assert_log 100252 "vpn-filter F2 applied \(1 entries\)" "100252: c's filter is the new list F2"
assert_pings c "the new list F2 permits icmp"
assert_no_log 100251 '' "no 100251 (a vpn-filter that cannot be applied)"
assert_pings a "the tunnel admitted first still passes"
assert_no_log 100513 '' "no reload started a new worker generation"
assert_server_alive
oc_stop c
oc_stop a
echo "PASS: $T_NAME"
