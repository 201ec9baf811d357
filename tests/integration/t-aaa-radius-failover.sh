#!/bin/bash
# t-aaa-radius-failover: the hosts of an aaa-server group are tried in
# order.  The primary (nothing listens) stays silent: after its timeout the
# secondary, a real FreeRADIUS, answers and alice logs in; with
# max-failed-attempts 1 the primary is marked FAILED (113022) and the next
# login goes to the secondary at once.  A group whose hosts are all silent:
# 113014 and no login, unless the tunnel group says "NAME LOCAL": then the
# local database decides (100286) - but a RADIUS rejection is never retried
# locally.  A forger that knows the key but not how to make the
# Message-Authenticator (BlastRADIUS) is refused (100285) and so is one that
# sends none.  sslvpnctl show aaa-server shows the primary FAILED and the
# secondary's counters; test aaa-server authentication asks one host
# (successful, rejected, not responding) without logging the password.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-radius.sh
. "$top_srcdir/tests/integration/lib-radius.sh"

LIB_DEADLINE=150
SECRET='failover-key'
LIVE=198.18.2.1    # FreeRADIUS
DEAD1=198.18.2.2   # nothing listens
DEAD2=198.18.2.3
DEAD3=198.18.2.4
FORGER=198.18.2.5

radius_setup "$LIVE" "$DEAD1" "$DEAD2" "$DEAD3" "$FORGER"
{
	radius_users_line alice 'alice-pw'
	radius_users_line carol 'carol-radius-pw'
} >"$TMPD/users"
radius_start r1 "$LIVE" "$SECRET" "$TMPD/users"
printf 'alice-pw\n' >"$TMPD/alice"
printf 'carol-local-pw\n' >"$TMPD/carol"
hash=$(printf 'carol-local-pw\n' | "$SSLVPND" --hash-password) || fail "--hash-password"

host() { # ADDR: one host entry
	printf '{ address = "%s"; key = "%s"; authentication-port = 1812; timeout = 2; retry-interval = 1; }' \
		"$1" "$SECRET"
}
conf="$TMPD/failover.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
users = ( { name = "carol"; password = "$hash"; } );
aaa_servers = (
	{ name = "PAIR"; protocol = "radius"; max-failed-attempts = 1;
	  hosts = ( $(host "$DEAD1"), $(host "$LIVE") ); },
	{ name = "DOWN"; protocol = "radius"; hosts = ( $(host "$DEAD2"), $(host "$DEAD3") ); },
	{ name = "FORGED"; protocol = "radius"; hosts = ( $(host "$FORGER") ); },
	{ name = "LIVE"; protocol = "radius"; hosts = ( $(host "$LIVE") ); }
);
tunnel_groups = (
	{ name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication-server-group = "PAIR"; },
	{ name = "down"; address-pool = "staff"; authentication-server-group = "DOWN";
	  group-url = "https://$SRV_IP/down"; },
	{ name = "downlocal"; address-pool = "staff"; authentication-server-group = "DOWN LOCAL";
	  group-url = "https://$SRV_IP/downlocal"; },
	{ name = "livelocal"; address-pool = "staff"; authentication-server-group = "LIVE LOCAL";
	  group-url = "https://$SRV_IP/livelocal"; },
	{ name = "forged"; address-pool = "staff"; authentication-server-group = "FORGED";
	  group-url = "https://$SRV_IP/forged"; }
);
CONF
start_sslvpnd -c "$conf"

login() { # NAME URL USER PWFILE: sets ELAPSED_MS
	local t0
	t0=$(date +%s%N)
	OC_STDIN="$4" oc_authenticate "$1" "$2" --user "$3" --passwd-on-stdin
	ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
	note "$1: ${ELAPSED_MS} ms"
}

# 1. Primary silent, secondary answers within the primary's timeout (2 s) + its own.
login first "$SERVER_URL" alice "$TMPD/alice"
assert_ne "" "$OC_COOKIE" "alice logged in through the secondary"
assert_log 113004 "server = $(re "$LIVE") : user = alice" "113004 names the secondary"
assert_log 113022 "AAA Marking RADIUS server $(re "$DEAD1") in aaa-server group PAIR as FAILED" \
	"113022: the silent primary marked FAILED"
[ "$ELAPSED_MS" -lt 6000 ] || fail "the secondary's answer took ${ELAPSED_MS} ms"
ok "the secondary answered after the primary's timeout (${ELAPSED_MS} ms)"
# 2. The failed primary is skipped: no timeout to wait for.
login second "$SERVER_URL" alice "$TMPD/alice"
assert_ne "" "$OC_COOKIE" "alice's second login"
[ "$ELAPSED_MS" -lt 1800 ] || fail "second login took ${ELAPSED_MS} ms: the FAILED primary was asked again"
ok "second login skipped the FAILED primary (${ELAPSED_MS} ms)"

