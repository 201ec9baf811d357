#!/bin/bash
# t-reload: configuration reload (sslvpnctl reload and SIGHUP) under two live
# tunnels.  A file with errors is refused with every file:line, and nothing
# changes; a valid file adds a tunnel group (group-url /new, its own policy
# and pool), rolls the interface identity from the temporary certificate to
# the lab server certificate (seed 000) and enlarges the pool: a new login
# uses all of it, while both old tunnels (TLS and DTLS, on the old worker
# generation) keep pinging without any reconnect.  SIGHUP runs the same
# reload: shrinking the pool leaves a live lease outside it on the retired
# pool; SIGHUP with errors logs them.  When the old clients leave, the old
# worker drains and stops and the retired pool is freed; a reconnecting
# client keeps the snapshot it was admitted under.  A reload that changes
# only what main decides with (pools, policies) keeps the workers.  A worker restarted after
# the file was edited without a reload refuses to start until the reload.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | oc a (mic-sha2)  tunA  ping -I |===443===>| sslvpnd -f -c reload.conf     |
#   | oc b (mic-sha1)  tunB  ping -I |  TLS+DTLS|  gen 1 worker: a, b           |
#   | oc c (mic-sha2, /new) tunC     |          |  gen 2 worker: c (new cert)   |
#   | sslvpnctl --socket (in srv ns) |          | lo 198.18.1.1/32 (ping target)|
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

LIB_DEADLINE=150
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

# ping_via NAME: three pings bound to client NAME's tun device (the clients
# share one namespace and one route to $BEHIND_IP), counted on that device.
ping_via() {
	local dev=${OC_TUNDEV[$1]} rx0 rx1
	rx0=$(tun_counter "$NS_CLI" "$dev" rx)
	ns_cli ping -c 3 -W 2 -I "$dev" "$BEHIND_IP" >/dev/null 2>&1 ||
		fail "ping $BEHIND_IP through $dev ($1)"
	rx1=$(tun_counter "$NS_CLI" "$dev" rx)
	[ $((rx1 - rx0)) -ge 3 ] || fail "$dev received $((rx1 - rx0)) packets, expected >= 3"
	ok "ping through $dev ($1): replies on $dev +$((rx1 - rx0))"
}

# ctl ARGS...: sslvpnctl (bounded) on this daemon's socket; CTL_RC, CTL_OUT.
ctl() {
	CTL_OUT="$TMPD/ctl.out"
	timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$CTL_OUT" 2>&1
	CTL_RC=$?
	sed 's/^/    | /' "$CTL_OUT"
}

# no_reconnect NAME: openconnect NAME got one CONNECT answer and never
# tried again (a reconnect logs a second CONNECT and "reconnect" lines).
no_reconnect() {
	local log=${OC_LOG[$1]}
	assert_eq 1 "$(grep -c 'Got CONNECT response' "$log")" "openconnect $1: one CONNECT"
	if grep -Ei 'reconnect' "$log" | grep -v '^X-' | grep -q .; then
		fail "openconnect $1 log shows a reconnect: $(grep -Ei 'reconnect' "$log" | head -n 3)"
	fi
	ok "openconnect $1: no reconnect in its log"
}

workers_of() { pgrep -P "$1" sslvpnd-worker | wc -l; }

lib_init
pki_ensure
netns_setup
state_init
cp "$PKI/server/server.pem" "$PKI/server/server.key" "$TMPD/"
conf="$TMPD/reload.conf"

# write_conf RANGE EXTRA-TRUSTPOINTS IFACE-TRUSTPOINT EXTRA-TG EXTRA-POOLS EXTRA-GP
write_conf() {
	cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443;$3 } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; }$2 );
ip_local_pools = ( { name = "phones"; range = "$1"; mask = "255.255.255.0"; }$5 );
group_policies = ( { name = "PhonePolicy"; banner = "generation one"; }$6 );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones";
                    default-group-policy = "PhonePolicy"; authentication = "certificate"; }$4 );
CONF
}

ID_TP=', { name = "LAB-ID"; enrollment = "file"; certificate = "'"$TMPD"'/server.pem"; key = "'"$TMPD"'/server.key"; }'
NEW_TG=', { name = "NewGroup"; default-group-policy = "NewPolicy";
                    authentication = "certificate"; group-url = ["https://'"$SRV_IP"'/new"]; }'
