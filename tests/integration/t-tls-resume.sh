#!/bin/bash
# t-tls-resume: TLS session resumption by stateless tickets (S11, ssl
# session-resumption), keyed by secmod and kept across a restart.
#  1. TLS 1.3 and TLS 1.2 (openssl s_client with a MIC): a ticket is issued;
#     offered again it resumes (s_client "Reused", 100114 naming the client
#     certificate, sslvpnd_tls_handshakes_total{result="resumed"}).
#  2. sslvpnd restarted (SIGTERM, same state directory): the ticket of the
#     previous run resumes while secmod is stopped (SIGSTOP): a resumed
#     handshake asks secmod for no signature (a full one would wait for it
#     and fail, 100714).
#  3. An sslvpn-phone (CP-8861, --resume) holds a tunnel across a restart:
#     it comes back with its cookie and address by a resumed handshake.
#  4. A forged ticket (one byte of its sealed state altered) and, after a
#     restart with the ticket-keys file removed, an unknown one: the client
#     gets a full handshake (no 100114).
#  5. A ticket of a certificate revoked since (CRL added to its trustpoint
#     by a reload) and one of a certificate whose trustpoint a reload
#     removed: the resumed handshake is refused like a full one (717009
#     "Certificate has been revoked" / "No suitable trustpoints", 100113).
#  6. ssl session-resumption false: no ticket issued, no ticket-keys file.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openssl s_client -sess_out/-in |===443===>| sslvpnd -f -c resume.conf     |
#   | sslvpn-phone -p 8861 --resume  |===443===>|   SIGTERM + start, reload     |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
lib_init
phone_init
pki_ensure
netns_setup
state_init
bad="$PKI/bad"
[ -f "$bad/capf.crl" ] || hard_error "lab PKI without bad/capf.crl (scripts/lab-pki too old)"

