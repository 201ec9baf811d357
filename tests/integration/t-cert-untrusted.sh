#!/bin/bash
# t-cert-untrusted: client certificates the headend must refuse: a
# self-signed one and an expired one issued by a trusted lab CA.  Neither
# gets a cookie; each refusal is logged as 717009 with its reason; a phone
# that was connected before keeps pinging through its tunnel all along.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect "good" (8861 MIC)  |===443===>| sslvpnd -f --state-dir STATE  |
#   |   tunN, ping -i 0.2 198.18.1.1 |          |   (embedded default config,   |
#   | openconnect --authenticate     |---443--->|    STATE/trust = lab CAs)     |
#   |   -c bad/selfsigned, expired   |  refused |                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init
start_sslvpnd

# A valid phone first, pinging in the background throughout.
oc_connect good "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "valid 8861 MIC: no tunnel"
assert_ping good
ip netns exec "$NS_CLI" ping -n -i 0.2 -W 1 -w 40 "$BEHIND_IP" >"$TMPD/bg.ping" 2>&1 &
bg_ping=$!
track_pid "$bg_ping"
wait_for 5 "background ping answered" grep -q 'bytes from' "$TMPD/bg.ping" ||
	fail "background ping through the good tunnel gets no answer"

refused() { # NAME REASON-ERE: openconnect with bad/NAME gets no cookie
	local name=$1 reason=$2 cn
	pki_bad "$name"
	cn=$(cert_cn "$BAD_CERT")
	oc_authenticate "$name" "$SERVER_URL" -c "$BAD_CERT" -k "$BAD_KEY"
	assert_fails "$OC_AUTH_RC" "openconnect --authenticate with the $name certificate"
	assert_eq "" "$OC_COOKIE" "no cookie for the $name certificate"
	assert_log_all "717009 refuses $cn" 717009 \
		"Certificate validation failed" "$(re "$cn")"
	assert_log 100113 "refused: .*($reason)" "100113: the reason matches /$reason/"
	assert_no_log 716038 "User <$(re "$cn")>" "no 716038 for $cn"
	assert_no_log 722051 "User <$(re "$cn")>" "no address for $cn"
}

refused selfsigned '[Ss]elf[- ]signed|unable to get local issuer'
refused expired '[Ee]xpir'

# Let the background ping run at least 3 s (15 echoes), then stop it.
wait_for 10 "15 echoes of the background ping" \
	grep -q 'icmp_seq=1[5-9]\|icmp_seq=[2-9][0-9]' "$TMPD/bg.ping" ||
	fail "background ping stalled: $(tail -n 2 "$TMPD/bg.ping")"
kill -INT "$bg_ping"
wait "$bg_ping"
stats=$(grep 'packets transmitted' "$TMPD/bg.ping")
sent=$(printf '%s\n' "$stats" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
got=$(printf '%s\n' "$stats" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
note "background ping: $stats"
if [ -z "$sent" ] || [ -z "$got" ]; then
	fail "no ping statistics: $(tail -n 3 "$TMPD/bg.ping")"
fi
# The echo in flight when SIGINT arrived may be counted as lost.
[ $((sent - got)) -le 1 ] ||
	fail "good session disturbed: expected at most 1 of $sent echoes lost, lost $((sent - got))"
ok "good session kept pinging ($got/$sent)"

pid_alive "${OC_PID[good]}" || fail "the good openconnect exited"
assert_ping good
assert_server_alive
oc_stop good
echo "PASS: $T_NAME"
