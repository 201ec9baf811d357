#!/bin/bash
# t-ban: per-source bans (S10).  The client namespace has four source
# addresses; the route to the server picks which one a client uses.
#   A 198.18.2.2   20 wrong passwords (openconnect) -> banned (100720): its
#                  next TCP connection is closed before any TLS byte
#                  (100723), openconnect fails; show ip bans (text, JSON);
#                  clear ip ban A (100722, 111008) lets it back in
#   B 198.18.0.2   meanwhile logs in with the right password, tunnel, ping
#   C 198.18.2.6   20 CONNECTs with made-up webvpn cookies -> banned
#   D 198.18.2.10  an 8861 phone (sslvpn-phone, password): 19 wrong logins,
#                  1 right one (score reset), 19 wrong again -> never
#                  banned, still served
#   E 198.18.2.14  10 malformed requests (2 points each, reported by the
#                  worker) -> banned; its DTLS datagrams are dropped (100723)
#   F 198.18.2.18  20 handshakes with a self-signed client certificate
#                  (reported by the worker) -> banned
#   then a reload to bans.duration = 3: E banned again, its ban expires
#   (100721) and E is served again
#
#   client ns svd-c-$$                              server ns svd-s-$$
#   +------------------------------------+          +---------------------------+
#   | openconnect / openssl s_client     |===443===>| sslvpnd -f -c ban.conf    |
#   | v-cli 198.18.0.2/30 (B)            |          |  default bans: 20 points  |
#   |       198.18.2.2, .6, .10, .14/32  |--veth----| v-srv 198.18.0.1/30       |
#   |  route to 198.18.0.1 src = A..E    |          |  routes to 198.18.2.x/32  |
#   +------------------------------------+          +---------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-phone.sh"

PASS='ban-test pass 7'
A=198.18.2.2
C=198.18.2.6
D=198.18.2.10
E=198.18.2.14
F=198.18.2.18
# The watchdog's budget scales with the work.  The test is serial: about
# 145 client runs (23 openconnect, 39 phones, 60 s_client, 10 probes, 12
# sslvpnctl) costing ~14 s of CPU in all (user+sys, with the server's
# share), plus ~40 s of fixed waits (6 probes that wait 3 s for a close,
# secmod's 10 s token, a 3 s ban).  Idle, it takes ~55 s; on 2 cores at a
# load average of 34 a serial step gets about 1/17 of a core, so each run
# may take ~2 s.  Under load the old 90 s stopped it in a login.
CLIENT_RUNS=145
LIB_DEADLINE=$((45 + 2 * CLIENT_RUNS))

lib_init
phone_init
pki_ensure
netns_setup
state_init

for x in $A $C $D $E $F; do
	ip -n "$NS_CLI" addr add "$x/32" dev v-cli || fail "client address $x"
	ip -n "$NS_SRV" route add "$x/32" dev v-srv || fail "server route to $x"
done
# src_use ADDR: new connections to the server leave from ADDR.
src_use() {
	ip -n "$NS_CLI" route replace "$SRV_IP/32" dev v-cli src "$1" ||
		fail "route to $SRV_IP from $1"
	note "client source address now $1"
}

printf '%s\n' "$PASS" >"$TMPD/pw"
printf 'wrong\n' >"$TMPD/wrong"
hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "sslvpnd --hash-password failed"
conf="$TMPD/ban.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
trustpoints = ( { name = "lab"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication = "aaa"; },
                  { name = "phones"; address-pool = "staff"; authentication = "aaa";
                    group-url = ["$PHONE_URL"]; } );
users = ( { name = "alice"; password = "$hash"; } );
CONF
# The defaults are the ones under test (threshold 20, window 600 s, ban
# 300 s); a value out of range is refused with file:line.
printf 'bans = {\n  threshold = -1;\n  duration = 0;\n};\n' >"$TMPD/badban.conf"
out=$("$SSLVPND" -t -c "$TMPD/badban.conf" --state-dir "$STATE" 2>&1)
assert_fails $? "sslvpnd -t with bad bans values"
assert_match "$out" "badban.conf:2: bans: threshold: -1 is out of range 0\.\.100000" "file:line for threshold"
assert_match "$out" "badban.conf:3: bans: duration: 0 is out of range 1\.\.604800" "file:line for duration"
start_sslvpnd -c "$conf"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
[ -x "$CTL" ] || hard_error "$CTL not built"
SOCK="$STATE/ctl.sock"
CTL_OUT="$TMPD/ctl.out"
CTL_ERR="$TMPD/ctl.err"
ctl_ok() {
	timeout -k 2 15 "$CTL" --socket "$SOCK" "$@" >"$CTL_OUT" 2>"$CTL_ERR" ||
		fail "sslvpnctl $*: exit $?: $(cat "$CTL_ERR")"
}
jq_py() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$CTL_OUT" "$1"
}

# wrong_logins N TAG: N openconnect logins with a wrong password.
wrong_logins() {
	local i
	for ((i = 1; i <= $1; i++)); do
		OC_STDIN="$TMPD/wrong" oc_authenticate "$2-$i" "$SERVER_URL" --user alice \
			--passwd-on-stdin >/dev/null
		[ -z "$OC_COOKIE" ] || fail "$2-$i: a cookie for a wrong password"
	done
}

