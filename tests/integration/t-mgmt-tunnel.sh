#!/bin/bash
# t-mgmt-tunnel: seed 004's management tunnel (etc/mgmt-tunnel.conf) with a
# machine certificate.  etc/mgmt-tunnel.conf passes `sslvpnd -t` (its files
# replaced by the lab's); the login lists the vpn-mgmt profile with the
# SHA-1 of its file; split routes by default; the tunnel-all group pushes
# ManagementTunnelAllAllowed in X-CSTP-Post-Auth-XML; HSTS on the replies;
# the profile URI without the session cookie is a 404 without body.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect -c MIC /mgmt[all]  |===443===>| sslvpnd -f -c mgmt.conf       |
#   | v-cli 198.18.0.2/30 ---------- veth ----- | v-srv 198.18.0.1/30           |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
prof="$TMPD/anyconnect_mgmt_profile.vpnm"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<AnyConnectProfile xmlns="http://schemas.xmlsoap.org/encoding/"><ServerList><HostEntry><HostName>AnyConnect_MGMT_Tunnel</HostName><HostAddress>asa.example.com</HostAddress></HostEntry></ServerList></AnyConnectProfile>\n' >"$prof"
sha=$(sha1sum "$prof" | cut -d' ' -f1 | tr a-f A-F)

# The example as shipped, with the lab's files, the test's state and host.
conf="$TMPD/mgmt.conf"
sed -e "s|/etc/sslvpnd/root-ca.pem|$STATE/trust|" \
    -e "s|enrollment = \"terminal\";|enrollment = \"terminal\";|" \
    -e "s|/etc/sslvpnd/anyconnect_mgmt_profile.vpnm|$prof|" \
    -e "s|general = { workers = 1; };|general = { workers = 1; state-dir = \"$STATE\"; };|" \
    -e "s|destination = \"syslog\"|destination = \"stderr\"|" \
    -e "s|https://asa.example.com/AnyConnect_MGMT_Tunnel enable|https://$SRV_IP/mgmt enable|" \
    -e "s|https://asa.example.com/AnyConnect_MGMT_TunnelAll enable|https://$SRV_IP/mgmtall enable|" \
    -e "s|198.18.1.0 255.255.255.0|$BEHIND_IP 255.255.255.255|" \
    "$top_srcdir/etc/mgmt-tunnel.conf" >"$conf.seed"
