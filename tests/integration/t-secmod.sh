#!/bin/bash
# t-secmod: password checks run in sslvpnd-secmod, which main restarts.
# A password login works through secmod (100700 started, 100701 users
# loaded); secmod runs unprivileged.  secmod killed with SIGKILL while
# alice's tunnel runs: main logs 100702, starts a new one that gets the
# users and the TLS private keys again (100712), the tunnel keeps carrying
# traffic, the next password login works and new handshakes (signature,
# RSA key exchange) are served by the new secmod over new key channels.
# A stopped (SIGSTOP) secmod: a new login's handshake waits, paused, and
# fails (100714) when main replaces that secmod or after 10 s; main still
# answers sslvpnctl and tunnels run;
# main replaces the secmod that answers no ping for 10 s (100707), the next
# login works.  One username tried too fast: 100705 and logins refused
# unchecked (113015).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --user alice  tunN |===443===>| sslvpnd -f -c secmod.conf     |
#   |   password on stdin            |          |   sslvpnd-secmod (scrypt)     |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

PASS='s3cm0d pass'
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
LIB_DEADLINE=120
lib_init
pki_ensure
netns_setup
state_init

printf '%s\n' "$PASS" >"$TMPD/pw"
printf '%s\n' 'not the password' >"$TMPD/wrong"
hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "sslvpnd --hash-password failed"

conf="$TMPD/secmod.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication = "aaa"; } );
users = ( { name = "alice"; password = "$hash"; },
          { name = "bob"; password = "$hash"; } );
CONF
start_sslvpnd -c "$conf"

# secmod_pid N: the pid of the Nth secmod main started (100700).
secmod_pid() {
	log_lines 100700 | sed -n 's/.*started (pid \([0-9]*\)).*/\1/p' | sed -n "${1}p"
}
# have_secmod N: main has started an Nth secmod (for wait_for: evaluated
# on each try, not once when the command line is built).
have_secmod() { [ -n "$(secmod_pid "$1")" ]; }
# log_count_ge N ID ERE: at least N lines of event ID match ERE (the same).
log_count_ge() { [ "$(log_lines "$2" "$3" | wc -l)" -ge "$1" ]; }
assert_log 100700 'security module sslvpnd-secmod started \(pid [0-9]+\)' "100700: secmod started"
assert_log 100701 'security module: 2 local users loaded' "100701: secmod has the 2 users"
sm1=$(secmod_pid 1)
pid_alive "$sm1" || fail "secmod (pid $sm1) is not running"
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$sm1/status")
assert_ne 0 "$uid" "secmod runs unprivileged (uid $uid)"
assert_eq "$SRV_PID" "$(awk '/^PPid:/ { print $2 }' "/proc/$sm1/status")" "secmod is main's child"
# fds: stdin/stdout/stderr, its channel (3), its log socket to main (4),
# the key channel of the one worker (a socket), then only its event
# loop's own descriptors (anon_inode: epoll, eventfd), nothing main
# inherited.
fds=$(for f in /proc/"$sm1"/fd/*; do
	n=${f##*/}
	[ "$n" -le 4 ] && { echo "$n"; continue; }
	t=$(readlink "$f")
	case $t in anon_inode:*) ;; socket:*) echo "key-channel" ;; *) echo "$n:$t" ;; esac
done | sort -V | xargs)
assert_eq "0 1 2 3 4 key-channel" "$fds" "secmod holds stdin/stdout/stderr, its channel, its log socket, the worker's key channel and its event loop's fds only"
[ "$(readlink "/proc/$sm1/fd/4" | cut -d: -f1)" = socket ] || fail "secmod's fd 4 is not its log socket"
[ "$(readlink "/proc/$sm1/fd/3" | cut -d: -f1)" = socket ] || fail "secmod's fd 3 is not its channel"

# 1. A password login through secmod, and a tunnel that must outlive it.
OC_STDIN="$TMPD/pw" oc_connect a "$SERVER_URL" --user alice --passwd-on-stdin ||
	fail "alice: no tunnel with the right password"
assert_ping a
assert_log 113012 'AAA user authentication Successful : local database : user = alice' \
	"113012: alice checked by secmod"

# 2. secmod killed: logged, restarted, users handed over again.
kill -KILL "$sm1"
assert_log 100702 "security module \\(pid $sm1\\) died: killed by signal 9 .*restarting it" \
	"100702: main saw secmod die"
wait_for 5 "a second secmod" have_secmod 2 || fail "secmod was not restarted"
sm2=$(secmod_pid 2)
assert_ne "$sm1" "$sm2" "a new secmod (pid $sm2)"
pid_alive "$sm2" || fail "the new secmod (pid $sm2) is not running"
wait_for 5 "users in the new secmod" log_count_ge 2 100701 '2 local users' ||
	fail "the new secmod did not get the users (100701)"
ok "the new secmod has the users"
wait_for 5 "keys in the new secmod" log_count_ge 2 100712 '2 private keys' ||
	fail "the new secmod did not get the TLS private keys (100712)"
