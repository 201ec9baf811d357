#!/bin/bash
# t-dtls-modes: openconnect brings DTLS up in every mode the headend serves
# and pings over it: Cisco DTLS 0.9 (AES256-SHA, AES128-SHA), Cisco DTLS 1.2
# (AES128-GCM-SHA256, ECDHE-RSA-AES256-GCM-SHA384) and PSK-NEGOTIATE
# (openconnect's default), and DTLS 1.2 asked for in the legacy
# X-DTLS-CipherSuite header (OC-DTLS1_2-AES256-GCM, as newer phones do with
# ECDHE names), one client after the other on one sslvpnd.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect -c mic-sha2/leaf   |  TLS 443 | sslvpnd -f (embedded default) |
#   |   --dtls-ciphers / default     |=========>|  main: UDP 443 demux          |
#   |   tunN 198.19.0.x/32           |  UDP 443 |  worker: DTLS 0.9 / 1.2 / PSK |
#   |   route 198.18.1.1/32 -> tunN  |=========>|                               |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# Per mode: openconnect logs "Established DTLS connection" with the expected
# protocol and cipher, the headend logs 100403 (offered) and 722022 UDP
# (100405), 3/3 pings cross the tun device, and the tunnel counters (100410)
# at the end show the pings went over DTLS both ways.
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
cn=$(cert_cn "$cert")
ip_re=$(re "$CLI_IP")


# counters_line N: the N-th 100410 line of this client (1-based).
counters_line() { log_lines 100410 "User <$(re "$cn")>" | sed -n "${1}p"; }

# dtls_case NAME OC-CIPHERSUITE-ERE MODE SUITE [openconnect args...]
n_case=0
dtls_case() {
	local name=$1 oc_re=$2 mode=$3 suite=$4 line din dout
	shift 4
	n_case=$((n_case + 1))
	note "--- $name: expect $mode $suite"
	oc_connect "$name" "$SERVER_URL" -c "$cert" -k "$key" "$@" ||
		fail "$name: no tunnel"
	wait_for 15 "$name: DTLS established" oc_dtls_up "$name" ||
		fail "$name: openconnect never established DTLS: $(grep -i dtls "${OC_LOG[$name]}" | tail -n 5)"
	grep -E "Established DTLS connection.*$oc_re" "${OC_LOG[$name]}" >/dev/null ||
		fail "$name: openconnect DTLS suite is not $oc_re: $(grep 'Established DTLS' "${OC_LOG[$name]}")"
	ok "$name: openconnect: $(grep -o 'Ciphersuite .*' "${OC_LOG[$name]}" | tail -n 1)"
	assert_log 100403 "User <$(re "$cn")> IP <$ip_re> DTLS offered: $(re "$mode") $(re "$suite") " \
		"$name: 100403 offered $mode $suite"
	# Give the first DTLS data a moment: openconnect switches its queue to
	# DTLS right after the handshake.
	sleep 0.5
	assert_ping "$name"
	oc_stop "$name"
	wait_for 10 "$name: tunnel counters logged" test -n "$(counters_line "$n_case")" ||
		fail "$name: no 100410 counters line after the client left"
	line=$(counters_line "$n_case")
	din=$(printf '%s' "$line" | sed -n 's/.*DTLS in \([0-9]*\) out.*/\1/p')
	dout=$(printf '%s' "$line" | sed -n 's/.*DTLS in [0-9]* out \([0-9]*\) packets.*/\1/p')
	if [ "${din:-0}" -lt 3 ] || [ "${dout:-0}" -lt 3 ]; then
		fail "$name: pings did not travel over DTLS: $line"
	fi
	ok "$name: over DTLS: in $din, out $dout packets"
}

dtls_case d09-aes256 '\(DTLS0\.9\)-\(RSA\)-\(AES-256-CBC\)-\(SHA1\)' DTLSv0.9 AES256-SHA \
	--dtls-ciphers=AES256-SHA
dtls_case d09-aes128 '\(DTLS0\.9\)-\(RSA\)-\(AES-128-CBC\)-\(SHA1\)' DTLSv0.9 AES128-SHA \
	--dtls-ciphers=AES128-SHA
dtls_case d12-gcm128 '\(DTLS1\.2\)-\(RSA\)-\(AES-128-GCM\)' DTLSv1.2 AES128-GCM-SHA256 \
	--dtls12-ciphers=AES128-GCM-SHA256
dtls_case d12-ecdhe256 '\(DTLS1\.2\)-\(ECDHE-RSA\)-\(AES-256-GCM\)' DTLSv1.2 \
	ECDHE-RSA-AES256-GCM-SHA384 --dtls12-ciphers=ECDHE-RSA-AES256-GCM-SHA384
# DTLS 1.2 asked for in the legacy header under openconnect's own name.
dtls_case d12-legacy '\(DTLS1\.2\)-\(RSA\)-\(AES-256-GCM\)' DTLSv1.2 AES256-GCM-SHA384 \
	--dtls-ciphers=OC-DTLS1_2-AES256-GCM
dtls_case psk '\(DTLS1\.2\)-\(PSK\)-\(AES-(128|256)-GCM\)' PSK-NEGOTIATE PSK-NEGOTIATE

assert_log_all "722022 UDP for each mode" 722022 "User <$(re "$cn")>" 'UDP SVC connection established'
[ "$(log_lines 722022 "User <$(re "$cn")>" 'UDP SVC' | wc -l)" -ge 6 ] ||
	fail "expected six 722022 UDP lines"
assert_no_log 100406 '' "no DTLS handshake failure"
assert_server_alive
echo "PASS: $T_NAME"
