#!/bin/bash
# t-rollover: identity certificate rollover without an outage (seed 000,
# steps 1-10).  A second identity trustpoint NEW is enrolled while OLD
# serves; both hashes are exported (certhash OLD NEW: certHash1/2 for the
# phones); `ssl trust-point` is switched to NEW by a configuration reload.
#   - openconnect "a", connected before with --servercert pinned to OLD,
#     keeps pinging across the switch (its TLS/DTLS state is untouched);
#   - a new openconnect pinned to NEW connects;
#   - a new openconnect pinned to OLD is refused after the switch.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | oc "a" --servercert OLD  tunA  |===443===>| sslvpnd -f -c roll.conf       |
#   |   ping -i 0.2 198.18.1.1       |          |   trust-point OLD -> NEW      |
#   | oc "b" --servercert NEW  tunB  |===443===>|   (sslvpnctl reload)          |
#   | oc --authenticate, pin OLD  -X-|---443--->|                               |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init

conf="$TMPD/roll.conf"
write_conf() { # TRUSTPOINT of interface outside
	cat >"$conf.tmp" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; trustpoint = "$1"; } );
trustpoints = (
  { name = "OLD"; enrollment = "self"; subject-name = "CN=vpn.lab.example,O=LAB 2025"; },
  { name = "NEW"; enrollment = "self"; subject-name = "CN=vpn.lab.example,O=LAB 2026"; },
  { name = "MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; }
);
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
	mv "$conf.tmp" "$conf"
}
ctl_ok() { # ARGS...: sslvpnctl on the daemon's socket, must succeed; output in CTL_OUT
	CTL_OUT="$TMPD/ctl.out"
	timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$CTL_OUT" 2>&1 ||
		fail "sslvpnctl $*: $(cat "$CTL_OUT")"
}
hex_field() { sed -n 's/^  SHA-1 (hex): *//p' "$CTL_OUT" | sed -n "${1}p" | tr -d :; }
cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"

# Steps 1-4: OLD serves; NEW is enrolled on the running headend and both
# hashes are exported for CUCM.
write_conf OLD
start_sslvpnd -c "$conf"
OLD_SHA1=$SERVER_CERT_SHA1
ctl_ok crypto ca enroll NEW
ctl_ok certhash OLD NEW
assert_eq "$OLD_SHA1" "$(hex_field 1)" "certhash OLD = the certificate served now"
NEW_SHA1=$(hex_field 2)
assert_match "$NEW_SHA1" '^[0-9A-F]{40}$' "certhash NEW"
assert_ne "$OLD_SHA1" "$NEW_SHA1" "NEW is another certificate"
grep -q '<certHash2>' "$CTL_OUT" || fail "certhash OLD NEW: no certHash2 for the phones"

# A phone pinned to OLD, pinging in the background across the switch.
SERVER_CERT_SHA1=$OLD_SHA1
oc_connect a "$SERVER_URL" -c "$cert" -k "$key" || fail "openconnect pinned to OLD: no tunnel"
assert_ping a
ip netns exec "$NS_CLI" ping -n -i 0.2 -W 1 -w 40 "$BEHIND_IP" >"$TMPD/bg.ping" 2>&1 &
bg_ping=$!
track_pid "$bg_ping"
wait_for 5 "background ping answered" grep -q 'bytes from' "$TMPD/bg.ping" ||
	fail "background ping through tunnel a gets no answer"

# Step 5-6: ssl trust-point NEW outside, by a configuration reload.
write_conf NEW
ctl_ok reload
assert_log 100510 'reloaded' "100510: configuration reloaded"
wait_for 10 "new handshakes served by NEW" sh -c \
	"timeout -k 1 5 ip netns exec '$NS_CLI' openssl s_client -connect '$SRV_IP:443' </dev/null 2>/dev/null |
	 openssl x509 -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | grep -qx '$NEW_SHA1'" ||
	fail "after the reload new handshakes do not get NEW"
ok "new handshakes get the NEW certificate"

# The old session kept pinging: 10 more echoes after the switch, and at
# most one lost overall (the one in flight at SIGINT).
at_switch=$(grep -c 'bytes from' "$TMPD/bg.ping")
echoes_after() { [ "$(grep -c 'bytes from' "$TMPD/bg.ping")" -ge $((at_switch + 10)) ]; }
wait_for 10 "10 echoes after the switch" echoes_after ||
	fail "background ping stalled after the switch: $(tail -n 2 "$TMPD/bg.ping")"
kill -INT "$bg_ping"
wait "$bg_ping"
stats=$(grep 'packets transmitted' "$TMPD/bg.ping")
sent=$(printf '%s\n' "$stats" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
got=$(printf '%s\n' "$stats" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
note "background ping: $stats"
if [ -z "$sent" ] || [ -z "$got" ]; then
	fail "no ping statistics: $(tail -n 3 "$TMPD/bg.ping")"
fi
[ $((sent - got)) -le 1 ] ||
	fail "session pinned to OLD disturbed by the switch: lost $((sent - got)) of $sent echoes"
ok "session pinned to OLD kept pinging across the switch ($got/$sent)"
pid_alive "${OC_PID[a]}" || fail "openconnect a exited"

# Step 7-9: a phone with the new hash connects; one with only the old hash
# is refused by its own pin check.
SERVER_CERT_SHA1=$NEW_SHA1
oc_connect b "$SERVER_URL" -c "$cert" -k "$key" || fail "openconnect pinned to NEW: no tunnel"
assert_ping b
SERVER_CERT_SHA1=$OLD_SHA1
oc_authenticate pinned-old "$SERVER_URL" -c "$cert" -k "$key"
assert_fails "$OC_AUTH_RC" "openconnect pinned to OLD after the switch"
assert_eq "" "$OC_COOKIE" "no cookie for a client pinned to OLD after the switch"
grep -q -i 'certificate\|fingerprint' "$TMPD/pinned-old.auth.err" ||
	fail "openconnect pinned to OLD did not fail on the server certificate: $(tail -n 3 "$TMPD/pinned-old.auth.err")"
ok "openconnect pinned to OLD refused the NEW certificate"

# Tunnel a still carries traffic (the route follows the last tunnel: point it back).
ns_cli ip route replace "$BEHIND_IP/32" dev "${OC_TUNDEV[a]}"
assert_ping a
assert_server_alive
oc_stop b
oc_stop a
echo "PASS: $T_NAME"