ok "the new secmod has the TLS private keys"
assert_ping a
pid_alive "${OC_PID[a]}" || fail "alice's openconnect is gone"
ok "alice's tunnel survived secmod's death"

# 3. The next password logins are checked by the new secmod; their TLS
# handshakes are signed by it too (the worker's key channel was replaced:
# SECMOD_CHANNEL), and s_client's RSA key exchange is decrypted by it.
OC_STDIN="$TMPD/pw" oc_authenticate after "$SERVER_URL" --user alice --passwd-on-stdin
assert_eq 0 "$OC_AUTH_RC" "password login after the restart: exit 0"
[ -n "$OC_COOKIE" ] || fail "password login after the restart: no cookie"
ok "password login after the restart: cookie"
out=$(timeout -k 2 8 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:443" -tls1_2 \
	-cipher AES256-SHA </dev/null 2>&1)
assert_match "$(printf '%s\n' "$out" | sed -n 's/^New, .*Cipher is //p' | head -n 1)" '^AES256-SHA$' \
	"an RSA key exchange after secmod's restart (premaster decrypted by the new secmod)"
assert_no_log 100714 '' "no handshake failed for want of a key operation"
OC_STDIN="$TMPD/wrong" oc_authenticate after-bad "$SERVER_URL" --user alice --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "a wrong password is still refused"

# 4. A stopped secmod: a new login's TLS handshake cannot be signed; it
# waits paused (the worker serves the others) and fails (100714) instead of
# hanging: its request times out after 10 s or the channel closes when
# main replaces secmod, whichever comes first (the client's retry may be
# the line logged: "no key channel", 100714 is rate-limited); main sees
# no answer to its pings for 10 s (100707), replaces secmod, and the next
# login works.  Meanwhile main is not blocked: the control socket answers
# and alice's tunnel carries traffic.
kill -STOP "$sm2"
(
	OC_STDIN="$TMPD/pw" oc_authenticate stopped "$SERVER_URL" --user alice --passwd-on-stdin
	printf '%s\n' "$OC_COOKIE" >"$TMPD/stopped.cookie"
) &
bg=$!
track_pid "$bg"
sleep 1
timeout -k 2 10 "$CTL" --socket "$STATE/ctl.sock" show vpn-sessiondb anyconnect >"$TMPD/ctl.out" 2>&1 ||
	fail "sslvpnctl show vpn-sessiondb anyconnect failed while secmod is stopped: $(cat "$TMPD/ctl.out")"
grep -q alice "$TMPD/ctl.out" || fail "show vpn-sessiondb does not list alice: $(cat "$TMPD/ctl.out")"
ok "main answered the control socket while secmod is stopped"
assert_ping a
wait "$bg"
assert_eq "" "$(cat "$TMPD/stopped.cookie")" "no cookie while secmod does not answer"
assert_log 100714 'private key operation failed: (no answer from the security module within 10000 ms|the security module closed the key channel \(restarting\)|no key channel to the security module \(restarting\))' \
	"100714: the handshake failed, naming the silent or replaced secmod"
wait_for 15 "100707" log_has 100707 || fail "main did not replace the stopped secmod (100707)"
assert_log 100707 "security module \\(pid $sm2\\): no answer to main's pings for 10 s" \
	"100707: main killed the hung secmod"
wait_for 5 "a third secmod" have_secmod 3 || fail "secmod was not restarted after 100707"
wait_for 5 "users in the third secmod" log_count_ge 3 100701 '2 local users' ||
	fail "the third secmod did not get the users"
wait_for 5 "keys in the third secmod" log_count_ge 3 100712 '2 private keys' ||
	fail "the third secmod did not get the keys"
OC_STDIN="$TMPD/pw" oc_authenticate third "$SERVER_URL" --user alice --passwd-on-stdin
[ -n "$OC_COOKIE" ] || fail "no password login after the hung secmod was replaced"
ok "password login after the hung secmod was replaced"

# 5. bob tried faster than 6 at once + 1 per 10 s: refused unchecked.
for i in 1 2 3 4 5 6 7 8; do
	OC_STDIN="$TMPD/wrong" oc_authenticate "bob$i" "$SERVER_URL" --user bob --passwd-on-stdin
done
assert_log 100705 'user bob from [0-9.]+ tries passwords faster than 6 a minute; [0-9]+ attempts refused unchecked' \
	"100705: bob rate-limited in secmod"
assert_log 113015 'reason = Too many password attempts for this user : local database : user = bob' \
	"113015: bob's attempt over the rate refused"
OC_STDIN="$TMPD/pw" oc_authenticate bob-ok "$SERVER_URL" --user bob --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "even bob's right password waits for his rate (no cookie)"
OC_STDIN="$TMPD/pw" oc_authenticate alice-ok "$SERVER_URL" --user alice --passwd-on-stdin
[ -n "$OC_COOKIE" ] || fail "alice was limited by bob's guesses (no cookie)"
ok "alice is not limited by bob's guesses"

assert_ping a
# a secmod killed with a paused request unread resets the key channel: the
# worker takes it as a close, it does not die of it
assert_no_log 100004 'worker' "no worker died when secmod was killed or replaced"
assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
