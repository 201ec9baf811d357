#!/bin/bash
# t-logging-host: the ASA's "logging host" and "logging trap" against a real
# syslog daemon.  rsyslogd (Debian rsyslog, started by this test in the
# client namespace, never as a system service) listens on UDP and TCP;
# sslvpnd sends to it in BSD format over UDP (the ASA's "<PRI>%ASA-...")
# and RFC 5424 over TCP (octet-counted), plus to a TCP host that refuses.
# An openconnect login's lines arrive at both, the dead host blocks nothing
# and the local log loses nothing; after a reload to "trap = errors" the
# informational lines of the next login no longer go out.
#
#   client ns svd-c-$$                           server ns svd-s-$$
#   +---------------------------------+          +-------------------------------+
#   | rsyslogd -n  udp 5514, tcp 5515 |<--------| sslvpnd -f -c logging.conf     |
#   |   -> $TMPD/rsyslog.out          |  syslog  |  logging_hosts: udp/bsd,       |
#   | (nothing on tcp 5599: refused)  |          |  tcp/rfc5424, tcp/5599 (dead)  |
#   | openconnect ------------------------TLS--->|  trap informational            |
#   | v-cli 198.18.0.2 ------------- veth ------- v-srv 198.18.0.1               |
#   +---------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=${LIB_DEADLINE:-120}
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-rsyslog.sh
. "$top_srcdir/tests/integration/lib-rsyslog.sh"
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init
rs_init
rs_start
ok "rsyslogd listening on $CLI_IP udp 5514, tcp 5515"

conf() { # TRAP
	cat <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; trap = "$1"; };
logging_hosts = (
  { interface = "outside"; address = "$CLI_IP"; protocol = "udp"; port = 5514; },
  { interface = "outside"; address = "$CLI_IP"; protocol = "tcp"; port = 5599; },
  { interface = "outside"; address = "$CLI_IP"; protocol = "tcp"; port = 5515; format = "rfc5424"; }
);
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "pool"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "pool"; authentication = "certificate"; } );
CONF
}
conf informational >"$TMPD/logging.conf"
start_sslvpnd -c "$TMPD/logging.conf"

cert="$PKI/mic-sha2/leaf.pem"
cn=$(cert_cn "$cert")
u="User <$(re "$cn")> IP <$(re "$CLI_IP")>"
oc_connect a "$SERVER_URL" -c "$cert" -k "$PKI/mic-sha2/leaf.key" || fail "openconnect: no tunnel"
assert_log 722022 "$u TCP SVC connection established" "722022 in the local log"

# PRI: facility local4 (20 * 8) + informational (6) = <166>
wait_for 10 "716038 over UDP" rs_has imudp "<166>%ASA-6-716038: Group <DfltGrpPolicy> $u Authentication: successful, Session Type: WebVPN\\.$" ||
	fail "UDP (BSD): no 716038; rsyslog got: $(cat "$RS_OUT" 2>/dev/null)"
ok "UDP, BSD format: <166>%ASA-6-716038 as the ASA sends it"
rfc5424="<166>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z [^ ]+ sslvpnd [0-9]+ - - "
wait_for 10 "716038 over TCP" rs_has imtcp "$rfc5424%ASA-6-716038: Group <DfltGrpPolicy> $u Authentication: successful" ||
	fail "TCP (RFC 5424): no 716038; rsyslog got: $(cat "$RS_OUT" 2>/dev/null)"
ok "TCP, RFC 5424: 716038 with the RFC 5424 header"
for id in 113039 716001 722051 722022 722055; do
	wait_for 5 "$id at both" eval "rs_has imudp '<[0-9]+>%ASA-[0-7]-$id: ' && rs_has imtcp '<[0-9]+>1 .*%ASA-[0-7]-$id: '" ||
		fail "$id not received over UDP and TCP"
done
ok "113039, 716001, 722051, 722022, 722055 received over UDP and TCP"

# Every line the hosts got is in the local log too (the dead TCP host on
# 5599 held nothing back), and the login worked through it.
missing=0
n_udp=$(grep -c '^imudp ' "$RS_OUT")
[ "$n_udp" -ge 6 ] || fail "only $n_udp lines over UDP"
while IFS= read -r line; do
	msg=${line#* <[0-9]*>}
	# an event from its %ASA- tag on (the BSD header before it is the
	# host's); a plain warning (e.g. the open-file limit) as it is
	[[ $msg == *%ASA-* ]] && msg=%ASA-${msg#*%ASA-}
	grep -qF -- "$msg" "$SRV_LOG" || { note "not in the local log: $msg"; missing=$((missing + 1)); }
done < <(grep '^imudp ' "$RS_OUT")
assert_eq 0 "$missing" "each of the $n_udp lines sent over UDP is in the local log"
assert_ping a

# reload: trap errors; the next login's informational lines stay local
conf errors >"$TMPD/logging.conf"
timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" reload >"$TMPD/reload.out" 2>&1 ||
	fail "reload: $(cat "$TMPD/reload.out")"
oc_stop a
n716=$(grep -c '%ASA-6-716038' "$RS_OUT")
oc_authenticate b "$SERVER_URL" -c "$cert" -k "$PKI/mic-sha2/leaf.key"
[ -n "$OC_COOKIE" ] || fail "b: no cookie"
wait_for 5 "second 716038 locally" eval '[ "$(log_lines 716038 | wc -l)" -ge 2 ]' || fail "no second 716038"
sleep 1.5
assert_eq "$n716" "$(grep -c '%ASA-6-716038' "$RS_OUT")" "after the reload to trap errors, 716038 stays local"
assert_server_alive
echo "PASS: $T_NAME"
