#!/bin/bash
# t-aaa-password: authentication aaa against the local user database.
# openconnect --user alice --passwd-on-stdin answers the XML password form,
# gets a cookie and a tunnel on alice's own group policy (her
# vpn-group-policy overrides the tunnel group's default) and pings through
# it; 113012 and 716038 are logged.  A wrong password and an unknown user get
# no cookie, openconnect --non-inter exits non-zero, 113015 names the reason,
# and no password appears anywhere in the server log.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --user alice  tunN |===443===>| sslvpnd -f -c aaa.conf        |
#   |   password on stdin            |          |  DefaultWEBVPNGroup: aaa      |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PASS='Corr3ct horse & "staple" <9>'
WRONG='Corr3ct horse & "stapler" <9>'

lib_init
pki_ensure
netns_setup
state_init

printf '%s\n' "$PASS" >"$TMPD/pw"
printf '%s\n' "$WRONG" >"$TMPD/wrong"
hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "sslvpnd --hash-password failed"
assert_match "$hash" '^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' \
	"--hash-password prints an scrypt hash"

conf="$TMPD/aaa.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
group_policies = ( { name = "alice-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication = "aaa"; } );
users = ( { name = "alice"; password = "$hash"; vpn-group-policy = "alice-policy"; } );
CONF
"$SSLVPND" -t -c "$conf" --state-dir "$STATE" >/dev/null || fail "aaa.conf does not load"
dump=$("$SSLVPND" -T -c "$conf" --state-dir "$STATE")
assert_match "$dump" "password = \"$(re "$hash")\";" "-T prints the user with the hash"
start_sslvpnd -c "$conf"

# 1. Wrong password: no cookie, a prompt failure, 113015.
OC_STDIN="$TMPD/wrong" oc_authenticate bad "$SERVER_URL" --user alice --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "openconnect with a wrong password"
assert_eq "" "$OC_COOKIE" "no cookie for a wrong password"
assert_log 113015 'AAA user authentication Rejected : reason = Invalid password : local database : user = alice' \
	"113015: wrong password of alice"
assert_log 716039 'User <alice> .*Authentication: rejected' "716039: alice rejected"

# 2. Unknown user: the same answer, its own reason in the log.
OC_STDIN="$TMPD/pw" oc_authenticate nouser "$SERVER_URL" --user mallory --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "openconnect as an unknown user"
assert_eq "" "$OC_COOKIE" "no cookie for an unknown user"
assert_log 113015 'reason = User was not found : local database : user = mallory' \
	"113015: unknown user mallory"

# 3. No password at all (--non-inter cannot answer the form).
oc_authenticate nopw "$SERVER_URL" --user alice
assert_fails "$OC_AUTH_RC" "openconnect without a password"
assert_eq "" "$OC_COOKIE" "no cookie without a password"

# 4. The right password: tunnel on alice-policy, traffic.
OC_STDIN="$TMPD/pw" oc_connect a "$SERVER_URL" --user alice --passwd-on-stdin ||
	fail "alice: no tunnel with the right password"
assert_match "${OC_ADDR[a]}" '^198\.19\.0\.(3[0-9]|40)$' "alice got an address from staff"
assert_ping a
assert_log 113012 'AAA user authentication Successful : local database : user = alice' \
	"113012: alice accepted by the local database"
assert_log 716038 'Group <DfltGrpPolicy> User <alice> IP <198\.18\.0\.2> Authentication: successful' \
	"716038: alice authenticated"
assert_log 722051 "Group <alice-policy> User <alice> IP <198\.18\.0\.2> Address <$(re "${OC_ADDR[a]}")> assigned" \
	"722051: alice's session runs on her vpn-group-policy"

# 5. No password, in any spelling, in the server log.
for p in "$PASS" "$WRONG" 'Corr3ct' 'staple'; do
	if grep -F -q -- "$p" "$SRV_LOG"; then
		fail "the server log contains (part of) a password: $p"
	fi
done
ok "no password in the server log"

assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