# 3. Every host silent, no LOCAL: refused (113014).
login down "https://$SRV_IP/down" carol "$TMPD/carol"
assert_eq "" "$OC_COOKIE" "no login when no server answers"
assert_log 113014 'AAA authentication server not accessible : server = DOWN : user = carol' \
	"113014: group DOWN unreachable"
# 4. Every host silent with LOCAL: the local database decides.
login downlocal "https://$SRV_IP/downlocal" carol "$TMPD/carol"
assert_ne "" "$OC_COOKIE" "carol logged in by the LOCAL fallback"
assert_log 100286 'user carol from 198\.18\.0\.2: no host of aaa-server group DOWN answered: the local user database decides' \
	"100286: LOCAL fallback"
assert_log 113012 'local database : user = carol' "113012: the local database accepted carol"
# 5. A RADIUS rejection is final, even with LOCAL.
login livelocal "https://$SRV_IP/livelocal" carol "$TMPD/carol"
assert_eq "" "$OC_COOKIE" "a RADIUS rejection is not retried locally"
assert_log 113005 "server = $(re "$LIVE") : user = carol" "113005: FreeRADIUS rejected carol"
assert_no_log 113015 'local database : user = carol' "no 113015: the local database was not asked"

# 6. Forged replies: right Response Authenticator, bad or no Message-Authenticator.
for mode in bad-ma no-ma; do
	ip netns exec "$NS_SRV" python3 "$top_srcdir/tests/integration/radius-forger.py" "$FORGER" 1812 "$SECRET" 30 "$mode" \
		>"$TMPD/forger-$mode.out" 2>&1 &
	fpid=$!
	track_pid "$fpid"
	wait_for 5 "forger ready" grep -q ready "$TMPD/forger-$mode.out" || fail "forger did not start"
	login "forged-$mode" "https://$SRV_IP/forged" alice "$TMPD/alice"
	assert_eq "" "$OC_COOKIE" "no login on a forged reply ($mode)"
	grep -q 'answered' "$TMPD/forger-$mode.out" || fail "the forger got no request ($mode)"
	stop_pid "$fpid"
done
assert_log 100285 'aaa-server group FORGED host 198\.18\.2\.5: reply refused: bad Message-Authenticator' \
	"100285: forged Message-Authenticator refused"
assert_log 100285 'reply refused: no Message-Authenticator \(required on every reply\)' \
	"100285: reply without Message-Authenticator refused"
assert_log 113014 'server = FORGED : user = alice' "113014: a forger counts as no answer"

# 7. show aaa-server / test aaa-server.
ctl() { timeout -k 2 70 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$TMPD/ctl.out" 2>&1; }
sleep 2   # secmod reports its counters once a second
ctl show aaa-server PAIR || fail "show aaa-server PAIR: $(cat "$TMPD/ctl.out")"
out=$(cat "$TMPD/ctl.out")
assert_match "$out" "Server Address:  $(re "$DEAD1")"$'\n'"Server port:     1812\(authentication\), 1646\(accounting\)"$'\n'"Server status:   FAILED" \
	"show aaa-server: the primary FAILED"
assert_match "$out" "Server Address:  $(re "$LIVE")"$'\n'".*"$'\n'"Server status:   ACTIVE" \
	"show aaa-server: the secondary ACTIVE"
assert_match "$out" 'Number of accepts +2' "show aaa-server: the secondary's two accepts"
ctl test aaa-server authentication LIVE host "$LIVE" username alice password alice-pw ||
	fail "test aaa-server: $(cat "$TMPD/ctl.out")"
assert_match "$(cat "$TMPD/ctl.out")" 'INFO: Authentication Successful' "test aaa-server: successful"
ctl test aaa-server authentication LIVE host "$LIVE" username alice password wrong-pw
assert_match "$(cat "$TMPD/ctl.out")" 'ERROR: Authentication Rejected' "test aaa-server: rejected"
ctl test aaa-server authentication DOWN host "$DEAD2" username alice password alice-pw
assert_match "$(cat "$TMPD/ctl.out")" 'ERROR: Authentication Server not responding' \
	"test aaa-server: a silent host is not responding"
assert_log 111008 "test aaa-server authentication LIVE host $(re "$LIVE") username alice password \*\*\*\*\*" \
	"111008: the test's password is not logged"
if grep -q 'alice-pw' "$SRV_LOG"; then
	fail "a password in the server log"
fi
ok "no password in the server log"
assert_server_alive
echo "PASS: $T_NAME"
