# shellcheck shell=bash
# A real syslog daemon for the logging tests (t-logging-*.sh), on top of
# lib.sh: Debian's rsyslogd, started by the test in the client namespace
# (never as a system service), listening on $CLI_IP udp 5514 and tcp 5515
# and writing "INPUT RAWMSG" lines (imudp/imtcp, the line as received) to
# $RS_OUT.
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
RS_OUT=
RS_PID=

# rs_init: check for rsyslogd and write its configuration.
rs_init() {
	[ -x "$RSYSLOGD" ] || hard_error "rsyslogd not installed (Debian package rsyslog, scripts/deps.sh)"
	RS_OUT="$TMPD/rsyslog.out"
	mkdir -p "$TMPD/rsyslog"
	cat >"$TMPD/rsyslog.conf" <<CONF
global(workDirectory="$TMPD/rsyslog")
module(load="imudp")
module(load="imtcp")
template(name="raw" type="string" string="%inputname% %rawmsg%\\n")
ruleset(name="r") { action(type="omfile" file="$RS_OUT" template="raw") }
input(type="imudp" address="$CLI_IP" port="5514" ruleset="r")
input(type="imtcp" address="$CLI_IP" port="5515" ruleset="r")
CONF
}

rs_listening() { ip netns exec "$NS_CLI" ss -ltn "sport = :5515" | grep -q LISTEN; }

# rs_start: rsyslogd in the foreground of a tracked process, listening
# within 10 s; sets RS_PID.
rs_start() {
	rm -f "$TMPD/rsyslog.pid"
	"${LIB_LAUNCH[@]}" ip netns exec "$NS_CLI" "$RSYSLOGD" -n -f "$TMPD/rsyslog.conf" \
		-i "$TMPD/rsyslog.pid" >>"$TMPD/rsyslog.log" 2>&1 </dev/null &
	RS_PID=$!
	track_pid "$RS_PID"
	wait_for 10 "rsyslogd listening" rs_listening || fail "rsyslogd: $(cat "$TMPD/rsyslog.log")"
}

# rs_has INPUT ERE: rsyslog received a line on INPUT (imudp/imtcp) matching ERE
rs_has() { grep -Eq -- "^$1 $2" "$RS_OUT" 2>/dev/null; }