NEW_POOL=', { name = "newpool"; range = "198.19.0.50-198.19.0.60"; mask = "255.255.255.0"; }'
NEW_GP=', { name = "NewPolicy"; banner = "added by reload"; address-pools = [ "newpool" ]; }'

write_conf 198.19.0.10-198.19.0.12 "" "" "" "" ""
# systemd's side of Type=notify: a datagram socket that logs what it gets
# (at most 50 messages, at most LIB_DEADLINE seconds).
NOTIFY_LOG="$TMPD/notify.log"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(float(sys.argv[3]))
with open(sys.argv[2], "a") as f:
    for _ in range(50):
        try:
            f.write(s.recv(4096).decode() + "\n")
        except socket.timeout:
            break
        f.flush()
' "$TMPD/notify.sock" "$NOTIFY_LOG" "$LIB_DEADLINE" &
track_pid $!
wait_for 5 "notify socket" test -S "$TMPD/notify.sock" || fail "notify listener did not start"
export NOTIFY_SOCKET="$TMPD/notify.sock"
start_sslvpnd -c "$conf"
unset NOTIFY_SOCKET
wait_for 5 "READY=1" grep -qx 'READY=1' "$NOTIFY_LOG" || fail "no READY=1 on \$NOTIFY_SOCKET"
ok "sd_notify: READY=1 once listening"
main_pid=$(cat "$TMPD/sslvpnd.pid")
old_sha1=$SERVER_CERT_SHA1

oc_connect a "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "client a: no tunnel"
oc_connect b "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "client b: no tunnel"
assert_eq 'generation one' "$(oc_env a CISCO_BANNER)" "a got PhonePolicy's banner"
wait_for 10 "DTLS of a and b" sh -c "grep -q 'Established DTLS' '${OC_LOG[a]}' &&
	grep -q 'Established DTLS' '${OC_LOG[b]}'" || note "DTLS not up on both (TLS carries them)"
ping_via a
ping_via b
ip_a=${OC_ADDR[a]}
ip_b=${OC_ADDR[b]}
assert_eq 1 "$(workers_of "$main_pid")" "one worker before any reload"

# --- (a) errors: refused, every file:line printed, nothing changes
cp "$conf" "$TMPD/good.conf"
write_conf 198.19.0.10-198.19.0.12 "" "" "$NEW_TG" "" ""
sed -i 's/authentication = "certificate"; group-url/authentication = "certficate"; group-url/' "$conf"
bad_line=$(grep -n 'NewGroup' "$conf" | cut -d: -f1)
printf 'bogus-top-level-key = 1;\n' >>"$conf"
junk_line=$(wc -l <"$conf")
ctl reload
assert_fails "$CTL_RC" "sslvpnctl reload of a file with errors"
grep -q "^$(re "$conf"):$junk_line: .*bogus-top-level-key" "$CTL_OUT" ||
	fail "reload output lacks $conf:$junk_line (unknown key)"
grep -Eq "^$(re "$conf"):($bad_line|$((bad_line + 1))): " "$CTL_OUT" ||
	fail "reload output lacks $conf:$bad_line (the NewGroup errors)"
ok "reload refused with the file:line of each error"
assert_log 100511 'reload of .* failed with [0-9]+ errors; still running generation 1' \
	"100511: reload failed, generation 1 stays"
assert_log 100512 "$(re "$conf"):$junk_line: " "100512 names $conf:$junk_line"
ctl show running-config tunnel-group NewGroup
assert_fails "$CTL_RC" "NewGroup does not exist after a failed reload"
assert_eq 1 "$(workers_of "$main_pid")" "no new worker after a failed reload"
ping_via a
ping_via b

# --- (b) a valid reload: new tunnel group, pool and policy; identity rollover
write_conf 198.19.0.10-198.19.0.20 "$ID_TP" ' trustpoint = [ "LAB-ID" ];' "$NEW_TG" "$NEW_POOL" "$NEW_GP"
ctl reload
assert_rc 0 "$CTL_RC" "sslvpnctl reload of a valid file"
assert_match "$(cat "$CTL_OUT")" 'reloaded \(generation 2\)' "reload reports generation 2"
assert_log 100510 'reloaded \(generation 2\).* 2 established sessions keep' "100510: reloaded, 2 sessions keep theirs"
assert_eq 2 "$(grep -cx 'RELOADING=1' "$NOTIFY_LOG")" "sd_notify: RELOADING=1 for each reload"
assert_eq 3 "$(grep -cx 'READY=1' "$NOTIFY_LOG")" "sd_notify: READY=1 after each reload"
wait_for 10 "the generation 2 worker is ready" log_has 100513 'generation 2 is serving' ||
	fail "no 100513 for generation 2"
