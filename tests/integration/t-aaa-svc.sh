#!/bin/bash
# t-aaa-svc: the Cisco IP phone (SVC) login on an aaa tunnel group: after
# the GET cookie dance, a form-urlencoded POST of username and password gets
# the webvpn cookie, and that cookie brings a tunnel up.  A wrong password
# gets 401 and no cookie (113015); an empty POST on a password group gets 401.
# On an "aaa certificate" group the phone's "Password only" method (a POST
# with the password alone) is admitted with a valid certificate, the user
# named by the certificate's CN, and refused without one.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | curl -A 'Cisco SVC IPPhone...' |---443--->| sslvpnd -f -c svc.conf        |
#   |   GET, POST username/password  |          |  tunnel-group phones: aaa     |
#   | openconnect --cookie    tunN   |===443===>|   group-url .../phone         |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

UA='Cisco SVC IPPhone Client v1.0'
URL="https://$SRV_IP/phone"
PASS='ph0ne&pass=word%'

lib_init
pki_ensure
netns_setup
state_init

hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "sslvpnd --hash-password failed"
cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
CERT_URL="https://$SRV_IP/phonecert"
conf="$TMPD/svc.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "phones"; address-pool = "phones"; default-group-policy = "phone-policy";
                    authentication = "aaa"; group-url = ["$URL"]; },
                  { name = "phonecert"; address-pool = "phones"; default-group-policy = "phone-policy";
                    authentication = "aaa certificate"; group-url = ["$CERT_URL"]; } );
users = ( { name = "SEP001122334455"; password = "$hash"; },
          { name = "$cn"; password = "$hash"; } );
CONF
start_sslvpnd -c "$conf"

# phone_curl NAME [CURL ARGS...]: one phone request (bounded); sets CODE and HDR.
phone_curl() {
	local name=$1
	shift
	HDR="$TMPD/$name.hdr"
	CODE=$(timeout -k 2 15 ip netns exec "$NS_CLI" curl -sS -k --max-time 10 -A "$UA" \
		-D "$HDR" -o "$TMPD/$name.body" -w '%{http_code}' "$@" "${PURL:-$URL}" \
		2>"$TMPD/$name.curl.err")
	note "curl[$name]: HTTP $CODE"
}
webvpn_token() { # the value of a non-empty Set-Cookie: webvpn= in $HDR
	tr -d '\r' <"$HDR" | sed -n 's/^[Ss]et-[Cc]ookie: *webvpn=\([^;[:space:]]\{1,\}\).*/\1/p' | head -n 1
}

# 1. Wrong password: 401, no cookie, 113015.
phone_curl get1 -c "$TMPD/jar1"
assert_eq 200 "$CODE" "GET $URL as a phone"
phone_curl bad -b "$TMPD/jar1" -X POST --data-urlencode 'username=SEP001122334455' \
	--data-urlencode 'password=wrong'
assert_eq 401 "$CODE" "POST with a wrong password"
assert_eq "" "$(webvpn_token)" "no webvpn cookie for a wrong password"
assert_log 113015 'reason = Invalid password : local database : user = SEP001122334455' \
	"113015: the phone's wrong password"

# 2. Empty POST on a password group: 401.
phone_curl empty -X POST --data ''
assert_eq 401 "$CODE" "empty POST on an aaa group"
assert_log 100215 'requires a username and password' "100215: no credentials"

# 3. The right password: a cookie, then a tunnel.
phone_curl get2 -c "$TMPD/jar2"
phone_curl good -b "$TMPD/jar2" -X POST --data-urlencode 'username=SEP001122334455' \
	--data-urlencode "password=$PASS"
assert_eq 200 "$CODE" "POST with the right password"
token=$(webvpn_token)
[ -n "$token" ] || fail "POST: expected a webvpn cookie, got: $(grep -i '^set-cookie' "$HDR" | tr -d '\r' | tr '\n' '|')"
ok "POST: webvpn cookie"
assert_log 113012 'user = SEP001122334455' "113012: the phone's password accepted"
oc_connect svc "$URL" --cookie="$token" || fail "openconnect --cookie (phone cookie): no tunnel"
assert_ping svc
assert_log 722051 "Group <phone-policy> User <SEP001122334455> IP <198\.18\.0\.2>" \
	"722051: address assigned to the phone user"

# 4. "Password only" on an aaa certificate group: the CN names the user.
PURL=$CERT_URL phone_curl pwonly-nocert -X POST --data-urlencode "password=$PASS"
assert_eq 401 "$CODE" "password-only POST without a certificate"
assert_eq "" "$(webvpn_token)" "no cookie for a password-only POST without a certificate"
PURL=$CERT_URL phone_curl pwonly --cert "$cert" --key "$key" -X POST \
	--data-urlencode "password=$PASS"
assert_eq 200 "$CODE" "password-only POST with the MIC"
[ -n "$(webvpn_token)" ] || fail "password-only POST with the MIC: no webvpn cookie"
ok "password-only POST with the MIC: webvpn cookie"
assert_log 113012 "user = $(re "$cn")" "113012: $cn's password accepted"

grep -F -q -- "$PASS" "$SRV_LOG" && fail "the server log contains the password"
ok "no password in the server log"

assert_server_alive
oc_stop svc
echo "PASS: $T_NAME"
