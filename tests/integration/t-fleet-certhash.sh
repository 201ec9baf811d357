#!/bin/bash
# t-fleet-certhash (S16 item 4): the phones' vpnGroup for a fleet.  Two
# nodes on one Redis: n1 (slice 1, the lab certificate) and n2 (slice 2, a
# temporary identity of its own), each in its own namespace.
#  1. Redis not there: `sslvpnctl certhash --fleet` fails at once, naming it.
#  2. Both records carry `certhash` (the RSA identity phones pin, the
#     100006/100120 SHA-1); certhash --fleet prints url1 = n1's url, url2 =
#     n2's, certHash1/2 = both hashes (base64), in certhash's format; the
#     snippet is a vpnGroup sslvpn-phone reads.
#  3. Four live nodes (two records written by hand): url1..url3 are the
#     first three in slice order and a note names the one left out.
#  4. Thirteen distinct hashes: an error naming the count (phones hold 10).
#  5. `sslvpnctl doctor --fleet FILE` (the vpnGroup the operator gave CUCM):
#     clean with the snippet of step 2; with n2's hash missing, an error
#     naming n2 and its hash, exit 2.
#  6. n2 killed: once its record expired (3 heartbeats) only n1 is listed.
#
#   server ns svd-s-$$ (n1 198.18.0.1, redis 127.0.0.1 + 198.18.0.13)
#     v-rs 198.18.0.13/30 ---- veth ---- v-rb 198.18.0.14/30  ns svd-b-$$ (n2)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

command -v redis-server >/dev/null || skip "redis-server not installed (scripts/test installs it)"
lib_init
pki_ensure
netns_setup
state_init
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

