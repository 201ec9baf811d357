#!/bin/bash
# t-restart-corrupt: a session registry that cannot be used is refused as a
# whole with a line naming the file and the cause (100241), and sslvpnd
# starts without it: a phone logs in as usual.  Cases: a registry of another
# version, a foreign file, a real registry (one session, saved at SIGTERM)
# cut short, the same with one flipped byte.  Last, a good registry meets a
# configuration edited meanwhile (its tunnel group renamed): the session is
# dropped with 100243 naming the cause, the daemon runs.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861           |===443===>| sslvpnd -f -c phone.conf      |
#   |                                |          |   STATE/sessions damaged      |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32              |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

lib_init
phone_init
pki_ensure
netns_setup
state_init
phone_config "$TMPD/phone.conf"
REG="$STATE/sessions"
cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
runs=0

# stop_main: SIGTERM to the running main, wait for it; its log is kept aside.
stop_main() {
	local pid
	pid=$(cat "$TMPD/sslvpnd.pid")
	kill -TERM "$pid"
	wait_for 10 "main $pid gone" eval "! pid_alive $pid" || fail "main $pid did not stop"
	runs=$((runs + 1))
	mv "$SRV_LOG" "$TMPD/sslvpnd-$runs.log"
}

# refused CAUSE-ERE WHAT: start on the damaged registry; 100241 names the
# file and the cause; a phone logs in; stop again.
refused() {
	start_sslvpnd -c "$TMPD/phone.conf"
	assert_log 100241 "session registry $(re "$REG") refused \\($1" "$2: 100241 names the file and the cause"
	assert_no_log 100240 '.' "$2: nothing restored"
	run_phone "p-$runs" -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
		--cert "$cert" --key "$key" --hold 1
	assert_rc 0 "$PHONE_RC" "$2: a phone logs in after the refusal"
	assert_server_alive
	stop_main
}

printf 'sslvpnd-sessions 99\nend 0 00000000\n' >"$REG"
refused 'incompatible version 99 \(this sslvpnd reads version 1\)' "another version"

printf 'sslvpnd-pool-leases 1\nend 0 00000000\n' >"$REG"
refused 'not a session registry' "a foreign file"

# A real registry with one session: the phone holds its tunnel while main
# stops (SIGTERM saves it).
start_sslvpnd -c "$TMPD/phone.conf"
run_phone_bg hold -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$cert" --key "$key" --hold 4
wait_for 10 "phone tunnel up" phone_has_addr || fail "the phone reported no tunnel address"
stop_main
stop_pid "$PHONE_PID"
[ "$(sed -n 's/^end \([0-9]*\) .*/\1/p' "$REG")" = 1 ] ||
	fail "the registry saved at SIGTERM does not hold one session: $(cat "$REG")"
ok "registry with one session saved at SIGTERM"
cp "$REG" "$TMPD/good-registry"

head -c -20 "$TMPD/good-registry" >"$REG"
refused 'truncated' "a registry cut short"

sed '2s/^\([0-9]*\)/\19/' "$TMPD/good-registry" >"$REG"
refused 'checksum mismatch' "a registry with a changed byte"

# The tunnel group of the saved session is gone from the edited file.
sed 's/vpn-phone-group/vpn-phone-group-2/g' "$TMPD/phone.conf" >"$TMPD/edited.conf"
cp "$TMPD/good-registry" "$REG"
start_sslvpnd -c "$TMPD/edited.conf"
assert_log 100243 'not restored: tunnel group vpn-phone-group no longer exists' \
	"edited configuration: 100243 names the missing tunnel group"
assert_log 100240 "0 sessions restored from $(re "$REG") \\(1 not restored\\)" \
	"edited configuration: 100240 counts the dropped session"
assert_server_alive

echo "PASS: $T_NAME"
