#!/bin/bash
# t-ldap-login: sslvpnd against a real slapd (lib-slapd.sh), LDAP AAA end to
# end (secmod's LDAP back-end, main's ldap attribute map):
# - openconnect as alice (password form) over StartTLS with the directory's
#   CA: service bind, search, bind as alice; her memberOf (Phones, Staff)
#   goes through ldap_attribute_maps to group policy Staff (the ASA's pick
#   of several mapped groups: the shortest name); a wrong password and an
#   unknown user are refused with the ASA's 113005 reasons; a DAP record on
#   aaa.ldap.memberOf terminates bob (memberOf Engineers);
# - a group whose only host is down: refused (113014, 100293) without LOCAL,
#   the local user database decides with "NAME LOCAL" (100286);
# - a host whose certificate is not signed by ldap-ca-trustpoint's CA:
#   refused, 100293 says so;
# - certificate phones (sslvpn-phone) of a tunnel group with
#   authorization-server-group and authorize-required: the CP-8861's CN is
#   an entry in group Phones -> PhonePolicy (100270, no bind as the phone);
#   the 7962G's CN is in no entry -> refused;
# - sslvpnctl show aaa-server LDAP (its host ACTIVE, the counters) and test
#   aaa-server authentication against it.
#
#   client ns svd-c-$$                    server ns svd-s-$$
#   +------------------------+            +----------------------------------+
#   | openconnect / phone    |===443=====>| sslvpnd (secmod: LDAP threads)   |
#   | v-cli 198.18.0.2/30 ------ veth ----- v-srv 198.18.0.1/30              |
#   +------------------------+            | lo 198.18.2.1: slapd 389 / 636   |
#                                         +----------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"
# shellcheck source=tests/integration/lib-slapd.sh
. "$top_srcdir/tests/integration/lib-slapd.sh"

LIB_DEADLINE=150
LOCAL_PW='L0cal only pa55'
DOWN_IP=198.18.2.9 # no route in the server namespace: connection refused at once

lib_init
phone_init
pki_ensure
netns_setup
state_init
slapd_init
slapd_start

printf '%s\n' "$LDAP_USER_PW" >"$TMPD/pw"
printf 'wrong\n' >"$TMPD/wrong"
printf '%s\n' "$LOCAL_PW" >"$TMPD/local"
hash=$(printf '%s\n' "$LOCAL_PW" | "$SSLVPND" --hash-password) || fail "--hash-password"

# ldap_host ADDRESS CA-TRUSTPOINT: one LDAP host of aaa_servers (StartTLS).
ldap_host() {
	cat <<HOST
{ address = "$1"; authentication-port = 389; timeout = 3;
  ldap-over-ssl = true; ldap-ca-trustpoint = "$2";
  ldap-base-dn = "$LDAP_BASE"; ldap-scope = "subtree"; ldap-naming-attribute = "uid";
  ldap-login-dn = "$LDAP_SVC_DN"; ldap-login-password = "$LDAP_SVC_PW";
  ldap-attribute-map = "VPNMAP"; }
HOST
}

tg() { # NAME PATH SERVER-GROUP
	printf '{ name = "%s"; address-pool = "pool"; authentication = "aaa";
  authentication-server-group = "%s"; group-url = [ "https://%s/%s" ]; },\n' "$1" "$3" "$SRV_IP" "$2"
}

conf="$TMPD/ldap.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; },
  { name = "LDAP-CA"; enrollment = "terminal"; certificate = "$LDAP_CA"; },
  { name = "ROGUE-CA"; enrollment = "terminal"; certificate = "$LDAP_ROGUE_CA"; } );