NS_B="svd-b-$$"
ip netns add "$NS_B" || fail "ip netns add $NS_B"
LIB_NETNS+=("$NS_B")
ip -n "$NS_B" link add v-rb type veth peer name v-rs netns "$NS_SRV" || fail "veth to n2"
ip -n "$NS_B" link set lo up
ip -n "$NS_B" addr add 198.18.0.14/30 dev v-rb
ip -n "$NS_SRV" addr add 198.18.0.13/30 dev v-rs
ip -n "$NS_B" link set v-rb up
ip -n "$NS_SRV" link set v-rs up
STATE_B="$TMPD/state-b"
mkdir -p "$STATE_B/trust"
cp "$PKI"/trust/* "$STATE_B/trust/"

port=16379
# node_conf FILE IP STATE NODE SLICE REDIS IFACE_EXTRA
node_conf() {
	cat >"$1" <<CONF
general = { workers = 1; state-dir = "$3"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "$2"; port = 443; dtls-port = 443; $7 } );
trustpoints = ( { name = "ID"; enrollment = "file"; certificate = "$PKI/server/server.pem";
                  key = "$PKI/server/server.key"; },
                { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$3/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.99"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones"; authentication = "certificate";
                    group-url = ["https://$2/phone"]; } );
fleet = { redis = "$6:$port"; node = "$4"; url = "https://$2/phone"; slice = $5; slices = 2;
          heartbeat = 1; };
CONF
}
node_conf "$TMPD/n1.conf" "$SRV_IP" "$STATE" n1 1 127.0.0.1 'trustpoint = "ID";'
node_conf "$TMPD/n2.conf" 198.18.0.14 "$STATE_B" n2 2 198.18.0.13 ''

rcli() { ns_srv redis-cli -p "$port" "$@"; }
CTL_OUT="$TMPD/ctl.out"
CTL_ERR="$TMPD/ctl.err"
ctl() { # SOCKET ARGS...: sets CTL_RC
	local sock=$1
	shift
	timeout -k 2 30 "$CTL" --socket "$sock" "$@" >"$CTL_OUT" 2>"$CTL_ERR"
	CTL_RC=$?
}
fleet_hash() { ctl "$STATE/ctl.sock" certhash --fleet "$@"; }
# b64 HEX: CUCM's form of a hash (lib-phone.sh's hex_b64; this test needs no phone)
# shellcheck disable=SC2059 # the format is the \x escapes built here
b64() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')" | base64; }
elem() { sed -n "s:.*<$2>\\(.*\\)</$2>.*:\\1:p" "$1"; }

# 1. no Redis yet
start_sslvpnd -c "$TMPD/n1.conf"
fleet_hash
assert_fails "$CTL_RC" "certhash --fleet without Redis"
assert_match "$(cat "$CTL_ERR")" "Redis is unreachable: node n1, Redis 127\\.0\\.0\\.1:$port down" \
	"the error names the unreachable Redis"

# 2. Redis, then n2
ip netns exec "$NS_SRV" redis-server --port "$port" --bind '127.0.0.1 198.18.0.13' \
	--protected-mode no --save '' --appendonly no --daemonize no \
	--logfile "$TMPD/redis.log" --dir "$TMPD" </dev/null >/dev/null 2>&1 &
track_pid $!
wait_for 10 "redis answers" sh -c "[ \"\$(ip netns exec $NS_SRV redis-cli -p $port PING)\" = PONG ]" ||
	fail "redis-server did not start"
ip netns exec "$NS_B" "$SSLVPND" -f --state-dir "$STATE_B" --pid-file "$TMPD/n2.pid" \
	-c "$TMPD/n2.conf" >>"$TMPD/n2.log" 2>&1 </dev/null &
n2_pid=$!
track_pid "$n2_pid"
wait_for 15 "n2 listening" grep -q '100007.*listening on .* port 443' "$TMPD/n2.log" ||
	fail "n2: no 100007: $(tail -n 5 "$TMPD/n2.log")"
n2_sha1=$(openssl x509 -in "$STATE_B/identity/temporary-rsa.pem" -noout -fingerprint -sha1 |
	sed 's/^.*=//; s/://g')
records() { [ -n "$(rcli HGET sslvpnd:node:n1 certhash)" ] && [ -n "$(rcli HGET sslvpnd:node:n2 certhash)" ]; }
wait_for 15 "both node records" records || fail "node records without certhash"
assert_eq "$SERVER_RSA_SHA1" "$(rcli HGET sslvpnd:node:n1 certhash)" \
	"n1's record: certhash = the RSA identity phones get (100006/100120)"
assert_eq "$n2_sha1" "$(rcli HGET sslvpnd:node:n2 certhash)" "n2's record: its temporary RSA certificate"
assert_eq 2 "$(rcli HGET sslvpnd:node:n2 slice)" "n2's record: slice 2"
fleet_hash --tunnel-group vpn-phone-group
assert_rc 0 "$CTL_RC" "certhash --fleet --tunnel-group vpn-phone-group: $(cat "$CTL_ERR")"
sed 's/^/    | /' "$CTL_OUT"
sed -n '/<vpnGroup>/,/<\/vpnGroup>/p' "$CTL_OUT" >"$TMPD/fleet.xml"
assert_eq "https://$SRV_IP/phone" "$(elem "$TMPD/fleet.xml" url1)" "url1 = n1 (slice 1)"
assert_eq "https://198.18.0.14/phone" "$(elem "$TMPD/fleet.xml" url2)" "url2 = n2 (slice 2)"
assert_eq "" "$(elem "$TMPD/fleet.xml" url3)" "no url3 with two nodes"
assert_eq "$(b64 "$SERVER_RSA_SHA1")" "$(elem "$TMPD/fleet.xml" certHash1)" "certHash1 = n1's"
assert_eq "$(b64 "$n2_sha1")" "$(elem "$TMPD/fleet.xml" certHash2)" "certHash2 = n2's"
assert_eq 2 "$(elem "$TMPD/fleet.xml" authMethod)" "authMethod 2 (certificate tunnel group)"
grep -q '^  SHA-1 (base64): ' "$CTL_OUT" || fail "no 'SHA-1 (base64):' lines (certhash's format)"
ctl "$STATE/ctl.sock" --json certhash --fleet
assert_rc 0 "$CTL_RC" "json certhash --fleet"
grep -q '"output"' "$CTL_OUT" || fail "json certhash --fleet: no output member"

# 3. four live nodes
h3=1111111111111111111111111111111111111111
h4=2222222222222222222222222222222222222222
rcli HSET sslvpnd:node:f3 url https://198.18.0.30/phone slice 3 certhash "$h3" >/dev/null
rcli HSET sslvpnd:node:f4 url https://198.18.0.40/phone slice 4 certhash "$h4,$h3" >/dev/null
rcli EXPIRE sslvpnd:node:f3 60 >/dev/null
rcli EXPIRE sslvpnd:node:f4 60 >/dev/null
# "gone": named in sslvpnd:nodes, its record expired: left out (4 live)
rcli SADD sslvpnd:nodes f3 f4 gone >/dev/null
fleet_hash
assert_rc 0 "$CTL_RC" "certhash --fleet with four nodes"
sed -n '/<vpnGroup>/,/<\/vpnGroup>/p' "$CTL_OUT" >"$TMPD/four.xml"
assert_eq "https://198.18.0.30/phone" "$(elem "$TMPD/four.xml" url3)" "url3 = f3 (slice 3)"
assert_match "$(cat "$CTL_OUT")" 'note: 4 live nodes; a phone takes three URLs: url1..url3 are n1, n2, f3' \
	"the note says phones take three and which"
assert_eq "$(b64 "$h4")" "$(elem "$TMPD/four.xml" certHash4)" "certHash4 = f4's (its URL is not listed, its hash is)"
assert_eq "" "$(elem "$TMPD/four.xml" certHash5)" "hashes counted once"

# 4. thirteen distinct hashes
many=$(for i in 1 2 3 4 5 6 7 8 9; do printf '%040d,' "$i"; done)
rcli HSET sslvpnd:node:f4 certhash "${many%,}" >/dev/null
fleet_hash
assert_fails "$CTL_RC" "certhash --fleet with 12 distinct hashes"
assert_match "$(cat "$CTL_ERR")" 'present 12 distinct certificates; a phone holds at most 10' \
	"the error names the count"
rcli DEL sslvpnd:node:f3 sslvpnd:node:f4 >/dev/null

# 5. doctor --fleet FILE
ctl "$STATE/ctl.sock" doctor --fleet "$TMPD/fleet.xml"
sed 's/^/    | /' "$CTL_OUT"
assert_no_match() { ! grep -q "$1" "$CTL_OUT" || fail "$2"; }
assert_no_match 'fleet-certhash' "doctor --fleet: no fleet finding with the fleet's own snippet"
sed "/certHash2/d" "$TMPD/fleet.xml" >"$TMPD/short.xml"
ctl "$STATE/ctl.sock" doctor --fleet "$TMPD/short.xml"
sed 's/^/    | /' "$CTL_OUT"
assert_rc 2 "$CTL_RC" "doctor --fleet: exit 2 (an error)"
assert_match "$(cat "$CTL_OUT")" "error fleet-certhash .*: node n2: its certificate SHA-1 $n2_sha1 \\($(b64 "$n2_sha1" | sed 's/[+/]/./g')\\) is not in the phones' certHash list" \
	"the error names the node and its hash"
ctl "$STATE/ctl.sock" doctor --fleet "$TMPD/nonexistent.xml"
assert_fails "$CTL_RC" "doctor --fleet on a missing file"
assert_match "$(cat "$CTL_ERR")" 'nonexistent.xml' "the error names the file"

# 6. n2 dies: its record expires after 3 heartbeats
stop_pid "$n2_pid" KILL
gone() { [ "$(rcli EXISTS sslvpnd:node:n2)" = 0 ]; }
wait_for 10 "n2's record expired" gone || fail "n2's record did not expire"
fleet_hash
assert_rc 0 "$CTL_RC" "certhash --fleet after n2 died"
sed -n '/<vpnGroup>/,/<\/vpnGroup>/p' "$CTL_OUT" >"$TMPD/one.xml"
assert_eq "" "$(elem "$TMPD/one.xml" url2)" "only n1 listed once n2's record expired"
assert_server_alive
echo "PASS: $T_NAME"
