#!/bin/bash
# t-secmod-keys: the workers hold no TLS private key; sslvpnd-secmod does
# every private-key operation of their handshakes.
#
# One sslvpnd, two workers, two interfaces: "outside" with an RSA identity
# trustpoint AND an EC one, "tmp" with none (the temporary RSA and EC
# identities).  Sessions and handshakes that use every kind of operation:
#   - openconnect, password login, tunnel up (ECDSA: the EC identity)
#   - sslvpn-phone as a 7962G, tunnel up (TLS 1.0 AES256-SHA: RSA key
#     exchange, the premaster decrypted by secmod)
#   - openssl s_client: TLS 1.2 AES256-SHA (RSA decryption), TLS 1.2
#     ECDHE-RSA with RSA+SHA256 (PKCS#1 v1.5 signature), TLS 1.2
#     ECDHE-ECDSA, RSA-PSS (rsa_pss_rsae_sha384), and the same on the
#     temporary identities; TLS 1.3 with RSA-PSS (the only RSA signature
#     TLS 1.3 has) and ECDSA, on both kinds of identity.
# Then every worker's memory (/proc/PID/mem, tests/integration/memsearch.py)
# is searched for the RSA primes p, q, the private exponent d and the EC
# private scalars, as big-endian bytes (DER, PEM decoded) and as
# little-endian bytes (OpenSSL's BIGNUM words): not found; nor in main's,
# which reads them only to hand them over.  The same search of secmod finds
# them (the search works).
# Refusal: SSLVPND_TEST_KEY_PROBE makes worker 0 ask secmod to sign for a
# connection main never handed it: secmod refuses (100713), the worker logs
# the failure (100714), and handshakes go on.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (ECDSA)            |===443===>| outside: RSA + EC trustpoints |
#   | sslvpn-phone -p 7962G (RSA kx) |===443===>|   2 workers (public keys only)|
#   | openssl s_client (kx, PSS...)  |==8443===>| tmp: temporary RSA + EC       |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | sslvpnd-secmod: the keys      |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

MEMSEARCH="$top_srcdir/tests/integration/memsearch.py"
PASS='k3ys pass'
LIB_DEADLINE=150
lib_init
phone_init
command -v python3 >/dev/null || hard_error "python3 is needed (scripts/deps.sh)"
pki_ensure
netns_setup
state_init

srv="$PKI/server"
printf '%s\n' "$PASS" >"$TMPD/pw"
hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "--hash-password failed"
conf="$TMPD/keys.conf"
cat >"$conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = (
  { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; trustpoint = [ "RSA", "EC" ]; },
  { name = "tmp"; address = "0.0.0.0"; port = 8443; dtls-port = 8443; }
);
trustpoints = (
  { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; },
  { name = "RSA"; enrollment = "file"; certificate = "$srv/server.pem"; key = "$srv/server.key"; },
  { name = "EC"; enrollment = "file"; certificate = "$srv/server-ec.pem"; key = "$srv/server-ec.key"; }
);
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = (
  { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "aaa"; },
  { name = "vpn-phone-group"; address-pool = "phones"; default-group-policy = "vpn-phone-policy";
    authentication = "certificate"; group-url = ["$PHONE_URL"]; } );
users = ( { name = "alice"; password = "$hash"; } );
CONF
SSLVPND_TEST_KEY_PROBE=4 start_sslvpnd -c "$conf"
wait_for 10 "listening on port 8443" log_has 100007 'listening on .* port 8443$' ||
	fail "no 100007 for port 8443"
assert_log 100712 'security module: 4 private keys loaded \(generation 1\)' \
	"100712: secmod has the 4 identity keys (RSA, EC, temporary RSA and EC)"
start_echo

# 1. openconnect: a password login and a tunnel (TLS 1.3, the EC identity).
OC_STDIN="$TMPD/pw" oc_connect a "$SERVER_URL" --user alice --passwd-on-stdin ||
	fail "alice: no tunnel"
assert_ping a

# 2. the 7962G phone: TLS 1.0 AES256-SHA (RSA key exchange), tunnel held.
run_phone_bg p7962 -p 7962G --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$PKI/mic-sha1/leaf-fullchain.pem" --key "$PKI/mic-sha1/leaf.key" \
	--ping "$BEHIND_IP" --ping-count 3 --hold 25 --json
