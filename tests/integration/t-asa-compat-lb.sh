#!/bin/bash
# t-asa-compat-lb: VPN load balancing as a redirect (asa-compat item
# lb-redirect, seed 001 "VPN load balancing and IP phones").  Node A has
# load_balancing on cluster-address 198.18.0.1 with one peer, node B on
# 198.18.0.5 (a second sslvpnd in a namespace of its own):
#  (a) `sslvpnd -t` warns (doctor check lb-redirect) that the phone tunnel
#      group is reached through the cluster address, with the fix;
#      openconnect to https://198.18.0.1/vpn gets 302 Location
#      https://198.18.0.5/vpn (100952), follows it and has its tunnel on B
#      (both nodes present the lab certificate); the emulated 8861 is not
#      redirected (100953, once) and connects on A;
#  (b) asa-compat = [ "lb-redirect" ] on the phone tunnel group (SIGHUP): the
#      phone is redirected as on an ASA (100954, deliberate), follows the
#      Location, and B, with a certificate of its own, fails its pin: unknown
#      CA, notify code 37, exit 13 (seed 001: phones cannot follow a redirect);
#  (c) two peers: consecutive logins get 302 to each in turn, path kept.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect /vpn (alice)       |  302 <-- | A sslvpnd 198.18.0.1:443      |
#   | sslvpn-phone -p 8861 /phone    |          |   load_balancing -> B         |
#   |                                |--------->| B sslvpnd 198.18.0.5:443      |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   | v-cli2 198.18.0.6/30 --------- veth ----- B ns svd-b-$$: v-peer 198.18.0.5  |
#   +--------------------------------+          +-------------------------------+
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

printf '%s\n' 'lb-pw-1' >"$TMPD/pw"
hash=$(printf '%s\n' 'lb-pw-1' | "$SSLVPND" --hash-password) || fail "--hash-password"

# node_conf FILE IP STATE NET ID_TRUSTPOINT PHONE_EXTRA LB: one node.
node_conf() {
	cat >"$1" <<CONF
general = { workers = 1; state-dir = "$3"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "$2"; port = 443; dtls-port = 443; $5 } );
trustpoints = ( { name = "ID"; enrollment = "file"; certificate = "$PKI/server/server.pem";
                  key = "$PKI/server/server.key"; },
                { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$3/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.$4.10-198.19.$4.99"; mask = "255.255.255.0"; },
                   { name = "users"; range = "198.19.$4.100-198.19.$4.199"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["https://$2/phone"]; $6 },
                  { name = "vpn-users"; address-pool = "users"; authentication = "aaa";
                    group-url = ["https://$2/vpn"]; } );
users = ( { name = "alice"; password = "$hash"; } );
$7
CONF
}

LB="load_balancing = { participate = true; cluster-address = \"$SRV_IP\"; peers = [ \"https://$PEER_IP\" ]; };"
conf_a="$TMPD/a.conf"
node_conf "$conf_a" "$SRV_IP" "$STATE" 0 'trustpoint = "ID";' '' "$LB"

# --- (a) the safe default, announced in advance
out="$TMPD/check.out"
"$SSLVPND" -t -c "$conf_a" --state-dir "$STATE" >"$out" 2>&1
rc=$?
sed 's/^/    | /' "$out"
assert_rc 0 "$rc" "sslvpnd -t: warnings only, exit 0"
grep -q 'warning.*lb-redirect' "$out" || fail "sslvpnd -t did not warn (check lb-redirect)"
grep -q 'phones cannot follow a redirect' "$out" || fail "the warning does not say why"
grep -q "group-url = \[ \"https://THIS-NODE-ADDRESS/phone\" \]" "$out" ||
	fail "the warning does not give the fix"
grep -q 'seed 001' "$out" || fail "the warning does not name its seed"
ok "sslvpnd -t warns about phones behind the load-balancing redirect, with the fix"

start_sslvpnd -c "$conf_a"
main_pid=$SRV_PID
conf_b="$TMPD/b.conf"
node_conf "$conf_b" "$PEER_IP" "$STATE_B" 1 'trustpoint = "ID";' '' ''
start_peer shared "$conf_b"

OC_STDIN="$TMPD/pw" oc_connect a "https://$SRV_IP/vpn" --user alice --passwd-on-stdin ||
	fail "openconnect did not get a tunnel through the redirect"
assert_log 100952 "Group <vpn-users> IP <$CLI_IP> load balancing: login redirected to https://$(re "$PEER_IP")/vpn \\(peer 1 of 1" \
	"100952: A redirected the login to B, path kept"
peer_has '716038.*User <alice>' || fail "alice did not authenticate on B"
peer_has '722051.*User <alice> .*Address <198\.19\.1\.' ||
	fail "alice's tunnel is not on B (pool 198.19.1.x)"
assert_no_log 716038 'User <alice>' "alice never authenticated on A"
grep -q "Connected to $(re "$PEER_IP"):443" "${OC_LOG[a]}" ||
	fail "openconnect's log does not show its new connection to B"
