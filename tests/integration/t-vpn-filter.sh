#!/bin/bash
# t-vpn-filter: a vpn-filter inherited from DfltGrpPolicy that permits only
# ICMP to the host behind the headend.  The client's ping passes (the echo
# reply passes by the mirrored rule, without connection state); a UDP probe
# to the same host never reaches a listener there, over DTLS and over TLS,
# nor does a UDP packet from the server side to the client; the session's
# filter drop counters rise (sslvpnctl --json and text) and 100250/106103
# names the list, the user and both ends.  A tunnel group whose policy says
# `vpn-filter none` (stops the inheritance) lets the same probe through:
# the check can fail.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect -c MIC             |===443===>| sslvpnd -f -c filter.conf     |
#   |   a: DTLS, b: --no-dtls        | TLS+DTLS |  DfltGrpPolicy:               |
#   |   c: /open (vpn-filter none)   |          |   vpn-filter ICMP-ONLY        |
#   |   tunN 198.19.0.x              |          |  OPEN: vpn-filter none        |
#   |   ping / UDP probe ->          |          |  ICMP-ONLY: permit icmp any   |
#   |        198.18.1.1:5005         |          |     host 198.18.1.1           |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32: ping target |
#                                               |   + python3 UDP listener :5005|
#                                               +-------------------------------+
# shellcheck disable=SC2016 # python source in single quotes
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-150}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PORT=5005

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
command -v python3 >/dev/null 2>&1 || hard_error "python3 not installed (scripts/test installs it)"
pki_ensure
netns_setup
state_init

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")

conf="$TMPD/filter.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
access_lists = (
  { name = "ICMP-ONLY"; type = "extended";
    entries = [ "remark the phones may only ping the host behind the headend",
                "permit icmp any host $BEHIND_IP" ]; } );
group_policies = (
  { name = "DfltGrpPolicy"; vpn-filter = "ICMP-ONLY"; },
  { name = "OPEN"; vpn-filter = "none"; } );
tunnel_groups = (
  { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; },
  { name = "OPENGROUP"; address-pool = "phones"; authentication = "certificate";
    default-group-policy = "OPEN"; group-url = [ "https://$SRV_IP/open" ]; } );
CONF
start_sslvpnd -c "$conf"

CTL_OUT="$TMPD/ctl.out"

# ctl ARGS...: sslvpnctl (bounded) on this daemon's socket into $CTL_OUT.
ctl() {
	timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$CTL_OUT" 2>"$TMPD/ctl.err" ||
		fail "sslvpnctl $*: $(cat "$TMPD/ctl.err")"
}

# counter NAME KEY: KEY of the session whose tunnel openconnect NAME holds
# (by assigned address, tunnel up), from the --json listing.
counter() {
	ctl --json show vpn-sessiondb anyconnect
	python3 - "$CTL_OUT" "${OC_ADDR[$1]}" "$2" <<'EOF'
import json, sys
for s in json.load(open(sys.argv[1]))["sessions"]:
    if s["assigned_ip"] == sys.argv[2] and "SSL-Tunnel" in s["protocol"]:
        print(s[sys.argv[3]])
        break
else:
    print(-1)
EOF
}

# at_least NAME KEY N: the counter has reached N.
at_least() { [ "$(counter "$1" "$2")" -ge "$3" ]; }

# The listener: every datagram to BEHIND_IP:PORT in the server namespace is
# appended to $RECV ("source payload"); bounded by timeout(1).
RECV="$TMPD/udp.recv"
: >"$RECV"
timeout -k 2 120 ip netns exec "$NS_SRV" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3] + ".ready", "w").close()
while True:
    d, a = s.recvfrom(2048)
    with open(sys.argv[3], "a") as f:
        f.write("%s %s\n" % (a[0], d.decode(errors="replace").strip()))
' "$BEHIND_IP" "$PORT" "$RECV" &
LISTENER=$!
track_pid "$LISTENER"
wait_for 10 "UDP listener ready" test -f "$RECV.ready" || fail "the UDP listener did not start"