# probe NAME: open a TCP connection to 443 from the current source, send
# nothing, and report what the server did within 3 s: "closed" (EOF or
# reset before any byte: refused before TLS) or "open" (the server waits
# for the ClientHello, as for any unbanned client).
probe() {
	ns_cli python3 - "$SRV_IP" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 443), timeout=3)
try:
    data = s.recv(1)
    print("closed" if data == b"" else "data")
except ConnectionResetError:
    print("closed")
except socket.timeout:
    print("open")
PY
}

# 1. A: 19 wrong passwords leave it unbanned, the 20th bans it.
src_use $A
wrong_logins 19 a
assert_no_log 100720 "source $(re $A) banned" "A not banned after 19 wrong passwords"
assert_eq open "$(probe)" "A still served after 19 wrong passwords"
wrong_logins 1 a20
assert_log 100720 "source $(re $A) banned for 300 seconds: score 20 reached bans.threshold 20 \(last: wrong password\)" \
	"100720: A banned at the 20th wrong password"

# 2. A's new connections are closed before any TLS byte; openconnect fails.
assert_eq closed "$(probe)" "A's TCP connection closed at accept"
assert_log 100723 "1 TCP connection\(s\) from banned source $(re $A) refused" \
	"100723: refusal of A logged"
OC_STDIN="$TMPD/pw" oc_authenticate a-banned "$SERVER_URL" --user alice --passwd-on-stdin
assert_fails "$OC_AUTH_RC" "openconnect from banned A, right password"
assert_eq "" "$OC_COOKIE" "no cookie for banned A"

# 3. B, another address of the same client, logs in and pings.
src_use "$CLI_IP"
assert_eq open "$(probe)" "B served while A is banned"
OC_STDIN="$TMPD/pw" oc_connect b "$SERVER_URL" --user alice --passwd-on-stdin ||
	fail "B: no tunnel while A is banned"
assert_ping b
oc_stop b

# 4. show ip bans, text and JSON; the daemon's help and sslvpnctl's usage
# come from one grammar (ctlgram.def) and list both commands.
ctl_ok help
help_d=$(cat "$CTL_OUT")
help_c=$("$CTL" --help | sed -n '/^commands:$/,$p' | tail -n +2 | sed 's/^  //')
assert_eq "$help_d" "$help_c" "daemon help = sslvpnctl usage"
grep -q '^show ip bans ' "$CTL_OUT" || fail "help does not list show ip bans"
grep -q '^clear ip ban \[A.B.C.D\] ' "$CTL_OUT" || fail "help does not list clear ip ban"
ok "help lists show ip bans and clear ip ban"
ctl_ok show ip bans
assert_match "$(cat "$CTL_OUT")" "$(re $A) +20 +password +0h:0[45]m:[0-9]{2}s" "show ip bans lists A"
ctl_ok --json show ip bans
assert_eq 1 "$(jq_py 'len(d["bans"])')" "one ban in the JSON"
assert_eq "$A 20 password" "$(jq_py '" ".join(str(d["bans"][0][k]) for k in ("address", "score", "cause"))')" \
	"JSON: A, score 20, cause password"
rem=$(jq_py 'd["bans"][0]["remaining"]')
[ "$rem" -ge 240 ] && [ "$rem" -le 300 ] || fail "JSON remaining $rem not within 240..300"
ok "JSON remaining $rem s"
assert_match "$(jq_py 'd["bans"][0]["refused"]')" '^[1-9][0-9]*$' "JSON counts A's refusals"

# 5. C: made-up cookies at CONNECT, 20 of them ban it.
src_use $C
for ((i = 1; i <= 20; i++)); do
	bogus=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
	printf 'CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: %s\r\nUser-Agent: Open AnyConnect VPN Agent v9.01\r\nCookie: webvpn=%s\r\nX-CSTP-Version: 1\r\n\r\n' \
		"$SRV_IP" "$bogus" >"$TMPD/cookie.req"
	raw_https "cookie-$i" "$TMPD/cookie.req" >/dev/null
	[ "$RAW_STATUS" = 401 ] || fail "made-up cookie $i: status '$RAW_STATUS', expected 401"
done
assert_log 100720 "source $(re $C) banned for 300 seconds: score 20 .*\(last: unknown cookie\)" \
	"100720: C banned for cookie guesses"
assert_eq closed "$(probe)" "C's TCP connection closed at accept"