wait_for 15 "phone tunnel up" phone_has_addr || {
	phone_wait
	fail "the 7962G reported no tunnel address"
}
ok "7962G tunnel up ($(phone_addr))"

# 3. single handshakes: handshake PORT WANT-ERE WHAT ARGS...: one s_client
# handshake; WANT is matched against "PROTOCOL CIPHER sig=PEER-SIGNATURE".
handshake() {
	local port=$1 want=$2 what=$3 out got
	shift 3
	out=$(timeout -k 2 8 ip netns exec "$NS_CLI" openssl s_client -connect "$SRV_IP:$port" \
		"$@" </dev/null 2>&1)
	# TLS 1.3 sessions print no SSL-Session block (no tickets): the
	# version from the "New, VERSION, Cipher is" line then
	got="$(printf '%s\n' "$out" | sed -n 's/^ *Protocol *: *//p' | head -n 1)"
	[ -n "$got" ] || got="$(printf '%s\n' "$out" | sed -n 's/^New, \([^,]*\), Cipher is .*/\1/p' | head -n 1)"
	got="$got $(printf '%s\n' "$out" | sed -n 's/^New, .*Cipher is //p' | head -n 1)"
	got="$got sig=$(printf '%s\n' "$out" | sed -n 's/^Peer signature type: //p' | head -n 1)"
	assert_match "$got" "$want" "$what"
}
handshake 443 '^TLSv1\.2 AES256-SHA sig=$' "TLS 1.2 AES256-SHA, RSA key exchange (RSA identity)" \
	-tls1_2 -cipher AES256-SHA
handshake 443 '^TLSv1\.2 ECDHE-RSA-AES128-GCM-SHA256 sig=RSA$' \
	"TLS 1.2 ECDHE-RSA, PKCS#1 v1.5 signature (RSA identity)" \
	-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -sigalgs RSA+SHA256
handshake 443 '^TLSv1\.2 ECDHE-ECDSA-AES128-GCM-SHA256 sig=ECDSA$' "TLS 1.2 ECDHE-ECDSA (EC identity)" \
	-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
handshake 443 '^TLSv1\.2 ECDHE-RSA-AES256-GCM-SHA384 sig=RSA-PSS$' "TLS 1.2 RSA-PSS (RSA identity)" \
	-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -sigalgs rsa_pss_rsae_sha384
handshake 8443 '^TLSv1\.2 AES128-SHA sig=$' "TLS 1.2 AES128-SHA (temporary RSA identity)" \
	-tls1_2 -cipher AES128-SHA
handshake 8443 '^TLSv1\.2 ECDHE-ECDSA-AES256-GCM-SHA384 sig=ECDSA$' "TLS 1.2 ECDSA (temporary EC identity)" \
	-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384
handshake 443 '^TLSv1\.3 TLS_AES_256_GCM_SHA384 sig=RSA-PSS$' "TLS 1.3 RSA-PSS (RSA identity)" \
	-tls1_3 -sigalgs rsa_pss_rsae_sha256
handshake 443 '^TLSv1\.3 TLS_AES_128_GCM_SHA256 sig=ECDSA$' "TLS 1.3 ECDSA (EC identity)" \
	-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 -sigalgs 'ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512'
handshake 8443 '^TLSv1\.3 TLS_AES_256_GCM_SHA384 sig=RSA-PSS$' "TLS 1.3 RSA-PSS (temporary RSA identity)" \
	-tls1_3 -sigalgs rsa_pss_rsae_sha512

# 4. The refusal (test aid, 4 s after worker 0 started).
wait_for 10 "100713" log_has 100713 || fail "secmod did not refuse the probe (100713)"
assert_log 100713 'key operation of worker 0 for connection 4294967280 refused: connection not in a handshake of this worker \(no-handshake\)' \
	"100713: secmod refused a signature for a connection main never handed over"
assert_log 100714 'connection 4294967280 from test-probe on outside: private key operation failed: refused by the security module: connection not in its handshake' \
	"100714: the worker names the refusal"