assert_match "${OC_ADDR[a]}" '^198\.19\.1\.' "openconnect's address is from B's pool"
ok "openconnect followed the redirect and has its tunnel on B"
assert_ping a
oc_stop a

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
a_hash=$(server_hash_b64)
for i in 1 2; do
	run_phone "kept$i" -p 8861 --url "https://$SRV_IP/phone" --cert-hash "$a_hash" \
		--cert "$cert" --key "$key" --no-dtls
	assert_rc 0 "$PHONE_RC" "8861 login $i without asa-compat: connected"
	assert_match "$(cat "$PHONE_OUT")" 'tunnel up' "tunnel up on A"
	if phone_log_has 'redirect'; then
		fail "the phone was redirected without asa-compat"
	fi
done
assert_eq 1 "$(log_lines 100953 | grep -c 'tunnel group vpn-phone-group serves phones')" \
	"100953 logged once for the phone tunnel group"
assert_no_log 100952 'Group <vpn-phone-group>' "no redirect of the phone tunnel group"
assert_no_log 100954 '.' "no deliberate phone redirect without asa-compat"

# --- (b) asa-compat lb-redirect: the ASA's failure, on purpose.  B now has
# a certificate of its own (its temporary identity), as cluster nodes do.
node_conf "$conf_a" "$SRV_IP" "$STATE" 0 'trustpoint = "ID";' 'asa-compat = [ "lb-redirect" ];' "$LB"
kill -HUP "$main_pid"
wait_for 10 "reload" log_has 100510 '.' || fail "no 100510 after SIGHUP"
stop_pid "$PEER_PID"
node_conf "$conf_b" "$PEER_IP" "$STATE_B" 1 '' '' ''
start_peer own "$conf_b"
b_sha1=$(openssl x509 -in "$STATE_B/identity/temporary-rsa.pem" -noout -fingerprint -sha1 |
	sed 's/^.*=//; s/://g')
assert_ne "$SERVER_RSA_SHA1" "$b_sha1" "B's certificate differs from A's"

run_phone redirected -p 8861 --url "https://$SRV_IP/phone" --cert-hash "$a_hash" \
	--cert "$cert" --key "$key" --no-dtls --fail-connect-time 10
assert_rc 13 "$PHONE_RC" "8861 redirected to B: exit code 13 (server certificate)"
assert_phone_log "HTTP 302 redirect -> https://$(re "$PEER_IP")/phone" "the phone followed the 302"
assert_phone_log "Leaf cert hash = $b_sha1" "phone log names B's certificate"
assert_phone_log 'SSL write alert: code 48, unknown CA' "phone log: alert 48 unknown CA"
assert_phone_log 'notify code: 37 \[SslAlertSrvrCert\]' "notify code 37 SslAlertSrvrCert"
assert_log 100954 "Group <vpn-phone-group> IP <$CLI_IP> asa-compat lb-redirect: phone login redirected to https://$(re "$PEER_IP")/phone: deliberate" \
	"100954: the phone's redirect logged as deliberate"
assert_log 100952 'Group <vpn-phone-group>' "100952: the phone login redirected"
if peer_has '716038'; then
	fail "the phone authenticated on B"
fi

# --- (c) two peers: logins go to them in turn, each Location keeps the path
LB2="load_balancing = { participate = true; cluster-address = \"$SRV_IP\"; peers = [ \"https://$PEER_IP\", \"https://198.18.0.9:8443/\" ]; };"
node_conf "$conf_a" "$SRV_IP" "$STATE" 0 'trustpoint = "ID";' '' "$LB2"
kill -HUP "$main_pid"
wait_for 10 "second reload" sh -c "[ \$(grep -c 100510 '$SRV_LOG') -ge 2 ]" ||
	fail "no second 100510 after SIGHUP"
init='<?xml version="1.0" encoding="UTF-8"?><config-auth client="vpn" type="init" aggregate-auth-version="2"><version who="vpn">9.01</version><device-id>linux-64</device-id></config-auth>'
locations=()
for _ in 1 2 3; do
	locations+=("$(ns_cli curl -sk -o /dev/null -D - --max-time 10 -A 'AnyConnect Linux_64 4.10' \
		--data-binary "$init" "https://$SRV_IP/vpn" | tr -d '\r' | sed -n 's/^Location: //p')")
done
peers_seen=$(printf '%s\n' "${locations[@]}" | sort -u | tr '\n' ' ')
assert_eq "https://198.18.0.5/vpn https://198.18.0.9:8443/vpn " "$peers_seen" \
	"302 Location: both peers, the request's path kept"
assert_ne "${locations[0]}" "${locations[1]}" "consecutive logins go to the peers in turn"
assert_eq "${locations[0]}" "${locations[2]}" "the third login starts the turn again"
assert_server_alive
echo "PASS: $T_NAME"