# 6. D, an 8861 phone with a password (sslvpn-phone): 19 wrong logins,
# one good (the score resets), 19 wrong again: never banned.
src_use $D
phone_try() { # NAME PASSWORD EXPECTED-RC
	run_phone "$1" -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
		--auth-method 0 --username alice --password "$2" --hold 1 >/dev/null
	[ "$PHONE_RC" -eq "$3" ] || fail "phone $1: exit $PHONE_RC, expected $3"
}
for ((i = 1; i <= 19; i++)); do phone_try "d-$i" wrong-pw 15; done
# secmod checks at most 6 passwords at once for one user from one address,
# then one every 10 s (100705): the right password gets through once a
# token is back, as a phone's own retry after its back-off would.
sleep 10.5
phone_try d-good "$PASS" 0
ok "the phone logs in after 19 failures"
for ((i = 1; i <= 19; i++)); do phone_try "d2-$i" wrong-pw 15; done
assert_no_log 100720 "source $(re $D) banned" "D never banned (38 failures, a login in between)"
assert_eq open "$(probe)" "D still served"

# 7. E: malformed requests weigh 2 (the worker reports them): 10 ban.
src_use $E
for ((i = 1; i <= 10; i++)); do
	printf 'GARBAGE\r\n\r\n' >"$TMPD/garbage.req"
	raw_https "garbage-$i" "$TMPD/garbage.req" >/dev/null
	[ "$RAW_STATUS" = 400 ] || fail "garbage $i: status '$RAW_STATUS', expected 400"
done
assert_log 100720 "source $(re $E) banned for 300 seconds: score 20 .*\(last: malformed request\)" \
	"100720: E banned for malformed requests"

# E's DTLS datagrams (a ClientHello or anything) are dropped before the
# session lookup.
ns_cli python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 0))
s.sendto(bytes([0x16, 0xfe, 0xff]) + bytes(60), (sys.argv[1], 443))' "$SRV_IP" $E ||
	fail "UDP datagram from E"
wait_for 5 "100723 for E's DTLS datagram" log_has 100723 "DTLS ClientHello\(s\) from banned source $(re $E)" ||
	fail "no 100723 for E's DTLS datagram"
ok "100723: E's DTLS datagram dropped"

# 7b. F: client certificates that fail verification (self-signed).
pki_bad selfsigned
src_use $F
for ((i = 1; i <= 20; i++)); do
	printf 'GET / HTTP/1.1\r\nHost: %s\r\n\r\n' "$SRV_IP" >"$TMPD/cert.req"
	raw_https "cert-$i" "$TMPD/cert.req" -cert "$BAD_CERT" -key "$BAD_KEY" >/dev/null
done
assert_log 717009 "Certificate validation failed" "717009: F's certificate refused"
assert_log 100720 "source $(re $F) banned for 300 seconds: score 20 .*\(last: bad client certificate\)" \
	"100720: F banned for bad certificates"
assert_eq closed "$(probe)" "F's TCP connection closed at accept"

# 8. clear ip ban A: A is back; clear ip ban (all) lifts C and E.
ctl_ok clear ip ban $A
assert_match "$(cat "$CTL_OUT")" '^INFO: 1 ban\(s\) cleared' "clear ip ban A clears one"
assert_log 100722 "source $(re $A) no longer banned: cleared by root \([0-9]+ connections refused\)" \
	"100722: A cleared by root"
assert_log 111008 "User 'root' executed the 'clear ip ban $(re $A)' command" "111008: clear audited"
src_use $A
assert_eq open "$(probe)" "A served again after clear ip ban"
OC_STDIN="$TMPD/pw" oc_authenticate a-back "$SERVER_URL" --user alice --passwd-on-stdin
assert_rc 0 "$OC_AUTH_RC" "A logs in after clear ip ban"
ctl_ok --json clear ip ban
assert_eq 3 "$(jq_py 'd["cleared"]')" "clear ip ban lifts the three others"
src_use $C
assert_eq open "$(probe)" "C served again"
ctl_ok --json show ip bans
assert_eq 0 "$(jq_py 'len(d["bans"])')" "no ban left"
timeout -k 2 15 "$CTL" --socket "$SOCK" clear ip ban not-an-address >"$CTL_OUT" 2>"$CTL_ERR"
assert_fails $? "clear ip ban with a bad address"
assert_match "$(cat "$CTL_ERR" "$CTL_OUT")" "not-an-address is not an IP address" "the error names the bad address"

# 9. A reload applies new bans values at once; a ban ends by itself
# (100721) and the address is served again.
sed -i 's/^general = {/bans = { duration = 3; };\ngeneral = {/' "$conf"
ctl_ok reload
assert_log 100510 "the workers stay \(nothing they load changed\)" \
	"a change of bans alone keeps the workers (main-only section)"
G=$E
src_use $G
for ((i = 1; i <= 10; i++)); do
	printf 'GARBAGE\r\n\r\n' >"$TMPD/garbage.req"
	raw_https "garbage2-$i" "$TMPD/garbage.req" >/dev/null
done
assert_log 100720 "source $(re $G) banned for 3 seconds" "100720: a 3 s ban after the reload"
assert_eq closed "$(probe)" "G refused during its 3 s ban"
wait_for 8 "100721 for G" log_has 100721 "source $(re $G) no longer banned: the ban expired \([1-9][0-9]* connections refused\)" ||
	fail "no 100721 when G's ban ended"
ok "100721: G's ban expired"
assert_eq open "$(probe)" "G served again after its ban expired"

assert_server_alive
echo "PASS: $T_NAME"