ip_local_pools = ( { name = "pool"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
  { name = "PhonePolicy"; default-domain = "phone.example"; },
  { name = "Staff"; default-domain = "staff.example"; } );
ldap_attribute_maps = ( { name = "VPNMAP"; map-name = "memberOf Group-Policy";
  map-value = [ "memberOf \"cn=Phones,ou=groups,$LDAP_BASE\" PhonePolicy",
                "memberOf \"cn=Staff,ou=groups,$LDAP_BASE\" Staff" ]; } );
aaa_servers = (
  { name = "LDAP"; protocol = "ldap"; hosts = ( $(ldap_host "$LDAP_IP" LDAP-CA) ); },
  { name = "LDAPDOWN"; protocol = "ldap"; hosts = ( $(ldap_host "$DOWN_IP" LDAP-CA) ); },
  { name = "LDAPROGUE"; protocol = "ldap"; hosts = ( $(ldap_host "$LDAP_IP" ROGUE-CA) ); } );
tunnel_groups = (
$(tg LDAPGRP ldap LDAP)
$(tg DOWN down LDAPDOWN)
$(tg DOWNLOCAL downlocal "LDAPDOWN LOCAL")
$(tg ROGUE rogue LDAPROGUE)
  { name = "vpn-phone-group"; address-pool = "pool"; authentication = "certificate";
    authorization-server-group = "LDAP"; authorize-required = true;
    group-url = [ "$PHONE_URL" ]; } );
users = ( { name = "alice"; password = "$hash"; } );
dynamic_access_policy_records = ( { name = "NoEngineers"; action = "terminate";
  user-message = "Engineers use the lab VPN";
  aaa = { criteria = "aaa.ldap.memberOf = cn=Engineers,ou=groups,$LDAP_BASE"; }; } );
CONF
"$SSLVPND" -t -c "$conf" --state-dir "$STATE" >"$TMPD/t.out" 2>&1 || fail "ldap.conf does not load: $(cat "$TMPD/t.out") $(cat "$conf")"
dump=$("$SSLVPND" -T -c "$conf" --state-dir "$STATE")
assert_match "$dump" 'ldap-login-password = "\*\*\*\*\*";' "-T hides ldap-login-password"
if printf '%s' "$dump" | grep -q "$LDAP_SVC_PW"; then
	fail "-T prints the service password"
fi
start_sslvpnd -c "$conf"
start_echo

# 1. alice over StartTLS: memberOf Phones + Staff -> group policy Staff.
OC_STDIN="$TMPD/pw" oc_connect a "https://$SRV_IP/ldap" --user alice --passwd-on-stdin ||
	fail "alice: no tunnel through LDAP"
assert_eq staff.example "$(oc_env a CISCO_DEF_DOMAIN)" "alice's session runs on Staff (memberOf mapped)"
assert_log 113004 "AAA user authentication Successful : server = $(re "$LDAP_IP") : user = alice" \
	"113004: alice accepted by the LDAP host"
assert_log 722051 "Group <Staff> User <alice>" "722051: group policy Staff"
assert_ping a
oc_stop a
grep -q "BIND dn=\"uid=alice,ou=people,$LDAP_BASE\"" "$SLAPD_LOG" ||
	fail "slapd saw no bind as alice: $(grep BIND "$SLAPD_LOG" | tail -n 5)"
ok "alice: LDAP login, memberOf -> group policy"

# 1b. DAP sees the directory's attributes: bob (memberOf Engineers) is
# terminated by a record on aaa.ldap.memberOf; alice was not.
OC_STDIN="$TMPD/pw" oc_authenticate bob "https://$SRV_IP/ldap" --user bob --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "bob: no cookie (DAP terminate on aaa.ldap.memberOf)"
assert_log 734002 "DAP: User bob, Addr 198\.18\.0\.2: Connection terminated by the following DAP records: NoEngineers" \
	"734002: bob terminated by NoEngineers"
assert_no_log 734002 "User alice" "alice not terminated"
ok "DAP records match aaa.ldap.memberOf"

# 2. Refusals: wrong password, unknown user.
OC_STDIN="$TMPD/wrong" oc_authenticate bad "https://$SRV_IP/ldap" --user alice --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "alice with a wrong password"
assert_eq "" "$OC_COOKIE" "no cookie for a wrong password"
assert_log 113005 "AAA user authentication Rejected : reason = Invalid password : server = $(re "$LDAP_IP") : user = alice" \
	"113005: wrong password"
OC_STDIN="$TMPD/pw" oc_authenticate nouser "https://$SRV_IP/ldap" --user mallory --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "no cookie for an unknown user"
assert_log 113005 "reason = User was not found : server = $(re "$LDAP_IP") : user = mallory" \
	"113005: unknown user"
ok "wrong password and unknown user refused"

# 3. The only host down: refused without LOCAL, the local database with it.
OC_STDIN="$TMPD/local" oc_authenticate down "https://$SRV_IP/down" --user alice --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "host down, no LOCAL: no cookie"
assert_log 113014 "AAA authentication server not accessible : server = LDAPDOWN : user = alice" \
	"113014: LDAPDOWN not accessible"
assert_log 100293 "aaa-server group LDAPDOWN host $(re "$DOWN_IP"): LDAP: StartTLS: Can't contact LDAP server" \
	"100293: why the host failed"
assert_no_log 100286 "LDAPDOWN" "no LOCAL fallback without LOCAL"
OC_STDIN="$TMPD/local" oc_connect l "https://$SRV_IP/downlocal" --user alice --passwd-on-stdin ||
	fail "host down with LOCAL: the local password did not log in"
assert_log 100286 "user alice from .*aaa-server group LDAPDOWN.*LOCAL fallback" "100286: LOCAL fallback"
oc_stop l
ok "host down: LOCAL only when configured"

# 4. The wrong CA: refused, with the cause.
OC_STDIN="$TMPD/pw" oc_authenticate rogue "https://$SRV_IP/rogue" --user alice --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "a host whose certificate the CA does not sign: no cookie"
assert_log 100293 "aaa-server group LDAPROGUE host $(re "$LDAP_IP"): LDAP: StartTLS: TLS: the server's certificate is not signed by the CA given .*CA given /CN=LAB Rogue Directory CA" \
	"100293: the wrong CA named"
ok "wrong CA refused with a clear log"

# 5. Certificate phones authorized by LDAP (CN -> entry -> group policy).
sha2="$PKI/mic-sha2/leaf"
cn=$(cert_cn "$sha2.pem")
run_phone p8861 -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$sha2.pem" --key "$sha2.key" --ping "$BEHIND_IP" --ping-count 2 --json
assert_rc 0 "$PHONE_RC" "the 8861 authorized by LDAP"
assert_log 100270 "user $(re "$cn") from .*: authorized by AAA server $(re "$LDAP_IP") \(aaa-server group LDAP\)" \
	"100270: the phone authorized"
assert_log 722051 "Group <PhonePolicy> User <$(re "$cn")>" "722051: the phone on PhonePolicy"
assert_eq 0 "$(grep -c "BIND dn=\"uid=$cn," "$SLAPD_LOG")" "no bind as the phone's entry"
sha1="$PKI/mic-sha1/leaf"
cn1=$(cert_cn "$sha1.pem")
run_phone p7962 -p 7962G --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$sha1.pem" --key "$sha1.key" --ping "$BEHIND_IP" --ping-count 1
assert_fails "$PHONE_RC" "a phone whose CN is in no entry (authorize-required)"
grep -q "authorization by aaa-server group LDAP failed: no such user" "$SRV_LOG" ||
	fail "no log says why the 7962G was refused"
