#!/bin/bash
# t-ldap-client: the LDAP client of AAA (src/aaa/ldapcli.c) against a real
# slapd (lib-slapd.sh) in the server namespace, through tests/ldap-probe
# (one ldapcli_login, then the ldap attribute map of a configuration file):
# - service bind, search by uid, bind as the user: alice gets her entry
#   and memberOf (memberof overlay), over StartTLS and over LDAPS with the
#   directory's CA; the map turns her groups into one group policy by the
#   ASA's rule for several mapped groups;
# - a wrong password, an empty password, an unknown user, a filter
#   metacharacter as user name, an ambiguous name, a wrong service password:
#   each refused with its own cause;
# - authorization only (no bind as the user) for the lab phone's CN;
# - the wrong CA (StartTLS and LDAPS), slapd stopped, and a server that
#   accepts and never answers: "unreachable" with a clear cause, the last
#   within the timeout.
#
#   server ns svd-s-$$
#   +--------------------------------------------------------------+
#   | ldap-probe ---- ldap://198.18.2.1:389 (StartTLS) ----> slapd |
#   |            ---- ldaps://198.18.2.1:636 ------------>         |
#   |            ---- ldap://198.18.2.2:389 ----> python: accepts, |
#   |                                             never answers    |
#   +--------------------------------------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-slapd.sh
. "$top_srcdir/tests/integration/lib-slapd.sh"

PROBE="$top_builddir/tests/ldap-probe"
HUNG_IP=198.18.2.2

lib_init
[ -x "$PROBE" ] || hard_error "$PROBE not built"
netns_setup
slapd_init
slapd_start

conf="$TMPD/map.conf"
cat >"$conf" <<CONF
ldap_attribute_maps = ( {
  name = "VPNMAP";
  map-name = [ "memberOf Group-Policy", "employeeType Tunneling-Protocols" ];
  map-value = [ "memberOf \"cn=Phones,ou=groups,$LDAP_BASE\" PhonePolicy",
                "memberOf \"cn=Staff,ou=groups,$LDAP_BASE\" Staff" ];
} );
CONF

# probe OUT-NAME ARGS...: ldap-probe in the server namespace against the
# directory (service account, base, uid); output in $TMPD/OUT-NAME, exit
# code in PROBE_RC.
probe() {
	local out=$TMPD/$1
	shift
	timeout 30 ip netns exec "$NS_SRV" "$PROBE" -b "$LDAP_BASE" -n uid -D "$LDAP_SVC_DN" \
		-W "$LDAP_SVC_PWFILE" -T 3 "$@" >"$out" 2>&1
	PROBE_RC=$?
	PROBE_OUT=$(cat "$out")
}

# 1. alice over StartTLS with the directory's CA: entry, groups, the map.
probe alice -a "$LDAP_IP" -p 389 -t starttls -C "$LDAP_CA" -u alice -w "$LDAP_USER_PWFILE" \
	-c "$conf" -m VPNMAP
assert_rc 0 "$PROBE_RC" "alice over StartTLS: $PROBE_OUT"
assert_match "$PROBE_OUT" "dn=uid=alice,ou=people,$LDAP_BASE" "alice's entry found by uid"
assert_match "$PROBE_OUT" "memberOf: cn=Phones,ou=groups,$LDAP_BASE" "memberOf Phones returned"
assert_match "$PROBE_OUT" "memberOf: cn=Staff,ou=groups,$LDAP_BASE" "memberOf Staff returned"
assert_match "$PROBE_OUT" "mail: alice@example.com" "other attributes returned"
# two mapped groups: the shorter mapped value wins (the ASA's alphabetization)
assert_match "$PROBE_OUT" "map.Group-Policy=Staff" "memberOf of two mapped groups -> Staff"
if grep -qi "userPassword" "$TMPD/alice"; then
	fail "userPassword handed on: $PROBE_OUT"
fi
grep -q "starttls\|STARTTLS\|EXT oid=1.3.6.1.4.1.1466.20037" "$SLAPD_LOG" ||
	fail "slapd logged no StartTLS: $(tail -n 20 "$SLAPD_LOG")"
ok "alice: StartTLS, service bind, search, user bind, memberOf mapped"

# 2. bob over LDAPS: one mapped group, Tunneling-Protocols passes through.
probe bob -a "$LDAP_IP" -p 636 -t ldaps -C "$LDAP_CA" -u bob -w "$LDAP_USER_PWFILE" \
	-c "$conf" -m VPNMAP
assert_rc 0 "$PROBE_RC" "bob over LDAPS: $PROBE_OUT"
assert_match "$PROBE_OUT" "map.Tunneling-Protocols=4" "bob's employeeType -> Tunneling-Protocols"
if grep -q "map.Group-Policy" "$TMPD/bob"; then
	fail "bob is in no mapped group but got a group policy: $PROBE_OUT"
fi
ok "bob: LDAPS; an unmapped group sets no policy"

# 3. refusals, each with its cause.
printf 'wrong\n' >"$TMPD/wrong.pw"
probe wrong -a "$LDAP_IP" -p 389 -t starttls -C "$LDAP_CA" -u alice -w "$TMPD/wrong.pw"
assert_rc 1 "$PROBE_RC" "alice with a wrong password"
assert_match "$PROBE_OUT" "status=rejected" "wrong password: rejected"
assert_match "$PROBE_OUT" "why=bind as \"uid=alice,ou=people,$LDAP_BASE\": invalid credentials" \
	"wrong password: the cause"
if grep -q "memberOf" "$TMPD/wrong"; then
	fail "attributes of a refused user handed on: $PROBE_OUT"
