#!/bin/bash
# t-aaa-radius: authentication-server-group against a real FreeRADIUS
# started in the server namespace (lib-radius.sh).  openconnect logs in as
# alice: FreeRADIUS accepts the password (PAP, Message-Authenticator on the
# request and required on the reply) and sends Class "OU=radius-policy;"
# and Framed-IP-Address: the session runs on radius-policy (722051) with
# the server's address, not one from the pool (113004 names the server); a
# second session given the same address is refused (100288).
# A wrong password is refused with 113005 and the server's Reply-Message;
# an Access-Challenge reaches openconnect as a response form (100287) and
# its answer, sent back with the State, logs the user in; a DAP record on
# aaa.radius.11 (the Filter-Id) terminates dave;
# a tunnel group whose key differs from the server's gets no valid reply
# (100285: bad Response Authenticator), 113014 and no login; no secret and
# no password appears in main's configuration dump or the log.
#
#   client ns                                server ns
#   openconnect --user alice ===443===>  sslvpnd (main, secmod: RADIUS client)
#                                          | UDP 1812
#                                        FreeRADIUS 198.18.2.1 (lo)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-radius.sh
. "$top_srcdir/tests/integration/lib-radius.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

SECRET='s3cret-Radius-key'
PASS='alice-Pa55 word'
RAD1=198.18.2.1

radius_setup "$RAD1"
phone_init

{
	radius_users_line alice "$PASS" 'Class := "OU=radius-policy;"' \
		'Framed-IP-Address := 198.19.0.37' 'Reply-Message := "Welcome alice"'
	radius_users_line bob 'bob-pass' 'Reply-Message := "Account disabled"' 'Auth-Type := Reject'
	radius_users_line dave 'dave-pass' 'Filter-Id := "QUARANTINE-ACL"'
	radius_users_line erin 'erin-pass' 'Cisco-AVPair += "ip:inacl#1=deny icmp any host 198.18.1.1"' \
		'Cisco-AVPair += "ip:inacl#2=permit ip any any"'
	radius_users_line gus 'gus-pass' 'Cisco-AVPair += "ip:inacl#1=permit bogus any any"'
	radius_users_line hal 'hal-pass' 'Session-Timeout := 4'
} >"$TMPD/users"
# otp: the password, then an Access-Challenge for a one-time code that the
# answer (with the challenge's State) must carry.
RAD_AUTHORIZE='
		if (&User-Name == "otp") {
			if (!&State) {
				if (&User-Password == "otp-first") {
					update reply {
						&Reply-Message := "Enter the code from your token"
						&State := 0x6f74702d7374617465
						&Message-Authenticator := 0x00
					}
					update control {
						&Response-Packet-Type := Access-Challenge
					}
					handled
				}
				reject
			}
			elsif (&State == 0x6f74702d7374617465 && &User-Password == "424242") {
				update control {
					&Auth-Type := Accept
				}
				update reply {
					&Class := "OU=radius-policy;"
				}
				ok
				return
			}
			reject
		}'
radius_start r1 "$RAD1" "$SECRET" "$TMPD/users"
printf '%s\n' "$PASS" >"$TMPD/pw"
printf '%s\n' 'not-it' >"$TMPD/wrong"

