#!/bin/bash
# t-logging-sinks: every process's lines reach every sink (S14).  A phone's
# TLS lines are the worker's (725001/725002), 100701 is secmod's; both are
# sandboxed and hand their lines to main, which writes them to the local
# log, the logging buffer (show logging) and the logging hosts: a real
# rsyslogd over UDP (BSD format, with the ASA's logging timestamp and
# device-id) and TCP (RFC 5424).  rsyslogd is killed: a phone still logs in
# meanwhile and the local log has all of its lines; rsyslogd is restarted
# and gets the next login's lines.  Then a reload with per-message
# overrides: 725002 disabled is written nowhere; 725001 at level errors
# crosses "trap notifications" and arrives as %ASA-3-725001 while the
# informational 716038 stays local.
#
#   client ns svd-c-$$                           server ns svd-s-$$
#   +---------------------------------+          +---------------------------------+
#   | rsyslogd -n  udp 5514, tcp 5515 |<---------| sslvpnd (main) <- log sockets -- |
#   |   -> $TMPD/rsyslog.out          |  syslog  |   sslvpnd-worker, sslvpnd-secmod |
#   | sslvpn-phone (8861) ---------------TLS---->|   buffer: show logging          |
#   | v-cli 198.18.0.2 ------------- veth ------- v-srv 198.18.0.1                 |
#   +---------------------------------+          +---------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-150}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-phone.sh"
# shellcheck source=tests/integration/lib-rsyslog.sh
. "$top_srcdir/tests/integration/lib-rsyslog.sh"
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
phone_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init
rs_init
rs_start
ok "rsyslogd listening on $CLI_IP udp 5514, tcp 5515"