fi
printf '\n' >"$TMPD/empty.pw"
probe empty -a "$LDAP_IP" -p 389 -t starttls -C "$LDAP_CA" -u alice -w "$TMPD/empty.pw"
assert_match "$PROBE_OUT" "status=rejected" "empty password: rejected (no unauthenticated bind)"
assert_match "$PROBE_OUT" "why=empty password" "empty password: the cause"
probe nouser -a "$LDAP_IP" -p 389 -u mallory -w "$LDAP_USER_PWFILE"
assert_match "$PROBE_OUT" "status=no such user" "unknown user"
assert_match "$PROBE_OUT" 'why=search \(uid=mallory\) under "dc=example,dc=com": no entry' \
	"unknown user: the cause"
probe star -a "$LDAP_IP" -p 389 -u '*' -w "$LDAP_USER_PWFILE"
assert_match "$PROBE_OUT" 'status=no such user' "'*' as a user name matches no one"
assert_match "$PROBE_OUT" 'uid=\\2a' "'*' is escaped in the filter"
probe twin -a "$LDAP_IP" -p 389 -u twin -w "$LDAP_USER_PWFILE"
assert_match "$PROBE_OUT" "status=error" "an ambiguous name"
assert_match "$PROBE_OUT" "several entries" "an ambiguous name: the cause"
printf 'nope\n' >"$TMPD/svc-wrong.pw"
timeout 30 ip netns exec "$NS_SRV" "$PROBE" -a "$LDAP_IP" -b "$LDAP_BASE" -D "$LDAP_SVC_DN" \
	-W "$TMPD/svc-wrong.pw" -u alice -w "$LDAP_USER_PWFILE" >"$TMPD/svc" 2>&1
assert_match "$(cat "$TMPD/svc")" "status=error" "a wrong ldap-login-password"
assert_match "$(cat "$TMPD/svc")" "why=bind as ldap-login-dn: Invalid credentials" \
	"a wrong ldap-login-password: the cause"
ok "wrong, empty password, unknown, escaped, ambiguous user, wrong service password refused"

# 4. Authorization only: the phone's CN, no bind as the user.
cn=CP-8861-SEP682C7B40B5CE
probe phone -a "$LDAP_IP" -p 389 -t starttls -C "$LDAP_CA" -u "$cn" -c "$conf" -m VPNMAP
assert_rc 0 "$PROBE_RC" "authorization of $cn: $PROBE_OUT"
assert_match "$PROBE_OUT" "map.Group-Policy=PhonePolicy" "the phone's entry -> PhonePolicy"
binds=$(grep -c "BIND dn=\"uid=$cn," "$SLAPD_LOG")
assert_eq 0 "$binds" "no bind as the phone's entry"
ok "certificate user authorized by its CN without a bind"

# 5. The wrong CA: refused over StartTLS and LDAPS, with the cause.
binds_before=$(grep -c "BIND dn=" "$SLAPD_LOG")
probe rogue-st -a "$LDAP_IP" -p 389 -t starttls -C "$LDAP_ROGUE_CA" -u alice -w "$LDAP_USER_PWFILE"
assert_match "$PROBE_OUT" "status=unreachable" "StartTLS with the wrong CA"
assert_match "$PROBE_OUT" "why=StartTLS: TLS: the server.s certificate is not signed by the CA given \\(/CN=ldap.lab.example, issued by /CN=LAB Directory CA; CA given /CN=LAB Rogue Directory CA" \
	"StartTLS with the wrong CA: the cause"
probe rogue-s -a "$LDAP_IP" -p 636 -t ldaps -C "$LDAP_ROGUE_CA" -u alice -w "$LDAP_USER_PWFILE"
assert_match "$PROBE_OUT" "status=unreachable" "LDAPS with the wrong CA"
assert_match "$PROBE_OUT" "why=bind as ldap-login-dn: TLS: the server.s certificate is not signed by the CA given" \
	"LDAPS with the wrong CA: the cause"
note "wrong CA: $(sed -n 's/^why=//p' "$TMPD/rogue-st") / $(sed -n 's/^why=//p' "$TMPD/rogue-s")"
assert_eq "$binds_before" "$(grep -c "BIND dn=" "$SLAPD_LOG")" "no bind over a refused TLS session"
ok "the wrong CA refused before any bind"

# 6. Down and hung servers: unreachable, bounded by the timeout.
slapd_stop
probe down -a "$LDAP_IP" -p 389 -u alice -w "$LDAP_USER_PWFILE"
assert_match "$PROBE_OUT" "status=unreachable" "slapd stopped"
ip -n "$NS_SRV" addr add "$HUNG_IP/32" dev lo
ip netns exec "$NS_SRV" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 389)); s.listen(8)
held = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
' "$HUNG_IP" >/dev/null 2>&1 </dev/null &
hung=$!
track_pid "$hung"
wait_for 5 "hung listener" bash -c "ip netns exec $NS_SRV ss -ltn 'sport = :389' | grep -q $HUNG_IP" ||
	fail "the hung listener did not start"
t0=$(date +%s)
probe hung -a "$HUNG_IP" -p 389 -u alice -w "$LDAP_USER_PWFILE"
t1=$(date +%s)
assert_match "$PROBE_OUT" "status=unreachable" "a server that never answers"
assert_match "$PROBE_OUT" "why=bind as ldap-login-dn: (Timed out|Can't contact LDAP server)" \
	"a server that never answers: the cause"
[ $((t1 - t0)) -le 8 ] || fail "a hung server held the client $((t1 - t0)) s (timeout 3 s)"
note "hung server answered unreachable after $((t1 - t0)) s (timeout 3 s)"
ok "down and hung servers: unreachable within the timeout"
