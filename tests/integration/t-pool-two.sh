#!/bin/bash
# t-pool-two: a pool of two addresses admits two openconnect sessions and
# refuses the third with the ASA's reason (737019 "Unable to get address
# from group-policy or tunnel-group local pools", 503 + X-Reason); sslvpnctl
# show ip local pool lists both owners; a user who logged out is held its
# address; after a daemon restart each user gets its own address back (the
# lease file in the state directory), and a torn lease file is ignored with a
# warning (100222) without harm.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect A (8861 MIC) tunN  |===443===>| sslvpnd -f -c two.conf        |
#   | openconnect B (7962 MIC) tunM  |===443===>|   pool "two" 198.19.0.10-.11  |
#   | C (CAPF LSC): openconnect /    |---443--->|   state: pool-leases          |
#   |   curl CONNECT, refused        |          | sslvpnctl show ip local pool  |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
command -v python3 >/dev/null 2>&1 || hard_error "python3 not installed"
pki_ensure
netns_setup
state_init

conf="$TMPD/two.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; address-reuse-window = 3600; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "two"; range = "198.19.0.10-198.19.0.11"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "two"; authentication = "certificate"; } );
CONF

A_CERT=(-c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key")
B_CERT=(-c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key")
C_CERT=(-c "$PKI/capf/leaf.pem" -k "$PKI/capf/leaf.key")
A_USER=$(cert_cn "$PKI/mic-sha2/leaf.pem")
B_USER=$(cert_cn "$PKI/mic-sha1/leaf.pem")
C_USER=$(cert_cn "$PKI/capf/leaf.pem")
LEASES="$STATE/pool-leases"

CTL_OUT="$TMPD/ctl.out"
ctl_ok() {
	timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$CTL_OUT" 2>"$TMPD/ctl.err" ||
		fail "sslvpnctl $*: $(cat "$TMPD/ctl.err")"
	sed 's/^/    /' "$CTL_OUT"
}

# pool_line: the counters line of `show ip local pool two`.
pool_counts() { # FREE HELD IN-USE WHAT
	ctl_ok show ip local pool two
	assert_match "$(cat "$CTL_OUT")" \
		"198\.19\.0\.10 +198\.19\.0\.11 +255\.255\.255\.0 +$1 +$2 +$3" "$4"
}

# restart_sslvpnd: stop it (SIGTERM: leases and the session registry are
# saved) and start it again on the same state directory, with a fresh log.
RUN=1
restart_sslvpnd() {
	stop_pid "$SRV_PID" TERM
	mv "$SRV_LOG" "$TMPD/sslvpnd-$RUN.log"
	RUN=$((RUN + 1))
	start_sslvpnd -c "$conf"
}

start_sslvpnd -c "$conf"

# ---- two sessions fit
oc_connect a "$SERVER_URL" "${A_CERT[@]}" || fail "client A: no tunnel"
oc_connect b "$SERVER_URL" "${B_CERT[@]}" || fail "client B: no tunnel"
A_ADDR=${OC_ADDR[a]}
B_ADDR=${OC_ADDR[b]}
assert_match "$A_ADDR" '^198\.19\.0\.1[01]$' "A got an address of pool two"
assert_match "$B_ADDR" '^198\.19\.0\.1[01]$' "B got an address of pool two"
assert_ne "$A_ADDR" "$B_ADDR" "A and B got different addresses"
assert_ping b

# ---- the third is refused, with the ASA's reason in the log
oc_authenticate c "$SERVER_URL" "${C_CERT[@]}"
cookie_c=$(printf '%s' "$OC_COOKIE" | sed -n 's/.*webvpn=\([^;]*\).*/\1/p')
[ -n "$cookie_c" ] || fail "client C: no webvpn cookie"
out=$(timeout 10 ip netns exec "$NS_CLI" curl -sk -m 8 -o /dev/null -D - -X CONNECT \
	-H "Cookie: webvpn=$cookie_c" "https://$SRV_IP/CSCOSSLC/tunnel" 2>&1)
assert_match "$out" '^HTTP/1\.1 503' "third tunnel refused with 503"
assert_match "$out" 'X-Reason: no address available' "X-Reason names the cause"
assert_log 737019 'IPAA: Session=0x[0-9a-f]+, Unable to get address from group-policy or tunnel-group local pools' \
	"737019: no address available (ASA wording)"
assert_log 100205 "no address available from local pool two \(user $(re "$C_USER")\)" \
	"100205: names the pool and the user"
# The refused login left no session (its cookie is dead): openconnect
# logs in afresh, and gives up on the refused CONNECT (bounded)
timeout -k 2 20 ip netns exec "$NS_CLI" openconnect --non-inter --servercert "$SERVER_CERT_SHA1" \
	"${C_CERT[@]}" -s /bin/true "$SERVER_URL" >"$TMPD/c.oc.log" 2>&1
rc=$?
assert_fails "$rc" "openconnect C does not get a tunnel"
assert_match "$(cat "$TMPD/c.oc.log")" 'reason: no address available' "openconnect C was told why"
assert_ping b # (the route to the ping target follows the latest client)

# ---- sslvpnctl: counters and owners
pool_counts 0 0 2 "show ip local pool: 0 free, 0 held, 2 in use"
assert_match "$(cat "$CTL_OUT")" "$(re "$A_ADDR") +$(re "$A_USER")" "A's address and owner listed"
assert_match "$(cat "$CTL_OUT")" "$(re "$B_ADDR") +$(re "$B_USER")" "B's address and owner listed"
ctl_ok --json show ip local pool two
python3 - "$CTL_OUT" "$A_ADDR" "$A_USER" "$B_ADDR" "$B_USER" <<'PY' || fail "--json show ip local pool"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["pools"][0]
assert p["name"] == "two" and p["size"] == 2 and p["in_use"] == 2 and p["free"] == 0, p
owners = {e["address"]: e["owner"] for e in p["in_use_addresses"]}
assert owners == {sys.argv[2]: sys.argv[3], sys.argv[4]: sys.argv[5]}, owners
PY
ok "--json lists both owners"
if timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show ip local pool nosuchpool \
	>"$CTL_OUT" 2>"$TMPD/ctl.err"; then
	fail "a missing pool was shown"
fi
assert_match "$(cat "$TMPD/ctl.err")" 'ERROR: ip local pool nosuchpool does not exist$' \
	"a missing pool is an error, as the ASA says it"
if grep -q 'ERROR: ERROR' "$TMPD/ctl.err"; then
	fail "the error is prefixed twice: $(cat "$TMPD/ctl.err")"
fi

# ---- A logs out for good: its address is held for it, not free
oc_stop a INT
assert_log 113019 "Username = $(re "$A_USER"),.*Reason: User Requested" "113019: A logged out"
assert_log 737016 "Freeing local pool address $(re "$A_ADDR")" "737016: A's address went back"
pool_counts 0 1 1 "show ip local pool: A's address held, B's in use"

# ---- restart: the lease file brings both memories back.  B logs off
# first: a session alive at the restart would come back with its address
# in use (the session registry: t-restart-term); this is about the memory.
oc_stop b INT
assert_log 113019 "Username = $(re "$B_USER"),.*Reason: User Requested" "113019: B logged out"
restart_sslvpnd
[ -s "$LEASES" ] || fail "no lease file $LEASES after a clean stop"
assert_log 100221 '2 remembered addresses restored' "100221: both memories restored"
pool_counts 0 2 0 "after the restart: both addresses held"
# B first: without the memory it would get the address released first (A's)
oc_connect b "$SERVER_URL" "${B_CERT[@]}" || fail "client B: no tunnel after the restart"
assert_eq "$B_ADDR" "${OC_ADDR[b]}" "B got its address back after the restart"
oc_connect a "$SERVER_URL" "${A_CERT[@]}" || fail "client A: no tunnel after the restart"
assert_eq "$A_ADDR" "${OC_ADDR[a]}" "A got its address back after the restart"
assert_ping a
oc_stop a
oc_stop b

# ---- a torn lease file is ignored as a whole; sslvpnd runs on
stop_pid "$SRV_PID" TERM
size=$(stat -c %s "$LEASES")
truncate -s $((size - 7)) "$LEASES"
mv "$SRV_LOG" "$TMPD/sslvpnd-$RUN.log"
RUN=$((RUN + 1))
start_sslvpnd -c "$conf"
assert_log 100222 'lease file .*pool-leases ignored \(truncated' "100222: torn lease file ignored"
assert_no_log 100221 'restored' "nothing restored from the torn file"
pool_counts 2 0 0 "after the torn file: both addresses plainly free"
oc_connect c "$SERVER_URL" "${C_CERT[@]}" || fail "client C: no tunnel after the torn file"
assert_match "${OC_ADDR[c]}" '^198\.19\.0\.1[01]$' "C got an address of pool two"
assert_ping c
assert_server_alive
oc_stop c
echo "PASS: $T_NAME"
