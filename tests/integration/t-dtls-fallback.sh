#!/bin/bash
# t-dtls-fallback: DTLS is optional and never load-bearing.
#  1. A group policy with anyconnect-ssl-dtls = false: the CONNECT reply
#     carries no X-DTLS header, openconnect runs over TLS only, ping works.
#  2. DTLS up (DTLS 0.9 AES256-SHA), then UDP is blackholed both ways
#     (policy routing rules in both namespaces): the ping comes back over
#     CSTP once openconnect's DTLS DPD gives up, the headend logs 100407 and
#     moves downstream traffic to TLS; the session survives.
#  3. UDP unblocked: openconnect's next DTLS attempt comes from a new port
#     with the same session id; main hands it to the worker, which starts a
#     fresh DTLS state for that session: DTLS is back.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A  URL /nodtls     |  TLS 443 | sslvpnd -f -c dtls.conf       |
#   | openconnect B  URL /  (DTLS)   |  UDP 443 |  nodtls-group -> NoDTLS policy|
#   | rule: udp dport 443 blackhole  |  xxxxxx  |  rule: udp sport 443 blackhole|
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

conf="$TMPD/dtls.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; anyconnect-dpd-interval-gateway = 5;
                     anyconnect-dpd-interval-client = 6; },
                   { name = "NoDTLS"; anyconnect-ssl-dtls = false; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones";
                    authentication = "certificate"; },
                  { name = "nodtls-group"; address-pool = "phones";
                    default-group-policy = "NoDTLS"; authentication = "certificate";
                    group-url = ["https://$SRV_IP/nodtls"]; } );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
ip_re=$(re "$CLI_IP")

# --- 1. anyconnect ssl dtls none
oc_connect a "https://$SRV_IP/nodtls" -c "$cert" -k "$key" ||
	fail "NoDTLS policy: no tunnel"
assert_ping a
if grep -E 'X-DTLS-|Established DTLS' "${OC_LOG[a]}" >/dev/null; then
	fail "NoDTLS policy: openconnect saw DTLS: $(grep -E 'X-DTLS-|Established DTLS' "${OC_LOG[a]}" | head -n 3)"
fi
ok "NoDTLS policy: no X-DTLS header, no DTLS"
assert_log 100404 "Group <NoDTLS> User <$(re "$cn")> IP <$ip_re> tunnel without DTLS: DTLS disabled by the group policy" \
	"100404: DTLS refused by policy"
oc_stop a
wait_for 10 "counters of A" log_has 100410 "Group <NoDTLS>" ||
	fail "no 100410 for the NoDTLS tunnel"
assert_log 100410 "Group <NoDTLS> .*DTLS in 0 out 0 packets" "NoDTLS tunnel: nothing over DTLS"

# --- 2. UDP blackholed mid-session
oc_connect b "$SERVER_URL" -c "$cert" -k "$key" --dtls-ciphers=AES256-SHA ||
	fail "DTLS client: no tunnel"
wait_for 15 "DTLS up" oc_dtls_up b || fail "DTLS never came up"
sleep 0.5
assert_ping b
ok "DTLS up and carrying the ping"
# The client is told its own DPD interval (dpd-interval client 6), not the
# headend's (gateway 5).
grep -q 'CSTP connected. DPD 6,' "${OC_LOG[b]}" ||
	fail "openconnect was not given the client DPD interval: $(grep 'DPD' "${OC_LOG[b]}" | head -n 3 | tr '\n' '|')"
ok "X-CSTP-DPD carries dpd-interval client (6), not gateway (5)"

ns_cli ip rule add ipproto udp dport 443 prio 100 blackhole ||
	hard_error "ip rule (client) not supported"
ns_srv ip rule add ipproto udp sport 443 prio 100 blackhole ||
	hard_error "ip rule (server) not supported"
note "UDP 443 blackholed in both namespaces"

ping_once() { ns_cli ping -c 1 -W 1 "$BEHIND_IP" >/dev/null 2>&1; }
# openconnect's DTLS DPD (X-DTLS-DPD 6 s) declares DTLS dead after about
# two intervals and moves to CSTP; the headend follows.
wait_for 45 "ping over CSTP after the UDP blackout" ping_once ||
	fail "no ping through the tunnel 45 s after UDP was blocked: $(grep -i dtls "${OC_LOG[b]}" | tail -n 5)"
ok "traffic continues over CSTP"
assert_ping b
assert_log 100407 "User <$(re "$cn")> IP <$ip_re> DTLS" "100407: headend moved downstream traffic to TLS"
pid_alive "${OC_PID[b]}" || fail "openconnect exited"

# --- 3. UDP back: openconnect retries DTLS from a new socket (new source
# port) with the same session id; the headend starts a fresh DTLS state for
# that session (dtls-openssl.md P11) and traffic returns to DTLS.
ns_cli ip rule del ipproto udp dport 443 prio 100 blackhole
ns_srv ip rule del ipproto udp sport 443 prio 100 blackhole
note "UDP 443 open again"
dtls_twice() { [ "$(grep -c 'Established DTLS connection' "${OC_LOG[b]}")" -ge 2 ]; }
wait_for 75 "openconnect re-establishes DTLS" dtls_twice ||
	fail "DTLS did not come back within 75 s: $(grep -i dtls "${OC_LOG[b]}" | tail -n 4)"
ok "DTLS re-established from a new client port"
[ "$(log_lines 722022 "User <$(re "$cn")> IP <$ip_re>" 'UDP SVC' | wc -l)" -ge 2 ] ||
	fail "expected a second 722022 UDP SVC line"
ok "722022 UDP logged again"
sleep 0.5
assert_ping b
oc_stop b
wait_for 10 "counters of B" test "$(log_lines 100410 'Group <DfltGrpPolicy>' | wc -l)" -ge 1 ||
	fail "no 100410 for the DTLS tunnel"
line=$(log_lines 100410 'Group <DfltGrpPolicy>' | tail -n 1)
tls_in=$(printf '%s' "$line" | sed -n 's/.*counters: TLS in \([0-9]*\) out.*/\1/p')
[ "${tls_in:-0}" -ge 3 ] || fail "expected TLS traffic after the fallback: $line"
ok "after the fallback: TLS in $tls_in packets ($line)"
assert_server_alive
echo "PASS: $T_NAME"
