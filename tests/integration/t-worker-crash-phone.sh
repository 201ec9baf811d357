#!/bin/bash
# t-worker-crash-phone: the only worker dies (SIGKILL) under an sslvpn-phone
# (CP-8861 profile).  The phone notices the TLS path die and reconnects with
# its cookie at once; that first attempt reaches main before the restarted
# worker is ready and must wait in the accept queue, not be closed (a closed
# attempt costs the phone a failed try and its 1 s retry, openconnect its
# 10 s back-off: t-worker-crash-one).  The phone gets its address back well
# under 5 s, with no failed reconnect attempt.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861 --hold    |===443===>| sslvpnd -f -c phone.conf      |
#   |   ping from X-CSTP-Address     |          |   workers = 1                 |
#   |                                |          |   kill -9 <the worker>        |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32              |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

LIMIT_MS=5000   # generous: the point is "no failed attempt, no back-off"

lib_init
phone_init
pki_ensure
netns_setup
state_init
phone_config "$TMPD/phone.conf"
start_sslvpnd -c "$TMPD/phone.conf"
main_pid=$(cat "$TMPD/sslvpnd.pid")

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
run_phone_bg p8861 -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$cert" --key "$key" --hold 8 --json
wait_for 10 "phone tunnel up" phone_has_addr || {
	phone_wait
	fail "the phone reported no tunnel address"
}
addr=$(phone_addr)
ok "phone tunnel up with $addr"

worker=$(pgrep -P "$main_pid" sslvpnd-worker)
[ "$(printf '%s\n' "$worker" | wc -l)" -eq 1 ] || fail "expected one worker, got: $worker"
# main restarts a worker that dies within its first second only after 1 s
# (RESTART_BACKOFF_MS, against crash loops): let it run past that.
sleep 1.2
assigned0=$(log_lines 722051 | wc -l)
t0=$(date +%s%N)
kill -KILL "$worker"
note "killed the only worker (pid $worker)"

back() { [ "$(log_lines 722051 | wc -l)" -ge $((assigned0 + 1)) ]; }
wait_for 10 "phone session back" back ||
	fail "expected another 722051 (address assigned) after the crash"
ms=$((($(date +%s%N) - t0) / 1000000))
note "phone session back ${ms} ms after the SIGKILL"
grep -E 'tunnel lost|reconnect' "$PHONE_LOG" | sed 's/^/# phone: /'
[ "$ms" -lt "$LIMIT_MS" ] || fail "the phone came back after ${ms} ms (limit ${LIMIT_MS} ms)"
ok "phone session back within ${ms} ms (< ${LIMIT_MS} ms)"
! phone_log_has 'reconnect attempt failed' ||
	fail "a reconnect attempt of the phone failed: main closed a connection while no worker was ready"
ok "the phone's first reconnect attempt succeeded"
assert_phone_log "reconnected with the cookie, address $(re "$addr")" "the phone got $addr back"
phone_wait
assert_rc 0 "$PHONE_RC" "sslvpn-phone held its tunnel across the worker crash"
assert_eq 1 "$(json_get session.reconnects)" "one reconnect"
assert_eq 1 "$(json_get session.same_address)" "same address after the reconnect"
assert_server_alive
echo "PASS: $T_NAME"
