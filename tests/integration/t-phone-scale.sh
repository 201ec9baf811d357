#!/bin/bash
# t-phone-scale: sslvpn-phone's load mode spread over processes and client
# addresses (S11): 40 CP-8861 phones from 2 processes (--procs 2), bound to
# 2 source addresses (--source-addrs 198.18.4.0/30: .1 and .2, round
# robin), all up and held, the report merged from both processes, and the
# server sees 20 phones from each address.  A malformed --source-addrs is
# refused with the reason before any connection.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone --sessions 40     |  TLS1.2  | sslvpnd -f -c phone.conf      |
#   |  --procs 2 (20 each)           |===443===>|  pool 198.19.0.10-250         |
#   |  lo 198.18.4.1, 198.18.4.2     |  DTLS1.2 |  route 198.18.4.0/30 -> veth  |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
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
for a in 198.18.4.1 198.18.4.2; do
	ip -n "$NS_CLI" addr add "$a/32" dev lo || fail "client source address $a"
done
ip -n "$NS_SRV" route add 198.18.4.0/30 via "$CLI_IP" || fail "route back to the sources"
phone_config "$TMPD/phone.conf"
start_sslvpnd -c "$TMPD/phone.conf"

run_phone bad --url "$PHONE_URL" --no-pin --sessions 2 --source-addrs 198.18.4.0/33
assert_rc 2 "$PHONE_RC" "--source-addrs A/33 refused as a usage error"
assert_phone_log "--source-addrs '198\.18\.4\.0/33': want A, A-B with A <= B, or A/LEN" \
	"the refusal names the option, the value and the forms"

run_phone p40 -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--ca-cert "$PKI/mic-sha2/ca.pem" --ca-key "$PKI/mic-sha2/ca.key" \
	--sessions 40 --rate 20 --procs 2 --hold 2 --source-addrs 198.18.4.0/30 --json
assert_rc 0 "$PHONE_RC" "40 phones from 2 processes"
assert_eq 40 "$(json_get sessions.requested)" "report: 40 requested (both processes merged)"
assert_eq 40 "$(json_get sessions.up)" "report: 40 up"
assert_eq 40 "$(json_get sessions.held)" "report: 40 held to the end"
for a in 198.18.4.1 198.18.4.2; do
	assert_eq 20 "$(log_lines 722051 "IP <$(re "$a")> Address" | wc -l)" \
		"722051: 20 tunnels from source $a"
done
assert_eq 40 "$(log_lines 716038 'successful' | wc -l)" "716038: 40 logins"
assert_server_alive
echo "PASS: $T_NAME"