# The test adds a user profile to the tunnel-all group (the seed has none):
# openconnect fetches only service-type user profiles (its auth.c).
uprof="$TMPD/user_profile.xml"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<AnyConnectProfile xmlns="http://schemas.xmlsoap.org/encoding/"><ServerList><HostEntry><HostName>user</HostName><HostAddress>%s</HostAddress></HostEntry></ServerList></AnyConnectProfile>\n' "$SRV_IP" >"$uprof"
usha=$(sha1sum "$uprof" | cut -d' ' -f1 | tr a-f A-F)
awk -v up="$uprof" '
	/^anyconnect_profiles = / { sub(/\( \{/, "( { name = \"User\"; file = \"" up "\"; }, {") }
	/anyconnect-custom = \[ "ManagementTunnelAllAllowed value true" \];/ { all = 1 }
	all && /anyconnect-profiles = / { sub(/\[ "AnyConnect_MGMT_Profile type vpn-mgmt" \]/,
		"[ \"AnyConnect_MGMT_Profile type vpn-mgmt\", \"User type user\" ]"); all = 0 }
	{ print }' "$conf.seed" >"$conf"
grep -q '"User type user"' "$conf" || fail "test config: user profile not added"
# Every self-contained example of etc/ (etc/sslvpnd.conf names the
# operator's own certificate files, so it cannot pass -t here).
for f in "$top_srcdir"/etc/mgmt-tunnel.conf; do
	c="$TMPD/$(basename "$f").checked"
	sed -e "s|/etc/sslvpnd/root-ca.pem|$STATE/trust|" \
	    -e "s|/etc/sslvpnd/anyconnect_mgmt_profile.vpnm|$prof|" "$f" >"$c"
	timeout 10 "$SSLVPND" -t -c "$c" --state-dir "$STATE" >"$TMPD/t.out" 2>&1 ||
		{ cat "$TMPD/t.out"; fail "etc/$(basename "$f") does not pass sslvpnd -t"; }
	ok "etc/$(basename "$f") passes sslvpnd -t"
done
grep -q 'cache: not applicable on sslvpnd' "$TMPD/t.out" || fail "no not-applicable notice for cache"
ok "not-applicable notice names cache"

start_sslvpnd -c "$conf"

# show running-config prints the seed's lines back in ASA form.
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
ctl() { timeout -k 2 10 "$CTL" --socket "$STATE/ctl.sock" "$@"; }
web=$(ctl show running-config webvpn) || fail "show running-config webvpn: $web"
for l in ' anyconnect-custom-attr ManagementTunnelAllAllowed description ManagementTunnelAllAllowed' \
	' anyconnect image disk0:/anyconnect-win-4.8.02045-webdeploy-k9.pkg 1' \
	" anyconnect profiles AnyConnect_MGMT_Profile $prof" \
	'anyconnect-custom-data ManagementTunnelAllAllowed true true'; do
	printf '%s\n' "$web" | grep -qxF -- "$l" || fail "show running-config webvpn lacks '$l': $web"
done
ok "show running-config webvpn: profiles, custom attribute and data in ASA form"
gp=$(ctl show running-config group-policy AnyConnect_MGMT_TunnelAll) || fail "show run group-policy: $gp"
for l in '  anyconnect profiles value AnyConnect_MGMT_Profile type vpn-mgmt' \
	'  anyconnect-custom ManagementTunnelAllAllowed value true'; do
	printf '%s\n' "$gp" | grep -qxF -- "$l" || fail "show running-config group-policy lacks '$l': $gp"
done
ok "show running-config group-policy: anyconnect profiles / anyconnect-custom lines"

# 1. The split management tunnel: vpn-mgmt profile listed, split routes.
oc_connect m "${SERVER_URL}mgmt" -c "$cert" -k "$key" --dump-http-traffic ||
	fail "management tunnel did not come up"
grep -q "service-type=\"vpn-mgmt\"><uri>/CACHE/stc/profiles/AnyConnect_MGMT_Profile</uri><hash type=\"sha1\">$sha</hash>" \
	"${OC_LOG[m]}" || fail "manifest does not list the vpn-mgmt profile with the file's SHA-1 $sha"
ok "manifest lists AnyConnect_MGMT_Profile with SHA-1 $sha"
grep -q 'Strict-Transport-Security: max-age=31536000; includeSubDomains' "${OC_LOG[m]}" ||
	fail "no HSTS header"
ok "HSTS header on the login replies"
assert_eq 1 "$(oc_env m CISCO_SPLIT_INC)" "one split-include route by default"
grep -q 'X-CSTP-Post-Auth-XML' "${OC_LOG[m]}" && fail "custom attribute pushed on the split policy"
oc_stop m

# 2. The tunnel-all variant: ManagementTunnelAllAllowed reaches the client.
printf '<old/>\n' >"$TMPD/fetched.xml"
oc_connect a "${SERVER_URL}mgmtall" -c "$cert" -k "$key" --xmlconfig "$TMPD/fetched.xml" ||
	fail "tunnel-all management tunnel"
# openconnect 9 fetched the user profile itself (with its cookie) and
# checked it against the manifest's SHA-1 before writing it.
wait_for 5 "profile written" cmp -s "$uprof" "$TMPD/fetched.xml" ||
	fail "openconnect did not fetch the user profile: $(grep -i 'profile\|config' "${OC_LOG[a]}" | tail -n 5)"
ok "openconnect --xmlconfig fetched the user profile (SHA-1 $usha)"
# openconnect -v elides the header's value: it shows that it got one.
grep -q 'X-CSTP-Post-Auth-XML: <elided>' "${OC_LOG[a]}" ||
	fail "openconnect did not receive X-CSTP-Post-Auth-XML"
ok "openconnect received X-CSTP-Post-Auth-XML"
assert_eq "" "$(oc_env a CISCO_SPLIT_INC)" "no split-include: all routes"
oc_stop a
# ... and what it holds, on a CONNECT of our own with a session's cookie.
oc_authenticate a2 "${SERVER_URL}mgmtall" -c "$cert" -k "$key"
[ -n "$OC_COOKIE" ] || fail "no cookie for the tunnel-all group"
ck=${OC_COOKIE##*webvpn=}   # openconnect 9 may print its STRAP key first
printf 'CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: %s\r\nCookie: webvpn=%s\r\nX-CSTP-Version: 1\r\n\r\n' \
	"$SRV_IP" "$ck" >"$TMPD/connect.req"
raw_https connect "$TMPD/connect.req"
assert_eq 200 "$RAW_STATUS" "CONNECT with the session cookie"
grep -q '^X-CSTP-Post-Auth-XML: <?xml version="1.0" encoding="UTF-8"?><config-auth client="vpn" type="complete" aggregate-auth-version="2"><config client="vpn" type="private"><opaque is-for="vpn-client"><custom-attr><ManagementTunnelAllAllowed><!\[CDATA\[true\]\]></ManagementTunnelAllAllowed></custom-attr></opaque></config></config-auth>' \
	"$RAW_REPLY" || fail "X-CSTP-Post-Auth-XML does not carry ManagementTunnelAllAllowed=true"
ok "X-CSTP-Post-Auth-XML carries ManagementTunnelAllAllowed=true"

# 3. The profile URI, on a connection of its own: the session cookie gets
# the file (its SHA-1 the manifest's); no cookie, a wrong cookie or a
# profile the session is not offered: 404 without body.
get_profile() { # NAME PROFILE [COOKIE]
	printf 'GET /CACHE/stc/profiles/%s HTTP/1.1\r\nHost: %s\r\n%s\r\n' "$2" "$SRV_IP" \
		"${3:+Cookie: webvpn=$3$'\r\n'}" >"$TMPD/$1.req"
	raw_https "$1" "$TMPD/$1.req"
}
get_profile withck AnyConnect_MGMT_Profile "$ck"
assert_eq 200 "$RAW_STATUS" "profile with the session cookie"
got=$(sed '1,/^\r$/d' "$RAW_REPLY" | sha1sum | cut -d' ' -f1 | tr a-f A-F)
assert_eq "$sha" "$got" "downloaded profile's SHA-1"
for c in none wrong other; do
	case $c in
	none) get_profile "p$c" AnyConnect_MGMT_Profile ;;
	wrong) get_profile "p$c" AnyConnect_MGMT_Profile "${ck%?}x" ;;
	other) get_profile "p$c" ../../etc/passwd "$ck" ;;
	esac
	assert_eq 404 "$RAW_STATUS" "profile GET ($c)"
	grep -q 'AnyConnectProfile\|root:' "$RAW_REPLY" && fail "bytes served ($c)"
	grep -qi '^Content-Length: 0' "$RAW_REPLY" || fail "404 with a body ($c)"