assert_eq 2 "$(workers_of "$main_pid")" "the old worker stays for its tunnels, the new one serves"
ctl show running-config tunnel-group NewGroup
assert_rc 0 "$CTL_RC" "NewGroup exists after the reload"
new_sha1=$(tr -d ':\n' <"$PKI/server/server.sha1")
assert_ne "$old_sha1" "$new_sha1" "the rollover changes the certificate"
SERVER_CERT_SHA1=$new_sha1
oc_connect c "https://$SRV_IP/new" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "client c (group-url /new, new server certificate): no tunnel"
assert_log 722051 "Group <NewPolicy> User <.*> Address <$(re "${OC_ADDR[c]}")>" \
	"c landed in NewGroup (NewPolicy)"
assert_match "${OC_ADDR[c]}" '^198\.19\.0\.(5[0-9]|60)$' "c leased from newpool"
assert_eq 'added by reload' "$(oc_env c CISCO_BANNER)" "c got NewPolicy's banner"
ping_via c
ping_via a
ping_via b
no_reconnect a
no_reconnect b
assert_no_log 722023 '.' "no TLS or DTLS tunnel was closed by the reload"
assert_no_log 113019 '.' "no session ended"
# A login on the base URL now lands on the new identity too.
oc_authenticate d "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key"
assert_rc 0 "$OC_AUTH_RC" "new login on / accepts the rolled-over certificate"

# --- (c) SIGHUP: same path.  Shrink the pool: a's lease (outside) stays
# on the retired pool, b's moves; the session listing is unchanged.
gp3=${NEW_GP/added by reload/generation three}
write_conf 198.19.0.11-198.19.0.20 "$ID_TP" ' trustpoint = [ "LAB-ID" ];' \
	"$NEW_TG" "${NEW_POOL//newpool/voicepool}" "${gp3//newpool/voicepool}"
note "a has $ip_a, b has $ip_b"
kill -HUP "$main_pid"
wait_for 10 "100510 generation 3" log_has 100510 'reloaded \(generation 3\)' ||
	fail "SIGHUP did not reload (no 100510 generation 3)"
ok "SIGHUP reloaded (generation 3)"
assert_log 100510 'generation 3\).*the workers stay \(nothing they load changed\)' \
	"100510: pools and policies only: no new worker generation"
assert_eq 2 "$(workers_of "$main_pid")" "still two workers (generation 1 draining, generation 2)"
if [ "$ip_a" = 198.19.0.10 ] || [ "$ip_b" = 198.19.0.10 ]; then
	assert_log 100515 'ip local pool phones .*: 1 live leases stay' "100515: the lease outside the new range stays"
fi
ping_via a
ping_via b
ping_via c
# newpool became voicepool (same range): c's live lease moved with it, so
# a new login on /new gets generation 3's banner and another address.
oc_connect e "https://$SRV_IP/new" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "client e on /new after SIGHUP: no tunnel"
assert_eq 'generation three' "$(oc_env e CISCO_BANNER)" "e (new login) gets generation 3's banner"
assert_match "${OC_ADDR[e]}" '^198\.19\.0\.(5[0-9]|60)$' "e leased from voicepool"
assert_ne "${OC_ADDR[c]}" "${OC_ADDR[e]}" "the renamed pool does not hand out c's live address again"
ping_via e
# show version: the configuration is generation 3, the workers taking new
# connections are still generation 2 (this reload changed nothing they load).
ctl show version
assert_match "$(cat "$CTL_OUT")" '^Configuration file: .* \(generation 3\)$' "show version: configuration generation 3"
assert_match "$(cat "$CTL_OUT")" '^Worker generation : 2$' "show version: worker generation 2"
# show ip local pool without a name: every pool, each with its name, each
# leased address with its holder (c and e moved/leased in voicepool).
ctl show ip local pool
sed 's/^/    /' "$CTL_OUT"
assert_match "$(cat "$CTL_OUT")" '^Pool phones$' "show ip local pool: pool phones named"
assert_match "$(cat "$CTL_OUT")" '^Pool voicepool$' "show ip local pool: pool voicepool named"
assert_match "$(cat "$CTL_OUT")" "^$(re "${OC_ADDR[c]}") +$(re "$(cert_cn "$PKI/mic-sha2/leaf.pem")")\$" \
	"c's moved lease still names its owner"