# probe TAG N: N datagrams "TAG-i" from the client namespace through the
# tunnel to the listener (bash's /dev/udp).
probe() {
	ns_cli bash -c 'for i in $(seq "$3"); do echo "$2-$i" >"/dev/udp/$1/'"$PORT"'"; sleep 0.1; done' \
		_ "$BEHIND_IP" "$1" "$2" || fail "sending the UDP probe failed"
}
received() { grep -c -- " $1-" "$RECV"; }

# --- a: the filter inherited from DfltGrpPolicy, traffic over DTLS
oc_connect a "$SERVER_URL" -c "$cert" -k "$key" || fail "a: no tunnel"
wait_for 15 "a: DTLS up" oc_dtls_up a || fail "a: no DTLS"
assert_log 100252 "Group <DfltGrpPolicy> User <$(re "$cn")> .*vpn-filter ICMP-ONLY applied \\(1 entries\\)" \
	"100252: ICMP-ONLY compiled for the tunnel"
assert_ping a
assert_eq 0 "$(counter a filter_drops_rx)" "a: the ping (and its replies) were not dropped"
probe dtls 3
sleep 1
assert_eq 0 "$(received dtls)" "a: the UDP probe over DTLS did not reach $BEHIND_IP:$PORT"
wait_for 15 "a: filter_drops_rx >= 3" at_least a filter_drops_rx 3 ||
	fail "a: filter_drops_rx is $(counter a filter_drops_rx), expected >= 3"
ok "a: filter_drops_rx = $(counter a filter_drops_rx)"
assert_log 106103 "access-list ICMP-ONLY denied udp for user '$(re "$cn")' outside/$(re "${OC_ADDR[a]}")\\([0-9]+\\) -> inside/$(re "$BEHIND_IP")\\($PORT\\) hit-cnt 1 first hit \\[0x[0-9a-f]+, 0x0\\]$" \
	"106103: the list, the user, both ends (inside, not the tun device) and the ACE hash"
# Towards the client: a UDP packet from the server side is dropped too.
rx0=$(tun_counter "$NS_CLI" "${OC_TUNDEV[a]}" rx)
ns_srv bash -c 'echo down >"/dev/udp/$1/7777"' _ "${OC_ADDR[a]}" ||
	fail "sending the downstream probe failed"
wait_for 15 "a: filter_drops_tx >= 1" at_least a filter_drops_tx 1 ||
	fail "a: filter_drops_tx is $(counter a filter_drops_tx), expected >= 1"
assert_eq "$rx0" "$(tun_counter "$NS_CLI" "${OC_TUNDEV[a]}" rx)" \
	"a: the downstream UDP packet did not reach the client's tun device"
ctl show vpn-sessiondb anyconnect
assert_match "$(cat "$CTL_OUT")" 'Filtered Tx +: [1-9][0-9]* +Filtered Rx +: ([3-9]|[1-9][0-9]+)' \
	"text listing shows the filter drops"
assert_ping a
oc_stop a

# --- b: the same filter on the CSTP (TLS) path
oc_connect b "$SERVER_URL" -c "$cert" -k "$key" --no-dtls || fail "b: no tunnel"
assert_ping b
probe tls 2
sleep 1
assert_eq 0 "$(received tls)" "b: the UDP probe over TLS did not reach $BEHIND_IP:$PORT"
wait_for 15 "b: filter_drops_rx >= 2" at_least b filter_drops_rx 2 ||
	fail "b: filter_drops_rx is $(counter b filter_drops_rx), expected >= 2"
ok "b: filter_drops_rx = $(counter b filter_drops_rx)"
oc_stop b

# --- c: vpn-filter none on the group policy stops the inheritance
oc_connect c "https://$SRV_IP/open" -c "$cert" -k "$key" || fail "c: no tunnel on /open"
assert_ping c
probe open 3
wait_for 5 "c: the probe arrives" test "$(received open)" -ge 3 ||
	fail "c: with vpn-filter none only $(received open) of 3 datagrams arrived"
ok "c: with vpn-filter none the UDP probe reached $BEHIND_IP:$PORT"
assert_eq "${OC_ADDR[c]}" "$(sed -n 's/ open-1$//p' "$RECV")" "c: from the client's assigned address"
assert_eq 0 "$(counter c filter_drops_rx)" "c: no filter drops"
assert_no_log 100252 'Group <OPEN>' "no vpn-filter for the OPEN policy"
oc_stop c

assert_server_alive
echo "PASS: $T_NAME"
