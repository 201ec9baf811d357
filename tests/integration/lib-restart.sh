# shellcheck shell=bash
# The body of t-restart-kill and t-restart-term: sessions survive a
# restart of main (S10 item 6).  The caller sets RESTART_SIGNAL (KILL or
# TERM) and calls restart_case.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

# ctl_list: the session listing into $TMPD/ctl.out (0 when sslvpnctl did).
ctl_list() {
	timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show vpn-sessiondb anyconnect \
		>"$TMPD/ctl.out" 2>"$TMPD/ctl.err"
}

# index_of USER: the Index of USER's session in $TMPD/ctl.out.
index_of() {
	awk -v u="$1" 'BEGIN { RS = "" } $0 ~ ("(^|\n)Username +: " u " +Index +: ") { print }' \
		"$TMPD/ctl.out" | sed -n 's/^Username .* Index *: \([0-9]*\)$/\1/p' | head -n 1
}

# registry_records: sessions in the registry file (0 when there is none).
registry_records() {
	sed -n 's/^end \([0-9]*\) .*/\1/p' "$STATE/sessions" 2>/dev/null | tail -n 1
}
registry_has_two() { [ "$(registry_records)" = 2 ]; }

# oc_back: openconnect's address assigned again (722051) after the restart.
oc_back() { log_has 722051 "Address <$(re "${OC_ADDR[oc]}")>"; }

restart_case() {
	local cert_p main_pid workers w ph_user oc_user idx_p idx_o addr_p logins
	lib_init
	phone_init
	[ -x "$CTL" ] || hard_error "$CTL not built"
	pki_ensure
	netns_setup
	state_init
	phone_config "$TMPD/phone.conf"
	start_sslvpnd -c "$TMPD/phone.conf"
	main_pid=$(cat "$TMPD/sslvpnd.pid")

	cert_p="$PKI/mic-sha2/leaf.pem"
	ph_user=$(cert_cn "$cert_p")
	oc_user=$(cert_cn "$PKI/mic-sha1/leaf.pem")
	assert_ne "$ph_user" "$oc_user" "two users"
	run_phone_bg p8861 -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
		--cert "$cert_p" --key "$PKI/mic-sha2/leaf.key" --hold 35 --json
	wait_for 10 "phone tunnel up" phone_has_addr || {
		phone_wait
		fail "the phone reported no tunnel address"
	}
	addr_p=$(phone_addr)
	ok "phone tunnel up with $addr_p"

	oc_authenticate login "$PHONE_URL" -c "$PKI/mic-sha1/leaf.pem" -k "$PKI/mic-sha1/leaf.key"
	assert_rc 0 "$OC_AUTH_RC" "openconnect --authenticate"
	[ -n "$OC_COOKIE" ] || fail "--authenticate printed no COOKIE"
	oc_connect oc "$PHONE_URL" --cookie="$OC_COOKIE" --reconnect-timeout 120 ||
		fail "openconnect: no tunnel"
	assert_ping oc

	ctl_list || fail "sslvpnctl before the restart: $(cat "$TMPD/ctl.err")"
	idx_p=$(index_of "$ph_user")
	idx_o=$(index_of "$oc_user")
	assert_match "$idx_p $idx_o" '^[0-9]+ [0-9]+$' "both sessions listed with an index"
	# The registry is written within a few seconds of a change (coalesced).
	wait_for 10 "registry lists both sessions" registry_has_two ||
		fail "registry $STATE/sessions: $(registry_records) records, expected 2"
	if grep -qF -- "$OC_COOKIE" "$STATE/sessions"; then
		fail "the registry holds the cookie itself"
	fi
	ok "the registry holds no cookie"

	logins=$(log_lines 716038 | wc -l)
	assert_eq 2 "$logins" "two logins before the restart"
	workers=$(pgrep -P "$main_pid" sslvpnd-worker)
	[ -n "$workers" ] || fail "no worker of main $main_pid"
	# main restarts a worker only after 1 s; irrelevant here, but let the
	# DTLS channels settle so the clients see a plain TLS loss.
	kill -"$RESTART_SIGNAL" "$main_pid"
	note "sent SIG$RESTART_SIGNAL to main (pid $main_pid); workers: $workers"
	wait_for 10 "main gone" eval "! pid_alive $main_pid" || fail "main $main_pid still running"
	for w in $workers; do
		wait_for 5 "worker $w gone" eval "! pid_alive $w" ||
			fail "worker $w outlived main (SIG$RESTART_SIGNAL)"
	done
	ok "main and its workers gone after SIG$RESTART_SIGNAL"
	if [ "$RESTART_SIGNAL" = TERM ]; then
		assert_log 100244 '2 sessions saved in' "100244: two sessions saved at shutdown"
		assert_no_log 113019 '.' "no 113019 for saved sessions"
	fi

	mv "$SRV_LOG" "$TMPD/sslvpnd-before.log"
	start_sslvpnd -c "$TMPD/phone.conf"
	assert_log 100240 "2 sessions restored from $(re "$STATE")/sessions \\(0 not restored\\)" \
		"100240: both sessions restored"

	wait_for 15 "phone reconnected" phone_log_has "reconnected with the cookie, address $(re "$addr_p")" ||
		fail "the phone did not come back with $addr_p"
	ok "phone back with its address $addr_p"
	wait_for 40 "openconnect reconnected" oc_back ||
		fail "openconnect did not get ${OC_ADDR[oc]} back"
	pid_alive "${OC_PID[oc]}" || fail "openconnect exited"
	ok "openconnect back with its address ${OC_ADDR[oc]}"
	wait_for 10 "ping through the restored tunnel" \
		eval "ns_cli ping -c 1 -W 1 $BEHIND_IP >/dev/null 2>&1" ||
		fail "no ping through openconnect's tunnel after the restart"
	ok "ping through openconnect's tunnel after the restart"

	assert_no_log 716038 '.' "no new login after the restart"
	ctl_list || fail "sslvpnctl after the restart: $(cat "$TMPD/ctl.err")"
	sed 's/^/    /' "$TMPD/ctl.out"
	assert_eq "$idx_p" "$(index_of "$ph_user")" "phone: same session index"
	assert_eq "$idx_o" "$(index_of "$oc_user")" "openconnect: same session index"

	phone_wait
	assert_rc 0 "$PHONE_RC" "sslvpn-phone held its tunnel across the restart"
	assert_eq 1 "$(json_get session.same_address)" "phone: same address after the reconnect"
	oc_stop oc
	assert_server_alive
	echo "PASS: $T_NAME"
}
