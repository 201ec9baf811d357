#!/bin/bash
# t-rekey: group-policy anyconnect-ssl-rekey-time 1 (minute) and
# anyconnect-ssl-rekey-method ssl; a real rekey keeps traffic flowing.
#   a. openconnect on TLS 1.3 is told "ssl": its rekey is a TLS 1.3
#      KeyUpdate on the same connection, answered by the headend in place;
#      a ping that runs across the rekey loses at most two packets, and a
#      ping after it crosses the tunnel;
#   b. openconnect on TLS 1.2 is told "new-tunnel" (sslvpnd refuses TLS
#      renegotiation): its rekey is a new TLS connection with the cookie; it
#      gets the same address and traffic flows after it.
# Both run without DTLS, so the traffic rides the TLS connection being
# rekeyed.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | a: openconnect TLS 1.3 tunN    |===443===>| sslvpnd -f -c rekey.conf      |
#   | b: openconnect TLS 1.2 tunM    |===443===>|  DfltGrpPolicy: rekey 1 min,  |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30 method ssl |
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

conf="$TMPD/rekey.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "p"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; anyconnect-ssl-rekey-time = 1;
                     anyconnect-ssl-rekey-method = "ssl"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "p"; authentication = "certificate"; } );
CONF
start_sslvpnd -c "$conf"

oc_connect a "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" --no-dtls ||
	fail "a (TLS 1.3): no tunnel"
grep -q 'Connected to HTTPS on .*(TLS1\.3)' "${OC_LOG[a]}" || fail "a did not get TLS 1.3"
grep -q 'X-CSTP-Rekey-Method: ssl' "${OC_LOG[a]}" || fail "a: no X-CSTP-Rekey-Method: ssl"
grep -q 'X-CSTP-Rekey-Time: 60' "${OC_LOG[a]}" || fail "a: no X-CSTP-Rekey-Time: 60"
ok "a: TLS 1.3, told X-CSTP-Rekey-Method: ssl, X-CSTP-Rekey-Time: 60"
t_a=$(date +%s)
oc_connect b "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" --no-dtls \
	--gnutls-priority='NORMAL:-VERS-TLS1.3' || fail "b (TLS 1.2): no tunnel"
grep -q 'Connected to HTTPS on .*(TLS1\.2)' "${OC_LOG[b]}" || fail "b did not get TLS 1.2"
grep -q 'X-CSTP-Rekey-Method: new-tunnel' "${OC_LOG[b]}" || fail "b: no X-CSTP-Rekey-Method: new-tunnel"
ok "b: TLS 1.2, told X-CSTP-Rekey-Method: new-tunnel (no renegotiation)"

# route NAME: the host route to the ping target through NAME's tun device.
route() { ns_cli ip route replace "$BEHIND_IP/32" dev "${OC_TUNDEV[$1]}"; }
route a
assert_ping a

# a ping through a's tunnel from ~10 s before its rekey to ~10 s after
sleep $((t_a + 50 - $(date +%s) > 0 ? t_a + 50 - $(date +%s) : 0))
ping_out=$(ns_cli ping -c 40 -i 0.5 -W 1 "$BEHIND_IP" 2>&1)
rekeyed() { grep -q 'CSTP rekey due' "${OC_LOG[$1]}"; }
wait_for 30 "a's rekey" rekeyed a || fail "a: no rekey within 90 s of its login"
received=$(printf '%s\n' "$ping_out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
note "ping across a's rekey: $received/40 received"
[ "${received:-0}" -ge 38 ] || fail "ping across a's rekey lost too much: ${received:-0}/40"
ok "traffic kept flowing across a's rekey ($received/40)"
grep -E 'Renegotiated SSL on .*\(TLS1\.3\)' "${OC_LOG[a]}" >/dev/null ||
	fail "a: no in-place TLS 1.3 rekey: $(grep -iE 'rekey|renegot|reconnect' "${OC_LOG[a]}" | tail -n 4)"
if grep -q 'Rehandshake failed' "${OC_LOG[a]}"; then
	fail "a: the KeyUpdate failed and openconnect fell back to a new tunnel"
fi
ok "a: rekeyed in place (TLS 1.3 KeyUpdate)"
assert_eq 1 "$(oc_connects a)" "a: one CONNECT (no new tunnel)"
assert_ping a

# b: its rekey is a new tunnel with the cookie, same address
wait_for 30 "b's rekey" rekeyed b || fail "b: no rekey"
connects() { [ "$(oc_connects b)" -ge 2 ]; }
wait_for 20 "b's new tunnel" connects || fail "b: no second CONNECT after its rekey: $(tail -n 5 "${OC_LOG[b]}")"
ok "b: rekeyed with a new tunnel"
assert_eq "${OC_ADDR[b]}" "$(oc_last_addr b)" "b: the same address after the new tunnel"
route b
assert_ping b
oc_stop a
oc_stop b
assert_server_alive
echo "PASS: $T_NAME"