handshake 443 '^TLSv1\.2 ECDHE-RSA-AES128-GCM-SHA256 sig=RSA-PSS$' "a handshake after the refusal" \
	-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -sigalgs rsa_pss_rsae_sha256

# 5. The memory of every worker, and of secmod.
# secrets KEYFILE LABEL...: the hex of each labelled number of the key
# (openssl pkey -text), leading zero bytes dropped.
secrets() {
	openssl pkey -in "$1" -noout -text | python3 -c '
import re, sys
want, blocks, cur = sys.argv[1:], {}, None
for line in sys.stdin:
    m = re.match(r"^([A-Za-z0-9]+):\s*(.*)$", line.rstrip())
    if m:
        cur = m.group(1)
        blocks[cur] = m.group(2)
    elif cur and line.startswith(" "):
        blocks[cur] += line.strip()
for w in want:
    h = blocks[w].replace(":", "")
    while h.startswith("00"):
        h = h[2:]
    print(h)' "${@:2}"
}
# count PID HEX REGIONS: occurrences of the bytes, big- and little-endian.
count() {
	local le out n=0
	le=$(printf '%s' "$2" | sed 's/../& /g' | tr ' ' '\n' | tac | tr -d '\n')
	for h in "$2" "$le"; do
		out=$(python3 "$MEMSEARCH" "$1" "hex:$h" "$3") || hard_error "memsearch.py $1 failed"
		printf '%s\n' "$out" | grep '^HIT' | sed 's/^/    /' >&2
		n=$((n + $(printf '%s\n' "$out" | sed -n 's/^TOTAL //p')))
	done
	printf '%s\n' "$n"
}
declare -A NEEDLE
i=0
for h in $(secrets "$srv/server.key" prime1 prime2 privateExponent); do
	NEEDLE["RSA identity #$((i += 1))"]=$h
done
NEEDLE["EC identity scalar"]=$(secrets "$srv/server-ec.key" priv)
for h in $(secrets "$STATE/identity/temporary-rsa.pem" prime1 privateExponent); do
	NEEDLE["temporary RSA #$((i += 1))"]=$h
done
NEEDLE["temporary EC scalar"]=$(secrets "$STATE/identity/temporary-ec.pem" priv)
for k in "${!NEEDLE[@]}"; do
	assert_match "${NEEDLE[$k]}" '^[0-9a-f]{64,}$' "needle $k"
done

mapfile -t workers < <(pgrep -P "$SRV_PID" -x sslvpnd-worker)
assert_eq 2 "${#workers[@]}" "two workers"
sm=$(pgrep -P "$SRV_PID" -x sslvpnd-secmod)
[ -n "$sm" ] || fail "no secmod process"
for w in "${workers[@]}"; do
	for k in "${!NEEDLE[@]}"; do
		n=$(count "$w" "${NEEDLE[$k]}" all)
		assert_eq 0 "$n" "worker (pid $w): $k not in memory"
	done
done
# main reads the keys only to hand them over, then frees them, cleared by
# glibc's M_PERTURB (msecmod.c).  An --enable-asan build has ASan's
# allocator instead, which leaves freed blocks of OpenSSL's key loading
# uncleared: there only the workers and secmod are checked.
if asan_build; then
	echo "skip: main's memory (an ASan build: freed blocks are not cleared)"
else
	for k in "${!NEEDLE[@]}"; do
		n=$(count "$SRV_PID" "${NEEDLE[$k]}" all)
		assert_eq 0 "$n" "main (pid $SRV_PID): $k not in memory"
	done
fi
for k in "${!NEEDLE[@]}"; do
	n=$(count "$sm" "${NEEDLE[$k]}" anon)
	[ "${n:-0}" -ge 1 ] || fail "secmod (pid $sm): $k not found (does the search work?)"
	ok "secmod (pid $sm): $k found ($n times)"
done

phone_wait
assert_rc 0 "$PHONE_RC" "the 7962G session ran to its end"
assert_eq TLSv1 "$(json_get session.tls_version)" "7962G: TLS 1.0"
assert_eq AES256-SHA "$(json_get session.tls_cipher)" "7962G: AES256-SHA (RSA key exchange)"
assert_ping a
assert_no_log 100715 '' "no worker broke the key channel protocol"
assert_server_alive
echo "PASS: $T_NAME"