assert_no_log 722051 "User <$(re "$cn1")>" "no session for the 7962G"
ok "certificate phones: authorized by LDAP, or refused with authorize-required"

# 6. show aaa-server / test aaa-server know the LDAP hosts.
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
ctl() { timeout -k 2 30 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$TMPD/ctl.out" 2>&1; }
sleep 2 # secmod reports its counters once a second
ctl show aaa-server LDAP || fail "show aaa-server LDAP: $(cat "$TMPD/ctl.out")"
out=$(cat "$TMPD/ctl.out")
assert_match "$out" "Server Address:  $(re "$LDAP_IP")"$'\n'"Server port:     389"$'\n'"Server status:   ACTIVE" \
	"show aaa-server: the LDAP host, its port, ACTIVE"
# accepted: alice, bob (DAP ended his login later), the 8861; rejected:
# the wrong password, mallory, the 7962G
assert_match "$out" 'Number of accepts +3' "show aaa-server: three accepts"
assert_match "$out" 'Number of rejects +3' "show aaa-server: three rejects"
ctl test aaa-server authentication LDAP host "$LDAP_IP" username alice password "$LDAP_USER_PW" ||
	fail "test aaa-server: $(cat "$TMPD/ctl.out")"
assert_match "$(cat "$TMPD/ctl.out")" 'INFO: Authentication Successful' "test aaa-server: alice"
ctl test aaa-server authentication LDAP host "$LDAP_IP" username alice password wrong
assert_match "$(cat "$TMPD/ctl.out")" 'ERROR: Authentication Rejected' "test aaa-server: wrong password"
ok "show aaa-server and test aaa-server with LDAP"
assert_server_alive
echo "PASS: $T_NAME"