write_conf() { # RESUMPTION (true|false) CAPF-EXTRA [nocapf]
	local capf="{ name = \"CAPF\"; enrollment = \"terminal\"; certificate = \"$PKI/capf/root.pem\"; $2 }"
	[ "${3:-}" = nocapf ] && capf=""
	cat >"$TMPD/resume.conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
ssl = { session-resumption = $1; session-resumption-lifetime = 600; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = (
  { name = "MIC2"; enrollment = "terminal"; certificate = "$PKI/mic-sha2/root.pem"; }${capf:+,}
  $capf
);
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.40"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["$PHONE_URL"]; } );
CONF
}

mic_key="$PKI/mic-sha2/leaf.key"
mic_cn=$(cert_cn "$PKI/mic-sha2/leaf.pem")
# s_client sends the intermediate only from -cert_chain
MIC=(-cert "$PKI/mic-sha2/leaf.pem" -key "$mic_key" -cert_chain "$PKI/mic-sha2/ca.pem")

# sc NAME [s_client ARGS...]: one TLS connection (a GET, then 1 s for the
# TLS 1.3 tickets to arrive), bounded; the transcript in $TMPD/NAME.sc.
sc() {
	local name=$1
	shift
	(printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$SRV_IP"; sleep 1) |
		timeout -k 2 10 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:443" \
			-servername "$SRV_IP" "$@" >"$TMPD/$name.sc" 2>&1
	SC_RC=$?
	note "s_client[$name]: exit $SC_RC, $(grep -E -m1 '^(New|Reused),' "$TMPD/$name.sc")"
}
sc_reused() { grep -q '^Reused,' "$TMPD/$1.sc"; }
sc_new() { grep -q '^New,' "$TMPD/$1.sc"; }
resumed_count() { log_lines 100114 | wc -l; }

restart() { # CONF
	local pid
	pid=$(cat "$TMPD/sslvpnd.pid")
	kill -TERM "$pid"
	wait_for 10 "main gone" eval "! pid_alive $pid" || fail "main $pid still running"
	mv "$SRV_LOG" "$SRV_LOG.$((++RUNS))"
	start_sslvpnd -c "$1"
}
RUNS=0

# ---- 1. a ticket is issued and resumes (TLS 1.3 and 1.2)
write_conf true ""
start_sslvpnd -c "$TMPD/resume.conf"
[ -f "$STATE/ticket-keys" ] || wait_for 5 "ticket-keys written" test -f "$STATE/ticket-keys" ||
	fail "no $STATE/ticket-keys after the start"
assert_eq 600 "$(stat -c %a "$STATE/ticket-keys")" "ticket-keys is mode 0600"
for v in tls1_3 tls1_2; do
	sc "$v-full" "-$v" "${MIC[@]}" -sess_out "$TMPD/$v.sess"
	sc_new "$v-full" || fail "$v: no full handshake: $(tail -n 5 "$TMPD/$v-full.sc")"
	[ -s "$TMPD/$v.sess" ] || fail "$v: s_client kept no session"
	grep -q 'TLS session ticket:' "$TMPD/$v-full.sc" || fail "$v: no session ticket issued"
	ok "$v: full handshake, a ticket issued"
	before=$(resumed_count)
	sc "$v-again" "-$v" -sess_in "$TMPD/$v.sess"
	sc_reused "$v-again" || fail "$v: the ticket did not resume: $(tail -n 5 "$TMPD/$v-again.sc")"
	wait_for 5 "100114" eval "[ \$(resumed_count) -gt $before ]" ||
		fail "$v: no 100114 for the resumed handshake"
	ok "$v: the ticket resumed (s_client Reused, 100114)"
done
assert_log 100114 "client certificate .*$(re "$mic_cn")" "100114 names the session's certificate"
# counted when the connection ends (CONN_DONE)
metric_resumed() {
	timeout -k 2 10 "$CTL" --socket "$STATE/ctl.sock" metrics >"$TMPD/metrics" 2>&1 &&
		grep -Eq '^sslvpnd_tls_handshakes_total\{result="resumed"\} [1-9]' "$TMPD/metrics"
}
wait_for 5 "resumed handshakes counted" metric_resumed ||
	fail "metrics: $(grep handshakes_total "$TMPD/metrics")"
ok "sslvpnd_tls_handshakes_total{result=\"resumed\"} counts them"

# ---- 2. across a restart, with secmod stopped
sc t13-before "-tls1_3" "${MIC[@]}" -sess_out "$TMPD/r.sess"
sc_new t13-before || fail "full handshake before the restart"
restart "$TMPD/resume.conf"
main_pid=$(cat "$TMPD/sslvpnd.pid")
secmod=$(pgrep -P "$main_pid" sslvpnd-secmod | head -n 1)
[ -n "$secmod" ] || fail "no secmod under main $main_pid"
kill -STOP "$secmod"
sc after-restart "-tls1_3" -sess_in "$TMPD/r.sess"
sc fresh-while-stopped "-tls1_3" "${MIC[@]}"
kill -CONT "$secmod"
sc_reused after-restart || fail "the ticket of the previous run did not resume: $(tail -n 5 "$TMPD/after-restart.sc")"
assert_log 100114 "client certificate .*$(re "$mic_cn")" "100114 after the restart"
ok "the ticket of the previous run resumed while secmod was stopped (no signature)"
if sc_reused fresh-while-stopped || [ "$SC_RC" -eq 0 ]; then
	fail "a full handshake completed without secmod"
fi
ok "control: a full handshake needs secmod (it failed while secmod was stopped)"
assert_server_alive

# ---- 3. a phone with --resume across a restart
run_phone_bg p8861 -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$PKI/mic-sha2/leaf-fullchain.pem" --key "$mic_key" --resume --hold 25 --json
wait_for 10 "phone tunnel up" phone_has_addr || {
	phone_wait
	fail "the phone reported no tunnel address"
}
addr=$(phone_addr)
wait_for 10 "registry written" grep -q '^end 1 ' "$STATE/sessions" ||
	fail "the session registry does not list the phone"
restart "$TMPD/resume.conf"
wait_for 15 "phone reconnected" phone_log_has "reconnected with the cookie, address $(re "$addr")" ||
	fail "the phone did not come back with $addr"
assert_log 100114 "client certificate .*$(re "$mic_cn")" "the phone's reconnect resumed (100114)"
assert_no_log 716038 '.' "no new login after the restart"
phone_wait
assert_rc 0 "$PHONE_RC" "sslvpn-phone --resume held its tunnel across the restart"
assert_match "$(json_get session.resumed)" '^[1-9]' "the phone reports resumed handshakes"

# forge IN OUT: IN's session with one byte of its ticket's sealed state
# flipped (the key name, its first 16 bytes, left alone)
forge() {
	python3 - "$1" "$2" <<'PY'
import base64, re, subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
txt = subprocess.run(["openssl", "sess_id", "-in", src, "-text", "-noout"],
                     capture_output=True, text=True, check=True).stdout
blk = txt.split("TLS session ticket:")[1]
hexs = "".join(re.findall(r"^\s+[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){1,16})", blk, re.M))
tick = bytes(int(h, 16) for h in hexs.replace("-", " ").split()[:32])
der = bytearray(base64.b64decode("".join(l for l in open(src).read().splitlines()
                                         if not l.startswith("-----"))))
i = der.find(tick)
assert i >= 0, "ticket not found in the session"
der[i + 24] ^= 0x5a
b = base64.b64encode(bytes(der)).decode()
open(dst, "w").write("-----BEGIN SSL SESSION PARAMETERS-----\n" +
                     "\n".join(b[j:j + 64] for j in range(0, len(b), 64)) +
                     "\n-----END SSL SESSION PARAMETERS-----\n")
PY
}

# ---- 4. a forged ticket, then keys lost: both give a full handshake
sc t12-forge "-tls1_2" "${MIC[@]}" -sess_out "$TMPD/f.sess"
forge "$TMPD/f.sess" "$TMPD/forged.sess" || fail "cannot forge a ticket from $TMPD/f.sess"
before=$(resumed_count)
sc forged "-tls1_2" "${MIC[@]}" -sess_in "$TMPD/forged.sess"
sc_new forged || fail "a forged ticket did not give a full handshake: $(tail -n 5 "$TMPD/forged.sc")"
assert_eq "$before" "$(resumed_count)" "no 100114 for the forged ticket"
ok "forged ticket (known key name, altered sealed state): full handshake"
sc t13-keys "-tls1_3" "${MIC[@]}" -sess_out "$TMPD/k.sess"
pid=$(cat "$TMPD/sslvpnd.pid")
kill -TERM "$pid"
wait_for 10 "main gone" eval "! pid_alive $pid" || fail "main $pid still running"
rm -f "$STATE/ticket-keys"
mv "$SRV_LOG" "$SRV_LOG.$((++RUNS))"
start_sslvpnd -c "$TMPD/resume.conf"
sc unknown "-tls1_3" "${MIC[@]}" -sess_in "$TMPD/k.sess"
sc_new unknown || fail "an unknown ticket did not give a full handshake: $(tail -n 5 "$TMPD/unknown.sc")"
assert_no_log 100114 '.' "no resumption with an unknown ticket"
ok "unknown ticket: full handshake"

# ---- 5. tickets whose certificate was revoked since, or whose trustpoint
# a reload removed
reload_conf() { # WRITE_CONF-ARGS...
	local n
	n=$(log_lines 100510 | wc -l)
	write_conf "$@"
	timeout -k 2 30 "$CTL" --socket "$STATE/ctl.sock" reload >"$TMPD/reload.out" 2>&1 ||
		fail "reload: $(cat "$TMPD/reload.out")"
	wait_for 10 "reloaded" eval "[ \$(log_lines 100510 | wc -l) -gt $n ]" ||
		fail "no 100510 after the reload: $(cat "$TMPD/reload.out")"
	sleep 1 # the new generation's worker takes the connections
}
served() { grep -q 'HTTP/1' "$TMPD/$1.sc"; }
sc revoked-full "-tls1_2" -cert "$bad/revoked.pem" -key "$bad/revoked.key" -sess_out "$TMPD/rv.sess"
sc_new revoked-full || fail "the revoked certificate was refused before its CRL was configured"
sc capf-full "-tls1_3" -cert "$PKI/capf/leaf.pem" -key "$PKI/capf/leaf.key" -sess_out "$TMPD/capf.sess"
sc_new capf-full || fail "no full handshake with the CAPF LSC"
reload_conf true "crl = \"$bad/capf.crl\";"
sc revoked-again "-tls1_2" -sess_in "$TMPD/rv.sess"
served revoked-again && fail "the revoked certificate's ticket was served"
assert_log_all "717009 for the revoked certificate's ticket" 717009 'Certificate has been revoked'
assert_log 100113 'refused: certificate revoked' "100113: revoked"
assert_no_log 100114 'CP-8861-SEP000000BAD' "no 100114 for the revoked certificate"
capf_cn=$(cert_cn "$PKI/capf/leaf.pem")
reload_conf true "" nocapf
sc capf-again "-tls1_3" -sess_in "$TMPD/capf.sess"
served capf-again && fail "the ticket of a removed trustpoint's certificate was served"
assert_log_all "717009 for the removed trustpoint's ticket" 717009 \
	"No suitable trustpoints found.*subject name: .*$(re "$capf_cn")"
assert_no_log 100114 "$(re "$capf_cn")" "no 100114 for the removed trustpoint's certificate"

# ---- 6. off: no ticket
restart_off() {
	write_conf false ""
	restart "$TMPD/resume.conf"
}
restart_off
[ -f "$STATE/ticket-keys" ] && fail "ticket-keys kept while resumption is off"
ok "resumption off: no ticket-keys file"
for v in tls1_3 tls1_2; do
	sc "$v-off" "-$v" "${MIC[@]}"
	sc_new "$v-off" || fail "$v: no handshake with resumption off"
	grep -q 'TLS session ticket:' "$TMPD/$v-off.sc" && fail "$v: a ticket was issued with resumption off"
	ok "$v: no ticket with resumption off"
done
assert_server_alive
echo "PASS: $T_NAME"