done
ok "no profile bytes without the session's cookie"

# 4. Reload: a changed profile file is read again (a new worker generation
# serves the new bytes, the manifest names the new SHA-1); a missing one is
# a file:line error and the running generation stays.
printf '<!-- v2 -->\n' >>"$prof"
sha2=$(sha1sum "$prof" | cut -d' ' -f1 | tr a-f A-F)
ctl reload >"$TMPD/reload1.out" 2>&1 || fail "reload with a changed profile: $(cat "$TMPD/reload1.out")"
# the new bytes are the new worker generation's: until it serves (100513),
# a connection may still reach the old one (seen under ASan)
wait_for 20 "the generation 2 worker is ready" log_has 100513 'generation 2 is serving' ||
	fail "no 100513 for generation 2"
oc_authenticate r2 "${SERVER_URL}mgmt" -c "$cert" -k "$key" --dump-http-traffic
grep -q "<hash type=\"sha1\">$sha2</hash>" "$TMPD/r2.auth.err" "$OC_AUTH_OUT" ||
	fail "after reload the manifest does not name the new SHA-1 $sha2"
ok "reload: the manifest names the changed profile's SHA-1 $sha2"
mv "$prof" "$prof.gone"
ctl reload >"$TMPD/reload2.out" 2>&1 && fail "reload with a missing profile file succeeded"
pline=$(grep -n 'file = "'"$(re "$prof")"'"' "$conf" | cut -d: -f1)
grep -q "^$(re "$conf"):$pline: anyconnect profile \"AnyConnect_MGMT_Profile\": file $(re "$prof"): No such file or directory" \
	"$TMPD/reload2.out" || fail "reload output lacks $conf:$pline: $(cat "$TMPD/reload2.out")"
ok "reload with a missing profile: refused with $conf:$pline"
mv "$prof.gone" "$prof"
assert_server_alive
echo "PASS: $T_NAME"
