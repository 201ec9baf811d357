#!/bin/bash
# t-aaa-cert: authentication "aaa certificate" needs both a valid client
# certificate and the password of a local user.  The certificate alone (no
# password to answer the form), the password alone (no certificate) and the
# certificate with a wrong password are all refused without a cookie; the
# certificate with alice's password brings a tunnel up, and the session is
# alice's (the AAA username wins over the certificate's CN).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect -c MIC --user alice|===443===>| sslvpnd -f -c aaacert.conf    |
#   |   password on stdin      tunN  |          |  DefaultWEBVPNGroup:          |
#   | v-cli 198.18.0.2/30 ---------- veth ----- |   aaa certificate             |
#   +--------------------------------+          | v-srv 198.18.0.1/30           |
#                                               | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PASS='s3cond-factor'

lib_init
pki_ensure
netns_setup
state_init

printf '%s\n' "$PASS" >"$TMPD/pw"
printf 'not-it\n' >"$TMPD/wrong"
hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "sslvpnd --hash-password failed"
cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")

conf="$TMPD/aaacert.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "staff";
                    authentication = "aaa certificate"; } );
users = ( { name = "alice"; password = "$hash"; } );
CONF
start_sslvpnd -c "$conf"

# 1. Certificate only: the password form cannot be answered.
oc_authenticate certonly "$SERVER_URL" -c "$cert" -k "$key"
assert_fails "$OC_AUTH_RC" "certificate without a password"
assert_eq "" "$OC_COOKIE" "no cookie for the certificate alone"

# 2. Password only: no certificate.
OC_STDIN="$TMPD/pw" oc_authenticate pwonly "$SERVER_URL" --user alice --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "password without a certificate"
assert_eq "" "$OC_COOKIE" "no cookie for the password alone"
assert_log 100215 'requires a valid client certificate' "100215: no certificate"
assert_no_log 113012 'user = alice' "no password check without a certificate"

# 3. Certificate and a wrong password.
OC_STDIN="$TMPD/wrong" oc_authenticate certbad "$SERVER_URL" -c "$cert" -k "$key" \
	--user alice --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "certificate with a wrong password"
assert_eq "" "$OC_COOKIE" "no cookie for a wrong password"
assert_log 113015 'reason = Invalid password : local database : user = alice' \
	"113015: wrong password with a certificate"

# 4. Both: a tunnel, alice's session.
OC_STDIN="$TMPD/pw" oc_connect a "$SERVER_URL" -c "$cert" -k "$key" --user alice \
	--passwd-on-stdin || fail "certificate + password: no tunnel"
assert_ping a
assert_log 113012 'user = alice' "113012: alice's password accepted"
assert_log 716038 'User <alice> IP <198\.18\.0\.2> Authentication: successful' \
	"716038: the session is alice's, not $cn's"
assert_no_log 716038 "User <$(re "$cn")>" "the certificate CN does not name the session"
grep -F -q -- "$PASS" "$SRV_LOG" && fail "the server log contains the password"
ok "no password in the server log"

assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
