#!/bin/bash
# t-aaa-radius-authz: authorization-server-group for certificate users.  A
# tunnel group with authentication certificate looks the certificate's
# user (username-from-certificate CN) up in FreeRADIUS (an Access-Request
# with the name as password, as the ASA): the server's Class picks the
# session's group policy (100270, 722051).  A certificate the server does
# not know: with authorize-required the login is refused; without it the
# tunnel group's defaults apply (100271).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-radius.sh
. "$top_srcdir/tests/integration/lib-radius.sh"

SECRET='authz-key'
RAD1=198.18.2.1

radius_setup "$RAD1"
known="$PKI/mic-sha2/leaf.pem"
known_key="$PKI/mic-sha2/leaf.key"
unknown="$PKI/mic-sha1/leaf.pem"
unknown_key="$PKI/mic-sha1/leaf.key"
kcn=$(cert_cn "$known")
ucn=$(cert_cn "$unknown")
assert_ne "$kcn" "$ucn" "two certificate users"
radius_users_line "$kcn" "$kcn" 'Class := "OU=phones-policy;"' >"$TMPD/users"
radius_start r1 "$RAD1" "$SECRET" "$TMPD/users"

conf="$TMPD/authz.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
group_policies = ( { name = "phones-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
aaa_servers = (
	{ name = "RAD"; protocol = "radius";
	  hosts = ( { address = "$RAD1"; key = "$SECRET"; authentication-port = 1812;
		      timeout = 2; retry-interval = 1; } ); }
);
tunnel_groups = (
	{ name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication = "certificate";
	  authorization-server-group = "RAD"; authorize-required = true; },
	{ name = "loose"; address-pool = "staff"; authentication = "certificate";
	  authorization-server-group = "RAD"; group-url = "https://$SRV_IP/loose"; }
);
CONF
start_sslvpnd -c "$conf"

# 1. Known certificate: the server's Class decides the group policy.
oc_connect k "$SERVER_URL" -c "$known" -k "$known_key" || fail "$kcn: no tunnel"
assert_log 100270 "user $(re "$kcn") from 198\\.18\\.0\\.2: authorized by AAA server $(re "$RAD1") \\(aaa-server group RAD\\)" \
	"100270: the certificate user authorized by FreeRADIUS"
assert_log 722051 "Group <phones-policy> User <$(re "$kcn")>" "722051: group policy from Class"
oc_stop k

# 2. Unknown certificate, authorize-required: refused.
oc_authenticate u "$SERVER_URL" -c "$unknown" -k "$unknown_key"
assert_eq "" "$OC_COOKIE" "an unknown certificate user is refused with authorize-required"
assert_log 100215 "User <$(re "$ucn")> .*authorization by aaa-server group RAD failed: no such user" \
	"100215: refused because the server has no record"
# 3. Unknown certificate without authorize-required: the defaults apply.
oc_authenticate u2 "https://$SRV_IP/loose" -c "$unknown" -k "$unknown_key"
assert_ne "" "$OC_COOKIE" "without authorize-required the unknown user logs in"
assert_log 100271 "user $(re "$ucn") from 198\\.18\\.0\\.2: authorization by aaa-server group RAD failed: no such user" \
	"100271: defaults applied"
assert_server_alive
echo "PASS: $T_NAME"