hash=$(printf '%s\n' 'pw-1' | "$SSLVPND" --hash-password) || fail "--hash-password"
# conf TRAP MESSAGES: the phone configuration with these logging settings
conf() {
	PHONE_CONF_EXTRA="users = ( { name = \"u1\"; password = \"$hash\"; } );
logging_hosts = (
  { interface = \"outside\"; address = \"$CLI_IP\"; protocol = \"udp\"; port = 5514; },
  { interface = \"outside\"; address = \"$CLI_IP\"; protocol = \"tcp\"; port = 5515; format = \"rfc5424\"; }
);
logging_messages = ( $2 );" phone_config "$TMPD/sinks.conf"
	sed -i "s/^logging = .*/logging = { destination = \"stderr\"; format = \"asa\"; trap = \"$1\";\
 buffered = \"informational\"; buffer-size = 65536; timestamp = true;\
 device-id = \"string\"; device-id-string = \"asa-lab\"; };/" "$TMPD/sinks.conf"
}
conf informational ""
start_sslvpnd -c "$TMPD/sinks.conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
login() { # NAME: one phone login, tunnel up, then gone
	run_phone "$1" -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
		--cert "$cert" --key "$key" --hold 1
	assert_rc 0 "$PHONE_RC" "phone $1 logged in"
}
rs_count() { grep -Ec -- "$1" "$RS_OUT" 2>/dev/null; }
ctl() { timeout -k 2 10 "$CTL" --socket "$STATE/ctl.sock" "$@"; }

login p1
# BSD over UDP: <PRI>, the ASA's timestamp and device-id, then the tag
stamp='[A-Z][a-z]{2} [0-9]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} asa-lab : '
rfc5424='<[0-9]+>1 [0-9T:.-]+Z [^ ]+ '
for id in 725001 725002; do
	wait_for 10 "$id over UDP" rs_has imudp "<166>$stamp%ASA-6-$id: " ||
		fail "UDP: no worker line $id; rsyslog got: $(cat "$RS_OUT")"
	wait_for 10 "$id over TCP" rs_has imtcp "${rfc5424}sslvpnd-worker [0-9]+ - - %ASA-6-$id: " ||
		fail "TCP: no worker line $id with the worker's name; rsyslog got: $(cat "$RS_OUT")"
done
ok "the worker's 725001 and 725002 reach rsyslog over UDP (timestamp, device-id) and TCP (RFC 5424, APP-NAME sslvpnd-worker)"
wait_for 10 "secmod's 100701 at both" eval "rs_has imudp '<166>$stamp%SSLVPND-6-100701: ' &&
	rs_has imtcp '${rfc5424}sslvpnd-secmod [0-9]+ - - %SSLVPND-6-100701: '" ||
	fail "secmod's 100701 not received over UDP and TCP: $(grep 100701 "$RS_OUT")"
ok "secmod's 100701 reaches rsyslog over UDP and TCP"
assert_log 100701 'security module: 1 local users loaded' "secmod's line in the local log"
grep -Eq 'sslvpnd-worker\[[0-9]+\]: %ASA-6-725001: ' "$SRV_LOG" ||
	fail "the local log lost the worker's name and pid on 725001"
ok "the local log keeps the worker's name and pid"

# show logging: the ASA's header, then the buffered lines; | include filters
out=$(ctl show logging '|' include 7250) || fail "show logging | include 7250: $out"
printf '%s\n' "$out" | sed 's/^/    /' | head -n 6
assert_match "$(printf '%s\n' "$out" | head -n 1)" "^${stamp}%ASA-6-725001: " "show logging | include 7250: buffered 725001 first"
assert_eq 0 "$(printf '%s\n' "$out" | grep -Evc '%ASA-[0-7]-7250[0-9]{2}: ')" "show logging | include 7250: only 7250xx lines (header filtered too)"
full=$(ctl show logging) || fail "show logging: $full"
assert_match "$full" "Buffer logging: level informational, [0-9]+ messages logged" "show logging: buffer header"
assert_match "$full" "Logging to outside $CLI_IP udp/5514" "show logging: the UDP host"
assert_match "$full" "%SSLVPND-6-100701: security module" "show logging: secmod's line buffered"

# rsyslogd dies: a phone still logs in, no local line is lost
kill "$RS_PID"
wait_for 5 "rsyslogd gone" eval '! rs_listening' || fail "rsyslogd did not stop"
n_local=$(log_lines 725002 | wc -l)
t0=$(date +%s)
login p2
assert_le() { [ "$2" -le "$3" ] || fail "$1: $2 > $3"; ok "$1 ($2 <= $3)"; }
assert_le "the login with rsyslogd dead took seconds" "$(($(date +%s) - t0))" 10
more_local() { [ "$(log_lines "$1" | wc -l)" -gt "$2" ]; } # ID N: more than N lines
wait_for 5 "p2's lines locally" more_local 725002 "$n_local" ||
	fail "p2's 725002 not in the local log"
for id in 725001 725002 716038 113039; do
	[ "$(log_lines "$id" | wc -l)" -ge 2 ] || fail "local log: only $(log_lines "$id" | wc -l) $id lines after two logins"
done
ok "with rsyslogd dead, the local log has both logins' 725001, 725002, 716038, 113039"

# restarted: the next login's worker lines arrive again (TCP reconnects
# within 5 s)
rs_start
n_udp=$(rs_count "^imudp .*%ASA-6-725002: ")
n_tcp=$(rs_count "^imtcp .*%ASA-6-725002: ")
sleep 6
login p3
rs_more_both() {
	[ "$(rs_count "^imudp .*%ASA-6-725002: ")" -gt "$n_udp" ] &&
		[ "$(rs_count "^imtcp .*%ASA-6-725002: ")" -gt "$n_tcp" ]
}
wait_for 10 "725002 again over UDP and TCP" rs_more_both ||
	fail "after the restart of rsyslogd, no new 725002 over UDP and TCP"
ok "rsyslogd restarted: the worker's lines arrive again over UDP and TCP"

# overrides: trap notifications; 725001 level errors (crosses the
# threshold), 725002 disabled (nowhere), 716038 as it is (stays local)
conf notifications '{ id = 725001; level = "errors"; }, { id = 725002; enabled = false; }'
ctl reload >"$TMPD/reload.out" 2>&1 || fail "reload: $(cat "$TMPD/reload.out")"
ctl clear logging buffer >/dev/null || fail "clear logging buffer"
n725002_local=$(log_lines 725002 | wc -l)
n725002_rs=$(rs_count '%ASA-[0-7]-725002: ')
n716038_rs=$(rs_count '%ASA-6-716038: ')
n716038_local=$(log_lines 716038 | wc -l)
login p4
wait_for 10 "%ASA-3-725001 at both" eval "rs_has imudp '<163>$stamp%ASA-3-725001: ' && rs_has imtcp '<163>1 .* %ASA-3-725001: '" ||
	fail "725001 at level errors not received: $(grep 725001 "$RS_OUT" | tail -n 3)"
ok "logging message 725001 level errors: sent as %ASA-3-725001 (<163>) under trap notifications"
wait_for 5 "p4's 716038 locally" more_local 716038 "$n716038_local" ||
	fail "p4's 716038 not in the local log"
assert_log 725001 '' "725001 in the local log"
grep -q '%ASA-3-725001: ' "$SRV_LOG" || fail "the local log does not show 725001 at level 3"
sleep 1
assert_eq "$n716038_rs" "$(rs_count '%ASA-6-716038: ')" "716038 (informational) not sent under trap notifications"
assert_eq "$n725002_local" "$(log_lines 725002 | wc -l)" "no logging message 725002: not in the local log"
assert_eq "$n725002_rs" "$(rs_count '%ASA-[0-7]-725002: ')" "no logging message 725002: not sent"
buf=$(ctl show logging '|' include '72500[12]') || fail "show logging: $buf"
assert_match "$buf" "%ASA-3-725001: " "the buffer has 725001 at level 3"
assert_eq 0 "$(printf '%s\n' "$buf" | grep -c '725002')" "no logging message 725002: not in the buffer"
run=$(ctl show running-config logging) || fail "show running-config logging: $run"
printf '%s\n' "$run" | sed 's/^/    /'
assert_match "$run" "logging message 725001 level errors" "show running-config logging: the level override"
assert_match "$run" "no logging message 725002" "show running-config logging: the disabled message"
assert_match "$run" "logging device-id string asa-lab" "show running-config logging: device-id"
ssl=$(ctl show running-config ssl) || fail "show running-config ssl: $ssl"
assert_match "$ssl" '^ssl server-version tlsv1' "show running-config ssl: server-version"
assert_match "$ssl" 'ssl cipher dtlsv1 custom "[A-Z0-9:-]+"' "show running-config ssl: the dtlsv1 list as the seed writes it"
web=$(ctl show running-config webvpn) || fail "show running-config webvpn: $web"
assert_eq "$(printf 'webvpn\n enable outside\n anyconnect enable')" "$web" "show running-config webvpn: the seed's block"
pools=$(ctl show running-config ip local pool) || fail "show running-config ip local pool: $pools"
assert_eq "ip local pool phones 198.19.0.10-198.19.0.250 mask 255.255.255.0" "$pools" "show running-config ip local pool"
all=$(ctl show running-config) || fail "show running-config: $all"
for want in '^logging enable$' '^logging trap notifications$' '^webvpn$' \
	'^tunnel-group vpn-phone-group general-attributes$' '^ssl cipher tlsv1.2 custom '; do
	printf '%s\n' "$all" | grep -Eq -- "$want" || fail "show running-config: no line /$want/"
done
ok "show running-config: logging, webvpn, tunnel-group and ssl sections"

# logging trap debugging, debug off: the workers (a new generation: the
# setting is part of what main tells them) produce their debugging-level
# TLS lines, and the hosts get them (725008: the client's ciphers)
conf debugging ""
ctl reload >"$TMPD/reload2.out" 2>&1 || fail "reload: $(cat "$TMPD/reload2.out")"
login p5
wait_for 10 "%ASA-7-725008 at both" eval "rs_has imudp '<[0-9]+>.*%ASA-7-725008: ' && rs_has imtcp '<[0-9]+>.*%ASA-7-725008: '" ||
	fail "logging trap debugging: no 725008 received: $(grep -c 'ASA-7-7250' "$RS_OUT") debug lines"
ok "logging trap debugging: the worker's 725008 reaches the hosts with debug off"
assert_server_alive
echo "PASS: $T_NAME"
