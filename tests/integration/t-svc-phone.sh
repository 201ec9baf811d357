#!/bin/bash
# t-svc-phone: the Cisco IP phone ("SVC") login on a certificate tunnel group
# reached by its group-url: GET answers the cookie dance (expired webvpn= and
# webvpnlogin=1), an empty POST with the MIC in TLS yields the webvpn cookie,
# and that cookie alone brings the tunnel up.  Without a client certificate
# the POST gets 401 and no cookie.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | curl -A 'Cisco SVC IPPhone...' |---443--->| sslvpnd -f -c phone.conf      |
#   |   GET, POST /phone  -> cookie  |          |  tunnel-group vpn-phone-group |
#   | openconnect --cookie    tunN   |===443===>|   group-url .../phone, cert   |
#   |   route 198.18.1.1/32 -> tunN  |          |   pool 198.19.0.10-20         |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

UA='Cisco SVC IPPhone Client v1.0'
URL="https://$SRV_IP/phone"
RANGE_RE='^198\.19\.0\.(1[0-9]|20)$'

lib_init
pki_ensure
netns_setup
state_init

conf="$TMPD/phone.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["$URL"]; } );
CONF
start_sslvpnd -c "$conf"

# phone_curl NAME [CURL ARGS...]: one phone request (bounded); sets CODE and
# HDR (the response header file).
phone_curl() {
	local name=$1
	shift
	HDR="$TMPD/$name.hdr"
	CODE=$(timeout -k 2 15 ip netns exec "$NS_CLI" curl -sS -k --max-time 10 -A "$UA" \
		-D "$HDR" -o "$TMPD/$name.body" -w '%{http_code}' "$@" "$URL" \
		2>"$TMPD/$name.curl.err")
	note "curl[$name]: HTTP $CODE"
}
webvpn_token() { # the value of a non-empty Set-Cookie: webvpn= in $HDR
	tr -d '\r' <"$HDR" | sed -n 's/^[Ss]et-[Cc]ookie: *webvpn=\([^;[:space:]]\{1,\}\).*/\1/p' | head -n 1
}

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
cn=$(cert_cn "$cert")
jar="$TMPD/jar"

# 1. GET: the cookie dance.
phone_curl get --cert "$cert" --key "$key" -c "$jar"
assert_eq 200 "$CODE" "GET $URL as a phone"
grep -Eiq '^set-cookie: *webvpn=;.*expires=[^;]*1970' "$HDR" ||
	fail "GET: expected 'Set-Cookie: webvpn=;' expiring in 1970, got: $(grep -i '^set-cookie' "$HDR" | tr -d '\r' | tr '\n' '|')"
ok "GET: webvpn= cookie expired in 1970"
grep -Eiq '^set-cookie: *webvpnlogin=1([;[:space:]]|$)' "$HDR" ||
	fail "GET: expected 'Set-Cookie: webvpnlogin=1', got: $(grep -i '^set-cookie' "$HDR" | tr -d '\r' | tr '\n' '|')"
ok "GET: webvpnlogin=1"

# 2. Empty POST with the MIC in TLS: the session cookie.
phone_curl post --cert "$cert" --key "$key" -b "$jar" -c "$jar" -X POST --data ''
assert_eq 200 "$CODE" "empty POST $URL with the 8861 MIC"
token=$(webvpn_token)
[ -n "$token" ] || fail "POST: expected a non-empty webvpn cookie, got: $(grep -i '^set-cookie' "$HDR" | tr -d '\r' | tr '\n' '|')"
ok "POST: non-empty webvpn cookie"
# Like an ASA, 716038 names the group policy of the authentication step
# (DfltGrpPolicy); 722051 names the session's: the group-url chose
# vpn-phone-group, whose policy is vpn-phone-policy.
assert_log 716038 "User <$(re "$cn")> IP <$(re "$CLI_IP")> Authentication: successful" \
	"716038: $cn authenticated"

# 3. The cookie alone brings the tunnel up.
oc_connect svc "$URL" --cookie="$token" || fail "openconnect --cookie (phone cookie): no tunnel"
addr=${OC_ADDR[svc]}
assert_match "$addr" "$RANGE_RE" "address $addr from pool phones (198.19.0.10-20)"
assert_ping svc
assert_log 722051 "Group <vpn-phone-policy> User <$(re "$cn")> IP <$(re "$CLI_IP")> Address <$(re "$addr")> assigned" \
	"722051: $addr assigned to $cn on vpn-phone-policy"
assert_log 722022 "User <$(re "$cn")> IP <$(re "$CLI_IP")> TCP SVC connection established" \
	"722022: tunnel of $cn up"

# 4. Negative: no client certificate, no cookie.
phone_curl get-nocert -c "$TMPD/jar2"
note "GET without a client certificate: HTTP $CODE"
phone_curl post-nocert -b "$TMPD/jar2" -c "$TMPD/jar2" -X POST --data ''
assert_eq 401 "$CODE" "empty POST without a client certificate"
token2=$(webvpn_token)
assert_eq "" "$token2" "no webvpn cookie without a client certificate"

pid_alive "${OC_PID[svc]}" || fail "the phone's openconnect exited"
assert_server_alive
oc_stop svc
echo "PASS: $T_NAME"
