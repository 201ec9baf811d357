#!/bin/bash
# t-http-bad: hostile or broken HTTP over TLS gets the right refusal and the
# connection closed, and the daemon keeps serving: malformed request lines
# (400), more than 16 KiB of headers (431), an unknown path (404), CONNECT
# without a cookie (401, or 503 with X-Reason) and with a bogus cookie (401);
# afterwards a phone still logs in and pings through its tunnel.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openssl s_client (raw bytes)   |---443--->| sslvpnd -f --state-dir STATE  |
#   | curl GET /nope                 |---443--->|   (embedded default config)   |
#   | openconnect (8861 MIC)  tunN   |===443===>|                               |
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

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
# Present the valid MIC so that only the HTTP layer is under test.
send() { # NAME PRINTF-FORMAT [ARGS...]: raw request over TLS
	local name=$1 fmt=$2
	shift 2
	# shellcheck disable=SC2059 # the format is the request template
	printf "$fmt" "$@" >"$TMPD/$name.req"
	raw_https "$name" "$TMPD/$name.req" -cert "$cert" -key "$key"
}
closed() { # WHAT: the server closed the connection (s_client ended by itself)
	if [ "$RAW_RC" -eq 124 ] || [ "$RAW_RC" -eq 137 ]; then
		fail "$1: the server kept the connection open (s_client timed out)"
	fi
	ok "$1: connection closed"
}
hdr_common='Host: 198.18.0.1\r\nUser-Agent: Open AnyConnect VPN Agent v9.01\r\n'

# 1. Malformed request lines: 400 and close.
send garbage 'GARBAGE\r\n\r\n'
assert_eq 400 "$RAW_STATUS" "request line 'GARBAGE'"
closed "request line 'GARBAGE'"
send notarget "GET  HTTP/1.1\r\n${hdr_common}\r\n"
assert_eq 400 "$RAW_STATUS" "request line without a target"
closed "request line without a target"
assert_log 100301 "client $(re "$CLI_IP")" "100301: bad HTTP request logged"

# 2. More than 16 KiB of headers: 431 and close.
filler=$(head -c 1000 /dev/zero | tr '\0' a)
big=
for i in $(seq 1 17); do
	big="${big}X-Filler-$i: $filler\r\n"
done
send bighdr "GET / HTTP/1.1\r\n${hdr_common}${big}\r\n"
assert_eq 431 "$RAW_STATUS" "17 KiB of request headers"
closed "17 KiB of request headers"

# 3. Unknown path: 404.
code=$(timeout -k 2 15 ip netns exec "$NS_CLI" curl -sS -k --max-time 10 \
	--cert "$cert" --key "$key" -o /dev/null -w '%{http_code}' \
	"https://$SRV_IP/nope" 2>"$TMPD/nope.curl.err")
assert_eq 404 "$code" "GET /nope"

# 4. CONNECT without a cookie: 401, or 503 with X-Reason; then close.
send nocookie "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n${hdr_common}X-CSTP-Version: 1\r\n\r\n"
case $RAW_STATUS in
401) ok "CONNECT without a cookie: 401" ;;
503)
	grep -qi '^X-Reason: *[^[:space:]]' "$RAW_REPLY" ||
		fail "CONNECT without a cookie: 503 without an X-Reason header"
	ok "CONNECT without a cookie: 503 with X-Reason"
	;;
*) fail "CONNECT without a cookie: expected 401 or 503, got <$RAW_STATUS>" ;;
esac
closed "CONNECT without a cookie"

# 5. CONNECT with a cookie the server never issued: 401 and close.
bogus=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
send bogus "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n${hdr_common}Cookie: webvpn=%s\r\nX-CSTP-Version: 1\r\n\r\n" "$bogus"
assert_eq 401 "$RAW_STATUS" "CONNECT with a bogus cookie"
closed "CONNECT with a bogus cookie"
assert_no_log 722022 "." "no tunnel came up from the bad requests"

# 6. Still serving: a phone logs in and pings.
assert_server_alive
oc_connect after "$SERVER_URL" -c "$cert" -k "$key" ||
	fail "openconnect after the bad requests: no tunnel"
assert_in_pool "${OC_ADDR[after]}" "address after the bad requests"
assert_ping after
assert_log 722022 "IP <$(re "$CLI_IP")> TCP SVC connection established" "722022: tunnel up"
oc_stop after
echo "PASS: $T_NAME"
