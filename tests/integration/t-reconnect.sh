#!/bin/bash
# t-reconnect: a phone whose TLS connection dies (openconnect killed with
# SIGKILL, so no DISCONNECT frame) comes back with the cookie of its earlier
# login and gets the same address back (while another phone that logged in
# meanwhile got a different one); traffic flows again.  The log has the
# ASA's 716058 (lost, waiting to resume) and 716059 (resumed) in order.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | 1 openconnect --authenticate   |---443--->| sslvpnd -f --state-dir STATE  |
#   |   (8861 MIC) -> COOKIE         |          |   (embedded default config)   |
#   | 2 openconnect --cookie  tunN   |===443===>|                               |
#   |   ping; kill -9                |    X     |                               |
#   | 3 openconnect (7962G MIC) tunM |===443===>|   another address             |
#   | 4 openconnect --cookie  tunN   |===443===>|   the same address as in 2    |
#   |   ping                         |          |                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init
start_sslvpnd

cn=$(cert_cn "$PKI/mic-sha2/leaf.pem")
oc_authenticate login "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key"
assert_rc 0 "$OC_AUTH_RC" "openconnect --authenticate with the 8861 MIC"
[ -n "$OC_COOKIE" ] || fail "--authenticate printed no COOKIE"
ok "cookie received"
cookie=$OC_COOKIE

oc_connect first "$SERVER_URL" --cookie="$cookie" ||
	fail "openconnect --cookie: no tunnel"
addr=${OC_ADDR[first]}
assert_in_pool "$addr" "first address"
assert_ping first
assert_log 722022 "User <$(re "$cn")> IP <$(re "$CLI_IP")> TCP SVC connection established" \
	"722022: first tunnel up"

# The TLS connection drops without a goodbye.
dev=${OC_TUNDEV[first]}
oc_stop first KILL
wait_for 5 "$dev gone" eval "! ns_cli test -e /sys/class/net/$dev" ||
	fail "$dev still present after openconnect was killed"
ok "openconnect killed, $dev gone"
if ns_cli ping -c 1 -W 1 "$BEHIND_IP" >/dev/null 2>&1; then
	fail "$BEHIND_IP still reachable without a tunnel"
fi
ok "no path to $BEHIND_IP without the tunnel"

# Another phone logs in while the first is away.  Had the first session
# been dropped with its TLS connection, its address would be free and this
# one could get it; with the session kept it must get another.
oc_connect other "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "second phone (7962G MIC): no tunnel"
assert_ne "$addr" "${OC_ADDR[other]}" "the other phone's address (the first one's is kept)"

oc_connect second "$SERVER_URL" --cookie="$cookie" ||
	fail "openconnect --cookie after the drop: no tunnel (cookie refused?)"
assert_eq "$addr" "${OC_ADDR[second]}" "address after reconnecting with the cookie"
assert_ping second

a_re=$(re "$addr")
if log_has 722032 "$a_re"; then
	ok "722032: new TCP SVC connection replacing the old one, address $addr"
else
	n=$(log_lines 722051 "Address <$a_re>" | wc -l)
	if [ "$n" -lt 2 ]; then
		printf '  722032 lines:\n'
		log_lines 722032 | sed 's/^/    /'
		printf '  722051 lines:\n'
		log_lines 722051 | sed 's/^/    /'
		fail "expected a 722032 with $addr, or a second 722051 with Address <$addr>"
	fi
	ok "722051: $addr assigned again"
fi
# The ASA's lines of a lost and resumed session, in order: 716058 when the
# TLS connection dropped, 716059 when the cookie brought it back.
u="User <$(re "$cn")> IP <$(re "$CLI_IP")>"
lost=$(grep -nE -- "%ASA-6-716058: Group <[^>]*> $u AnyConnect session lost connection\. Waiting to resume\.$" "$SRV_LOG" | head -n 1 | cut -d: -f1)
back=$(grep -nE -- "%ASA-6-716059: Group <[^>]*> $u AnyConnect session resumed connection from IP <$(re "$CLI_IP")>\.$" "$SRV_LOG" | head -n 1 | cut -d: -f1)
[ -n "$lost" ] && [ -n "$back" ] && [ "$lost" -lt "$back" ] ||
	fail "expected 716058 then 716059 for $cn (lines ${lost:-none}, ${back:-none})"
ok "716058 (lost, line $lost) then 716059 (resumed, line $back)"
# The tunnel lines of the ASA: the first CONNECT is 722033 after 722022;
# the one that resumed a session without an open tunnel is 722034.
first=$(grep -nE -- "%ASA-5-722033: Group <[^>]*> $u First TCP SVC connection established for SVC session\.$" "$SRV_LOG" | head -n 1 | cut -d: -f1)
none=$(grep -nE -- "%ASA-5-722034: Group <[^>]*> $u New TCP SVC connection, no existing connection\.$" "$SRV_LOG" | head -n 1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$none" ] && [ "$first" -lt "$lost" ] && [ "$back" -lt "$none" ] ||
	fail "expected 722033 before 716058 and 722034 after 716059 (lines ${first:-none}, ${none:-none})"
ok "722033 (first tunnel, line $first), 722034 (resumed without one, line $none)"
assert_server_alive
oc_stop second
echo "PASS: $T_NAME"