conf="$TMPD/radius.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
group_policies = ( { name = "radius-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
aaa_servers = (
	{ name = "RAD"; protocol = "radius";
	  hosts = ( { address = "$RAD1"; key = "$SECRET"; authentication-port = 1812;
		      accounting-port = 1813; timeout = 3; retry-interval = 1; } ); },
	{ name = "BADKEY"; protocol = "radius";
	  hosts = ( { address = "$RAD1"; key = "not-the-key"; authentication-port = 1812;
		      timeout = 2; retry-interval = 1; } ); }
);
access_lists = ( { name = "QUARANTINE-ACL"; type = "extended"; entries = [ "deny ip any any" ]; } );
dynamic_access_policy_records = (
	{ name = "RadiusQuarantine"; action = "terminate"; user-message = "Quarantined by RADIUS";
	  aaa = { criteria = [ "aaa.radius.11 = QUARANTINE-ACL" ]; }; }
);
tunnel_groups = (
	{ name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication = "aaa";
	  authentication-server-group = "RAD"; },
	{ name = "phones"; address-pool = "staff"; authentication = "aaa";
	  authentication-server-group = "RAD"; group-url = "$PHONE_URL"; },
	{ name = "badkey"; address-pool = "staff"; authentication = "aaa";
	  authentication-server-group = "BADKEY"; group-url = "https://$SRV_IP/badkey"; }
);
CONF
"$SSLVPND" -t -c "$conf" --state-dir "$STATE" >/dev/null || fail "radius.conf does not load"
dump=$("$SSLVPND" -T -c "$conf" --state-dir "$STATE")
assert_match "$dump" 'key = "\*\*\*\*\*";' "-T prints the key as *****"
if printf '%s' "$dump" | grep -F -q -- "$SECRET"; then
	fail "-T prints the RADIUS key"
fi
ok "-T never prints the key"
start_sslvpnd -c "$conf"

# 1. alice: accepted by RADIUS, group policy from Class, address from the server.
OC_STDIN="$TMPD/pw" oc_connect a "$SERVER_URL" --user alice --passwd-on-stdin ||
	fail "alice: no tunnel through RADIUS"
assert_log 113004 "AAA user authentication Successful : server = $(re "$RAD1") : user = alice" \
	"113004: FreeRADIUS accepted alice"
assert_log 722051 "Group <radius-policy> User <alice> IP <198\.18\.0\.2> Address <198\.19\.0\.37> assigned" \
	"722051: Class OU=radius-policy; and Framed-IP-Address 198.19.0.37"
assert_eq 198.19.0.37 "${OC_ADDR[a]}" "openconnect got the server's Framed-IP-Address"
assert_ping a
# A second session with the same Framed-IP-Address while the first holds it:
# refused at its CONNECT (100288), the first one untouched.
OC_STDIN="$TMPD/pw" oc_connect a2 "$SERVER_URL" --user alice --passwd-on-stdin &&
	fail "a second session got the Framed-IP-Address in use"
assert_log 100288 'user alice from 198\.18\.0\.2: AAA server 198\.18\.2\.1: login refused: Framed-IP-Address 198\.19\.0\.37 is in use by another session' \
	"100288: the Framed-IP-Address in use is refused"
assert_ping a
oc_stop a

# 2. A wrong password: refused with FreeRADIUS's answer.
OC_STDIN="$TMPD/wrong" oc_authenticate bad "$SERVER_URL" --user alice --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "openconnect with a wrong password"
assert_eq "" "$OC_COOKIE" "no cookie for a wrong password"
assert_log 113005 "AAA user authentication Rejected : reason = .* : server = $(re "$RAD1") : user = alice" \
	"113005: alice's wrong password rejected by the server"
OC_STDIN="$TMPD/wrong" oc_authenticate bob "$SERVER_URL" --user bob --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "no cookie for bob"
assert_log 113005 "reason = Account disabled : server = $(re "$RAD1") : user = bob" \
	"113005 carries the server's Reply-Message"

# DAP sees what the server sent: aaa.radius.11 (Filter-Id) terminates dave.
printf 'dave-pass\n' >"$TMPD/dave"
OC_STDIN="$TMPD/dave" oc_authenticate dave "$SERVER_URL" --user dave --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "DAP terminates dave on aaa.radius.11"
grep -q 'Quarantined by RADIUS' "$TMPD/dave.auth.err" "$TMPD/dave.auth.out" ||
	fail "openconnect did not show the DAP record's user-message"
ok "DAP record on aaa.radius.11 terminated dave with its user-message"

# Cisco-AVPair ip:inacl# entries: erin's own filter drops her ping; gus's
# entry does not parse and his login is refused (100288).
printf 'erin-pass\n' >"$TMPD/erin"
OC_STDIN="$TMPD/erin" oc_connect e "$SERVER_URL" --user erin --passwd-on-stdin || fail "erin: no tunnel"
if ns_cli ping -c 2 -W 1 "$BEHIND_IP" >/dev/null 2>&1; then
	fail "erin's ping passed her ip:inacl# deny entry"
fi
# filter_drops_rx: the session's packets the vpn-filter refused (sessiondb)
drops_of() {
	timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" --json show vpn-sessiondb anyconnect \
		>"$TMPD/sdb.json" 2>/dev/null || { echo -1; return; }
	python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["sessions"]:
    if s["username"] == sys.argv[2] and "SSL-Tunnel" in s["protocol"]:
        print(s["filter_drops_rx"]); break
else:
    print(-1)' "$TMPD/sdb.json" "$1"
}
wait_for 15 "erin's filter drops counted" eval '[ "$(drops_of erin)" -ge 2 ]' ||
	fail "erin's ping was not dropped by her filter (filter_drops_rx $(drops_of erin))"
ok "erin's downloaded entry (deny icmp) drops her ping (filter_drops_rx $(drops_of erin))"
oc_stop e
printf 'gus-pass\n' >"$TMPD/gus"
OC_STDIN="$TMPD/gus" oc_authenticate gus "$SERVER_URL" --user gus --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "gus: an ip:inacl# entry that does not parse refuses the login"
assert_log 100288 'user gus .*login refused: ip:inacl# entry "permit bogus any any"' \
	"100288 names the entry that does not parse"

# Session-Timeout from the server ends hal's session (113019 Max time exceeded).
printf 'hal-pass\n' >"$TMPD/hal"
OC_STDIN="$TMPD/hal" oc_connect h "$SERVER_URL" --user hal --passwd-on-stdin || fail "hal: no tunnel"
wait_for 15 "hal's session timeout" log_has 113019 'Username = hal, .*Reason: Max time exceeded' ||
	fail "the server's Session-Timeout did not end hal's session"
ok "Session-Timeout 4 from the server ended hal's session"
oc_stop h

# 3. Access-Challenge: openconnect gets the server's message and a response
# form (auth id "challenge"); its answer goes back with the State.
printf 'otp-first\n' >"$TMPD/otp"
OC_STDIN="$TMPD/otp" oc_authenticate otp "$SERVER_URL" --user otp --passwd-on-stdin \
	--form-entry challenge:password=424242
assert_ne "" "$OC_COOKIE" "otp: logged in after answering the challenge"
grep -q 'Enter the code from your token' "$TMPD/otp.auth.err" ||
	fail "openconnect did not show the server's challenge message"
ok "openconnect showed the challenge's Reply-Message"
assert_log 100287 'user otp from 198\.18\.0\.2: AAA server 198\.18\.2\.1 sent a challenge: new form sent to the client' \
	"100287: the challenge is logged"
assert_log 113004 "server = $(re "$RAD1") : user = otp" "113004: otp accepted after the challenge"
OC_STDIN="$TMPD/otp" oc_authenticate otpbad "$SERVER_URL" --user otp --passwd-on-stdin \
	--form-entry challenge:password=000000
assert_eq "" "$OC_COOKIE" "otp: a wrong response is refused"

# A phone (SVC flow) through RADIUS: alice logs in; a challenge it cannot
# answer is refused with 100287 saying so.
run_phone ph -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--auth-method 0 --username alice --password "$PASS" --hold 2
assert_rc 0 "$PHONE_RC" "an 8861 with username and password through RADIUS"
run_phone photp -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--auth-method 0 --username otp --password otp-first --hold 2
assert_rc 15 "$PHONE_RC" "a phone facing a challenge: LoginFailed"
assert_log 100287 'user otp from 198\.18\.0\.2: AAA server 198\.18\.2\.1 sent a challenge: a phone cannot answer a challenge: login refused' \
	"100287: the phone's challenge refused with a clear reason"

# 4. A key the server does not share: its replies do not verify.
OC_STDIN="$TMPD/pw" oc_authenticate badkey "https://$SRV_IP/badkey" --user alice --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "no cookie when the key is wrong"
# FreeRADIUS drops a request whose Message-Authenticator does not verify
# with its key (require_message_authenticator): no reply at all, so the
# host is unreachable for this group.
assert_log 113014 'AAA authentication server not accessible : server = BADKEY : user = alice' \
	"113014: no valid answer with the wrong key"

# 5. show running-config aaa-server: the key as *****, never the key.
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show running-config aaa-server >"$TMPD/run.out" ||
	fail "show running-config aaa-server: $(cat "$TMPD/run.out")"
assert_match "$(cat "$TMPD/run.out")" 'aaa-server RAD \(outside\) host 198\.18\.2\.1' \
	"show running-config aaa-server lists the host"
assert_match "$(cat "$TMPD/run.out")" ' key \*\*\*\*\*' "show running-config prints the key as *****"
if grep -F -q -- "$SECRET" "$TMPD/run.out"; then
	fail "show running-config prints the RADIUS key"
fi
ok "show running-config never prints the key"

# 6. No secret and no password in the log.
for p in "$SECRET" "$PASS" 'not-the-key'; do
	if grep -F -q -- "$p" "$SRV_LOG"; then
		fail "the server log contains a secret: $p"
	fi
done
ok "no key and no password in the server log"
assert_server_alive
echo "PASS: $T_NAME"
