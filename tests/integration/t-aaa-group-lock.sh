#!/bin/bash
# t-aaa-group-lock: a local user's own group-lock (username bob attributes /
# group-lock value phones).  bob's right password through the tunnel group
# "staff" is refused after authentication with the 716039 line naming the
# lock and where it comes from, whether staff was chosen by group-url or by
# its alias (the alias must survive the second, password round of the XML
# flow); through "phones" he logs in.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --user bob   tunN  |===443===>| sslvpnd -f -c lock.conf       |
#   |   .../staff  -> refused        |          |  staff:  group-url /staff aaa |
#   |   .../phones -> tunnel         |          |  phones: group-url /phones aaa|
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PASS='b0b-locked'

lib_init
pki_ensure
netns_setup
state_init

printf '%s\n' "$PASS" >"$TMPD/pw"
hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "sslvpnd --hash-password failed"
conf="$TMPD/lock.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "pool"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "staff"; address-pool = "pool"; authentication = "aaa";
                    group-url = ["https://$SRV_IP/staff"]; group-alias = "STAFF"; },
                  { name = "phones"; address-pool = "pool"; authentication = "aaa";
                    group-url = ["https://$SRV_IP/phones"]; } );
users = ( { name = "bob"; password = "$hash"; group-lock = "phones"; } );
CONF
start_sslvpnd -c "$conf"

# 1. The wrong tunnel group: right password, refused for the lock.
OC_STDIN="$TMPD/pw" oc_authenticate staff "https://$SRV_IP/staff" --user bob --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "bob through staff"
assert_eq "" "$OC_COOKIE" "no cookie through the wrong tunnel group"
assert_log 113012 'user = bob' "113012: bob's password is right"
assert_log 100215 'User <bob> .*group-lock value phones \(from user bob\) but the connection uses tunnel group staff' \
	"100215: refused by bob's group-lock, the lock named"

# 1b. staff chosen by its alias (XML by hand: openconnect sends its
# --authgroup only to pick from a tunnel-group-list).  The form carries the
# alias in <opaque>; the auth-reply echoes it and lands on staff again.
xml_post() { # NAME BODY-FILE: POST the XML to the base URL; sets CODE, BODY
	CODE=$(timeout -k 2 15 ip netns exec "$NS_CLI" curl -sS -k --max-time 10 \
		-H 'X-Aggregate-Auth: 1' -H 'Content-Type: text/xml' --data-binary "@$2" \
		-o "$TMPD/$1.body" -w '%{http_code}' "$SERVER_URL" 2>"$TMPD/$1.err")
	BODY=$(cat "$TMPD/$1.body")
	note "xml[$1]: HTTP $CODE"
}
cat >"$TMPD/init.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="init" aggregate-auth-version="2"><version who="vpn">v9.01</version><device-id>linux-64</device-id><group-select>STAFF</group-select><group-access>$SERVER_URL</group-access></config-auth>
XML
xml_post init "$TMPD/init.xml"
assert_eq 200 "$CODE" "XML init with group-select STAFF"
assert_match "$BODY" '<opaque is-for="sg"><tunnel-group>STAFF</tunnel-group>' "the form carries the alias"
assert_match "$BODY" '<input type="password" name="password"' "the form asks for a password"
opaque=$(printf '%s' "$BODY" | grep -o '<opaque is-for="sg">.*</opaque>')
cat >"$TMPD/reply.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-reply" aggregate-auth-version="2"><version who="vpn">v9.01</version><device-id>linux-64</device-id>$opaque<auth><username>bob</username><password>$PASS</password></auth></config-auth>
XML
xml_post reply "$TMPD/reply.xml"
# Refused: an auth-request carrying the reason for the user and no form,
# no session token (the XML clients show the error and stop).
assert_eq 200 "$CODE" "auth-reply through the alias of the wrong tunnel group"
assert_match "$BODY" '<error id="[0-9]+"[^>]*>Login denied\.</error>' "the refusal says Login denied."
case $BODY in
*session-token* | *'<input '*) fail "the refusal carries a session token or a form: $BODY" ;;
esac
ok "the refusal has no session token and no form"
n=$(log_lines 100215 'group-lock value phones \(from user bob\) but the connection uses tunnel group staff' | wc -l)
[ "$n" -ge 2 ] || fail "100215: expected the lock refusal for the alias login too, got $n lines"
ok "100215: the alias login refused by the lock as well"

# 2. The locked tunnel group: a tunnel.
OC_STDIN="$TMPD/pw" oc_connect a "https://$SRV_IP/phones" --user bob --passwd-on-stdin ||
	fail "bob through phones: no tunnel"
assert_ping a
assert_log 716038 'User <bob> IP <198\.18\.0\.2> Authentication: successful' "716038: bob admitted"

assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
