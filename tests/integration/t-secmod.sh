#!/bin/bash
# t-secmod: password checks run in sslvpnd-secmod, which main restarts.
# A password login works through secmod (100700 started, 100701 users
# loaded); secmod runs unprivileged.  secmod killed with SIGKILL while
# alice's tunnel runs: main logs 100702, starts a new one that gets the
# users again, the tunnel keeps carrying traffic and the next password login
# works.  A stopped (SIGSTOP) secmod: while a login waits for it, main
# still answers sslvpnctl and tunnels run; the login is refused after 10 s
# (100707), the secmod restarted, the next login works.  One
# username tried too fast: 100705 and logins refused unchecked (113015).
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
assert_log 100700 'security module sslvpnd-secmod started \(pid [0-9]+\)' "100700: secmod started"
assert_log 100701 'security module: 2 local users loaded' "100701: secmod has the 2 users"
sm1=$(secmod_pid 1)
pid_alive "$sm1" || fail "secmod (pid $sm1) is not running"
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$sm1/status")
assert_ne 0 "$uid" "secmod runs unprivileged (uid $uid)"
assert_eq "$SRV_PID" "$(awk '/^PPid:/ { print $2 }' "/proc/$sm1/status")" "secmod is main's child"
# fds: stdin/stdout/stderr, its channel (3), then only its event loop's
# own descriptors (anon_inode: epoll, eventfd), nothing main inherited.
fds=$(for f in /proc/"$sm1"/fd/*; do
	n=${f##*/}
	[ "$n" -le 3 ] && { echo "$n"; continue; }
	t=$(readlink "$f")
	case $t in anon_inode:*) ;; *) echo "$n:$t" ;; esac
done | sort -n | xargs)
assert_eq "0 1 2 3" "$fds" "secmod holds stdin/stdout/stderr, its channel and its event loop's fds only"
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
wait_for 5 "a second secmod" test -n "$(secmod_pid 2)" || fail "secmod was not restarted"
sm2=$(secmod_pid 2)
assert_ne "$sm1" "$sm2" "a new secmod (pid $sm2)"
pid_alive "$sm2" || fail "the new secmod (pid $sm2) is not running"
wait_for 5 "users in the new secmod" test "$(log_lines 100701 '2 local users' | wc -l)" -ge 2 ||
	fail "the new secmod did not get the users (100701)"
ok "the new secmod has the users"
assert_ping a
pid_alive "${OC_PID[a]}" || fail "alice's openconnect is gone"
ok "alice's tunnel survived secmod's death"

# 3. The next password logins are checked by the new secmod.
OC_STDIN="$TMPD/pw" oc_authenticate after "$SERVER_URL" --user alice --passwd-on-stdin
assert_eq 0 "$OC_AUTH_RC" "password login after the restart: exit 0"
[ -n "$OC_COOKIE" ] || fail "password login after the restart: no cookie"
ok "password login after the restart: cookie"
OC_STDIN="$TMPD/wrong" oc_authenticate after-bad "$SERVER_URL" --user alice --passwd-on-stdin
assert_eq "" "$OC_COOKIE" "a wrong password is still refused"

# 4. A stopped secmod: the waiting login is refused after 10 s, secmod is
# replaced, the next login works.
# Meanwhile main is not blocked: while that login waits, the control
# socket answers and alice's tunnel carries traffic.
kill -STOP "$sm2"
(
	OC_STDIN="$TMPD/pw" oc_authenticate stopped "$SERVER_URL" --user alice --passwd-on-stdin
	printf '%s\n' "$OC_COOKIE" >"$TMPD/stopped.cookie"
) &
bg=$!
track_pid "$bg"
sleep 2
timeout -k 2 10 "$CTL" --socket "$STATE/ctl.sock" show vpn-sessiondb anyconnect >"$TMPD/ctl.out" 2>&1 ||
	fail "sslvpnctl show vpn-sessiondb anyconnect failed while a login waits for secmod: $(cat "$TMPD/ctl.out")"
grep -q alice "$TMPD/ctl.out" || fail "show vpn-sessiondb does not list alice: $(cat "$TMPD/ctl.out")"
assert_ping a
pid_alive "$bg" || fail "the login did not wait for the stopped secmod"
ok "main answered the control socket while a login waited for secmod"
wait "$bg"
assert_eq "" "$(cat "$TMPD/stopped.cookie")" "no cookie while secmod does not answer"
assert_log 100707 "security module \\(pid $sm2\\): no password verdict for 10 s while checks wait" \
	"100707: main killed the hung secmod"
assert_log 113015 'reason = Internal error : local database : user = alice' \
	"113015: the parked login failed cleanly"
wait_for 5 "a third secmod" test -n "$(secmod_pid 3)" || fail "secmod was not restarted after 100707"
wait_for 5 "users in the third secmod" test "$(log_lines 100701 '2 local users' | wc -l)" -ge 3 ||
	fail "the third secmod did not get the users"
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
assert_server_alive
oc_stop a
echo "PASS: $T_NAME"