oc_stop e
printf 'interfaces = 5;\n' >>"$conf"
kill -HUP "$main_pid"
wait_for 10 "100511 after SIGHUP with errors" log_has 100511 'still running generation 3' ||
	fail "SIGHUP with errors: no 100511"
assert_log 100512 "$(re "$conf"):[0-9]+: " "SIGHUP errors name file:line in the log"
assert_server_alive
ping_via a
ping_via b
no_reconnect a
no_reconnect b

# --- old clients leave: the generation 1 worker drains and stops
oc_stop a
oc_stop b
wait_for 15 "the generation 1 worker drained" log_has 100514 'generation 1\) has no connections left' ||
	fail "the old worker did not stop after its last tunnel (no 100514)"
n_workers_is() { [ "$(workers_of "$main_pid")" -eq "$1" ]; }
wait_for 10 "one worker left" n_workers_is 1 || fail "$(workers_of "$main_pid") workers, expected 1"
ok "one worker left (generation 2, serving c)"
if [ "$ip_a" = 198.19.0.10 ] || [ "$ip_b" = 198.19.0.10 ]; then
	wait_for 5 "retired pool freed" log_has 100516 'pool phones' ||
		fail "the retired pool was not freed (no 100516)"
	ok "100516: the retired pool was freed with its last lease"
fi
ping_via c

# --- c reconnects (SIGUSR2): it keeps its session and the snapshot it was
# admitted under (NewPolicy's banner of generation 2), not generation 3's.
kill -USR2 "${OC_PID[c]}"
two_connects() { [ "$(grep -c 'Got CONNECT response' "${OC_LOG[c]}")" -ge 2 ]; }
wait_for 20 "c reconnected" two_connects || fail "openconnect c did not reconnect on SIGUSR2"
assert_eq 'X-CSTP-Banner: added by reload' "$(grep 'X-CSTP-Banner' "${OC_LOG[c]}" | tail -n 1)" \
	"c's reconnect keeps the banner of the snapshot it was admitted under"
assert_no_log 113019 "Group = NewPolicy, Username = $(re "$(cert_cn "$PKI/mic-sha2/leaf.pem")")," \
	"c's session survived its reconnect"
assert_eq 2 "$(log_lines 722051 'Group <NewPolicy>' "Address <$(re "${OC_ADDR[c]}")>" | wc -l)" \
	"c's session got its address ${OC_ADDR[c]} again"
wait_for 10 "c's tunnel back" sh -c "ip netns exec '$NS_CLI' ping -c 1 -W 1 -I '${OC_TUNDEV[c]}' '$BEHIND_IP' >/dev/null" ||
	fail "c: no traffic after the reconnect"
ping_via c
oc_stop c

# --- new logins get generation 3: the shrunk pool
oc_connect f "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "client f: no tunnel"
assert_match "${OC_ADDR[f]}" '^198\.19\.0\.(1[1-9]|20)$' "f leased from the shrunk pool phones"
ping_via f
oc_stop f

# --- the file is edited but not reloaded, and the worker crashes: the
# restarted worker gets its generation's configuration from main (workers
# read no file since S10), so neither the error the file still has from the
# last SIGHUP nor a valid edit reaches it; the reload then applies the edit.
wpid=$(pgrep -P "$main_pid" sslvpnd-worker)
[ -n "$wpid" ] || fail "no worker to crash"
kill -KILL "$wpid"
new_worker() { p=$(pgrep -P "$main_pid" sslvpnd-worker); [ -n "$p" ] && [ "$p" != "$wpid" ]; }
wait_for 10 "the restarted worker" new_worker || fail "no worker after the crash"
oc_connect f2 "$SERVER_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key" ||
	fail "client f2: no tunnel from the worker restarted beside a broken file"
ok "the restarted worker serves although the file on disk has an error"
oc_stop f2
sed -i -e '$d' -e 's/generation one/edited later/' "$conf"
ctl reload
assert_rc 0 "$CTL_RC" "sslvpnctl reload of the edited file"
assert_match "$(cat "$CTL_OUT")" 'generation 4.*the workers stay' \
	"a banner edit needs no new workers"
n_workers_is 1 || fail "$(workers_of "$main_pid") workers, expected 1"
oc_connect g "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "client g after the reload: no tunnel"
assert_eq 'edited later' "$(oc_env g CISCO_BANNER)" "g gets the edited file's banner"
ping_via g
assert_server_alive
oc_stop g
