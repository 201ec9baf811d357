#!/bin/bash
# t-phone-failover: a phone whose headend dies fails over to its url2
# (issue 20 item 4, phones.md 5: url1..url3, failConnectTime).  Two
# independent sslvpnd nodes, no Redis: A (url1, the lab certificate) and B
# (url2, a temporary identity of its own, so the phone's certHash list must
# hold both hashes, among decoys).  The emulated 8861 holds its tunnel on A
# with a voice stream; A is killed (SIGKILL: its workers go with it):
#  - the phone retries url1 (refused), gives up on it well inside
#    failConnectTime (10 s) and fails over to url2;
#  - it presents A's cookie first; B does not know it, so the phone logs in
#    afresh (a fleet would continue the session: that is t-fleet-*);
#  - B's certificate passes the pin (the second hash of the list);
#  - the tunnel is up on B within failConnectTime of the loss, with an
#    address of B's pool, and voice resumes (replies after the move);
#  - the report's outage/failover lines say so (the emulator before this
#    change ended the session: "tunnel lost ..., reconnect failed");
#  - `sslvpnctl certhash --fleet` on B (no fleet configured) is a clear error.
#
#   client ns svd-c-$$                          server ns svd-s-$$ (A)
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861           |===443===>| sslvpnd 198.18.0.1 pool 0.x    |
#   |   url1 A, url2 B, certHash x4  |          |   echo 198.18.1.1:5004   KILL |
#   |   voice 50 pps                 |          +-------------------------------+
#   |                                |===443===>| B ns svd-b-$$: sslvpnd        |
#   | v-cli 198.18.0.2/30 -> A       |          |   198.18.0.5 pool 1.x, echo   |
#   | v-cli2 198.18.0.6/30 -> B      |          +-------------------------------+
#   +--------------------------------+
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

peer_setup

# node_conf FILE IP STATE NET IFACE_EXTRA: one node, phones on /phone.
node_conf() {
	cat >"$1" <<CONF
general = { workers = 1; state-dir = "$3"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "$2"; port = 443; dtls-port = 443; $5 } );
trustpoints = ( { name = "ID"; enrollment = "file"; certificate = "$PKI/server/server.pem";
                  key = "$PKI/server/server.key"; },
                { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$3/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.$4.10-198.19.$4.99"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["https://$2/phone"]; } );
CONF
}

node_conf "$TMPD/a.conf" "$SRV_IP" "$STATE" 0 'trustpoint = "ID";'
node_conf "$TMPD/b.conf" "$PEER_IP" "$STATE_B" 1 ''
start_sslvpnd -c "$TMPD/a.conf"
a_pid=$SRV_PID
start_echo
start_peer b "$TMPD/b.conf"
b_pid=$PEER_PID
ip netns exec "$NS_PEER" "$SSLVPN_PHONE" --echo-server "$BEHIND_IP:$ECHO_PORT" \
	--hold "$LIB_DEADLINE" >>"$TMPD/echo-b.log" 2>&1 </dev/null &
track_pid $!
wait_for 5 "B's echo server bound" ip netns exec "$NS_PEER" sh -c \
	"ss -uln | grep -q '$BEHIND_IP:$ECHO_PORT'" || fail "B's echo server did not bind"
b_sha1=$(openssl x509 -in "$STATE_B/identity/temporary-rsa.pem" -noout -fingerprint -sha1 |
	sed 's/^.*=//; s/://g')
assert_ne "$SERVER_RSA_SHA1" "$b_sha1" "B's certificate differs from A's"
ok "B (pid $b_pid) listening on $PEER_IP with its own certificate $b_sha1"

# The certHash list: two decoys, A's, B's (any of up to 10 pins).
cat >"$TMPD/vpngroup.xml" <<XML
<vpnGroup><mtu>1290</mtu><failConnectTime>10</failConnectTime><authMethod>2</authMethod>
<url1>https://$SRV_IP/phone</url1><url2>https://$PEER_IP/phone</url2>
<certHash1>$(hex_b64 0000000000000000000000000000000000000001)</certHash1>
<certHash2>$(server_hash_b64)</certHash2>
<certHash3>$(hex_b64 0000000000000000000000000000000000000002)</certHash3>
<certHash4>$(hex_b64 "$b_sha1")</certHash4>
</vpnGroup>
XML
run_phone_bg failover -p 8861 --vpngroup "$TMPD/vpngroup.xml" \
	--cert "$PKI/mic-sha2/leaf.pem" --key "$PKI/mic-sha2/leaf.key" \
	--voice "$BEHIND_IP:$ECHO_PORT" --voice-secs 8 --hold 14
wait_for 10 "phone tunnel up on A" phone_has_addr || {
	phone_wait
	fail "the phone reported no tunnel address"
}
addr_a=$(phone_addr)
assert_match "$addr_a" '^198\.19\.0\.' "the phone is on A (url1), address $addr_a"
sleep 2 # voice flows on A
kill -KILL "$a_pid"
ok "A killed (SIGKILL) with the phone's tunnel and voice on it"
phone_wait
assert_rc 0 "$PHONE_RC" "the phone held its tunnel to the end (on B)"
line=$(grep '^outage \[0\]:' "$PHONE_OUT")
assert_match "$line" "lost on url1, up on url2, address $(re "$addr_a") -> 198\\.19\\.1\\." \
	"outage line: from url1 ($addr_a) to url2 with an address of B's pool"
assert_match "$line" 'back by login, voice resumed yes' \
	"B refused A's cookie: fresh login; voice resumed"
outage=$(printf '%s\n' "$line" | sed -n 's/.*outage \([0-9]*\) ms.*/\1/p')
if [ -z "$outage" ] || [ "$outage" -ge 10000 ]; then
	fail "outage ${outage:-?} ms: not within failConnectTime (10 s)"
fi
ok "tunnel back on B $outage ms after the loss (failConnectTime 10 s)"
assert_match "$(grep '^failover:' "$PHONE_OUT")" \
	'^failover: lost 1 back 1 moved 1 relogin 1 same-address 0 voice-resumed 1 ' \
	"summary line: lost 1, back 1, moved 1, voice resumed"
assert_phone_log 'url1 gave up .*failing over to url2' "phone log: url1 gave up, failover to url2"
assert_phone_log 'url2 refused the cookie of url1' "phone log: cookie refused, fresh login"
assert_phone_log "Leaf cert hash = $b_sha1" "phone log: B's certificate pinned (certHash4)"
peer_has '722051.*Address <198\.19\.1\.' || fail "B logged no 722051 for the phone"
ok "B assigned the phone an address (722051)"
pid_alive "$b_pid" || fail "B died"
# certhash --fleet on a node alone: a clear error, at once
out=$(timeout -k 2 15 "$top_builddir/src/tools/sslvpnctl/sslvpnctl" --socket "$STATE_B/ctl.sock" \
	certhash --fleet 2>&1)
rc=$?
assert_fails "$rc" "certhash --fleet on a node without fleet"
assert_match "$out" 'not in a fleet \(fleet\.redis is not set\)' "the error says fleet.redis is not set"
echo "PASS: $T_NAME"
