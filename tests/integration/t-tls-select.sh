#!/bin/bash
# t-tls-select: the ASA's certificate selection table (asa-behaviour.md
# section 5, Cisco bug CSCuu02848) over the wire.  One sslvpnd, four
# interfaces, one per column of the table: an RSA identity only, an EC
# identity only, both, none.  For each, `openssl s_client -cipher` offers
# RSA-authenticated suites only, ECDSA suites only, or both; the certificate
# presented (by SHA-1: configured or temporary, RSA or EC) and the kind of
# the negotiated cipher must match the table:
#
#   offer \ configured  RSA only        EC only          both          none
#   RSA only            RSA, RSA        RSA temp, RSA    RSA, RSA      RSA temp, RSA
#   EC only             fails           EC, EC           EC, EC        EC temp, EC
#   both                RSA, RSA        EC, EC           EC, EC        EC temp, EC
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openssl s_client -cipher aRSA  |---443--->| rsa   (trustpoint RSA)        |
#   |   | aECDSA | aECDSA:aRSA       |---8443-->| ec    (trustpoint EC)         |
#   |                                |---9443-->| both  (RSA + EC)              |
#   |                                |--10443-->| none  (temporary certificates)|
#   |  -servername vpn2.lab.example  |          | SNI trustpoint (domain)       |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

srv="$PKI/server"
conf="$TMPD/select.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = (
  { name = "rsa";  address = "0.0.0.0"; port = 443;   dtls-port = 443;   trustpoint = "RSA"; },
  { name = "ec";   address = "0.0.0.0"; port = 8443;  dtls-port = 8443;  trustpoint = "EC"; },
  { name = "both"; address = "0.0.0.0"; port = 9443;  dtls-port = 9443;  trustpoint = [ "RSA", "EC" ]; },
  { name = "none"; address = "0.0.0.0"; port = 10443; dtls-port = 10443; }
);
trustpoints = (
  { name = "RSA"; enrollment = "file"; certificate = "$srv/server.pem"; key = "$srv/server.key"; },
  { name = "EC"; enrollment = "file"; certificate = "$srv/server-ec.pem"; key = "$srv/server-ec.key"; },
  { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; },
  { name = "SNI"; enrollment = "self"; subject-name = "CN=vpn2.lab.example"; domain = [ "vpn2.lab.example", "*.phones.lab.example" ]; }
);
CONF
start_sslvpnd -c "$conf"
for p in 8443 9443 10443; do
	wait_for 10 "listening on port $p" log_has 100007 "listening on .* port $p\$" ||
		fail "no 100007 for port $p"
done

sha1_of() { # PEM file: SHA-1 as 40 upper-case hex digits
	openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g'
}
declare -A HASH
HASH[rsa]=$(sha1_of "$srv/server.pem")
HASH[ec]=$(sha1_of "$srv/server-ec.pem")
HASH[rsatemp]=$(sha1_of "$STATE/identity/temporary-rsa.pem")
HASH[ectemp]=$(sha1_of "$STATE/identity/temporary-ec.pem")
for k in rsa ec rsatemp ectemp; do
	assert_match "${HASH[$k]}" '^[0-9A-F]{40}$' "SHA-1 of the $k certificate"
done
# The two temporary certificates: the ASA's subject, one per key type.
for t in rsa ec; do
	subj=$(openssl x509 -in "$STATE/identity/temporary-$t.pem" -noout -subject)
	assert_match "$subj" 'CN ?= ?ASA Temporary Self Signed Certificate' \
		"temporary $t certificate subject"
done
openssl x509 -in "$STATE/identity/temporary-ec.pem" -noout -text |
	grep -q 'id-ecPublicKey' || fail "temporary-ec.pem does not hold an EC key"

declare -A PORT=([rsa]=443 [ec]=8443 [both]=9443 [none]=10443)
declare -A OFFER=([rsa]=aRSA [ec]=aECDSA [both]='aECDSA:aRSA')
# expected "certificate/cipher kind", or "fail"; [offer.configured]
declare -A WANT=(
	[rsa.rsa]=rsa/RSA [rsa.ec]=rsatemp/RSA [rsa.both]=rsa/RSA [rsa.none]=rsatemp/RSA
	[ec.rsa]=fail [ec.ec]=ec/EC [ec.both]=ec/EC [ec.none]=ectemp/EC
	[both.rsa]=rsa/RSA [both.ec]=ec/EC [both.both]=ec/EC [both.none]=ectemp/EC
)

# probe OFFER CONFIGURED [SNI]: one TLS 1.2 handshake; sets GOT to
# "certificate/cipher kind" or "fail", and CIPHER.
probe() {
	local out="$TMPD/probe.$1.$2" pem="$TMPD/probe.$1.$2.pem" h k sni=()
	[ -n "${3:-}" ] && sni=(-servername "$3")
	timeout -k 2 8 ip netns exec "$NS_CLI" openssl s_client -connect \
		"$SRV_IP:${PORT[$2]}" -tls1_2 -cipher "${OFFER[$1]}" "${sni[@]}" </dev/null \
		>"$out" 2>&1
	CIPHER=$(sed -n 's/^ *Cipher *: *//p' "$out" | head -n 1)
	if [ -z "$CIPHER" ] || [ "$CIPHER" = "0000" ] || [ "$CIPHER" = "(NONE)" ]; then
		GOT=fail
		return
	fi
	sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$out" >"$pem"
	h=$(sha1_of "$pem")
	GOT="?$h"
	for k in rsa ec rsatemp ectemp sni; do
		[ "$h" = "${HASH[$k]:-}" ] && GOT=$k
	done
	case $CIPHER in
	*ECDSA*) GOT="$GOT/EC" ;;
	*) GOT="$GOT/RSA" ;;
	esac
}

for offer in rsa ec both; do
	for cfgd in rsa ec both none; do
		probe "$offer" "$cfgd"
		assert_eq "${WANT[$offer.$cfgd]}" "$GOT" \
			"offer ${OFFER[$offer]} on interface $cfgd (cipher ${CIPHER:-none})"
	done
done

# The refused cell is a handshake failure the log names (725006).  As on
# the ASA, 725006 carries no reason (S14): "no shared cipher" is in the
# 725014 line before it (debug severity; t-tls-asa-lines shows it).
assert_log 725006 '^.*Device failed SSL handshake with client rsa:[^ ]+/[0-9]+$' "725006: EC-only client on the RSA-only interface fails"

# SNI (ssl trust-point SNI domain ...): the names bound to trustpoint SNI
# get its certificate on every interface; other names the interface's own.
HASH[sni]=$(sha1_of "$STATE/identity/SNI.pem")
assert_match "${HASH[sni]}" '^[0-9A-F]{40}$' "SHA-1 of the SNI trustpoint's certificate"
probe both rsa vpn2.lab.example
assert_eq "sni/RSA" "$GOT" "SNI vpn2.lab.example on interface rsa"
probe rsa none a.phones.lab.example
assert_eq "sni/RSA" "$GOT" "SNI a.phones.lab.example (wildcard domain) on interface none"
probe both rsa other.lab.example
assert_eq "rsa/RSA" "$GOT" "SNI other.lab.example on interface rsa: its own certificate"
probe both none b.a.phones.lab.example
assert_eq "ectemp/EC" "$GOT" "the wildcard domain covers one label only"
assert_log 100124 "interface rsa: clients asking for vpn2\\.lab\\.example \\(SNI\\) .* trustpoint SNI, SHA-1 ${HASH[sni]}" \
	"100124 names the SNI certificate"

# The interfaces with two certificates say which one RSA-only clients get.
assert_log 100120 "interface both: RSA identity certificate .* from trustpoint RSA, SHA-1 ${HASH[rsa]}" \
	"100120 names the RSA certificate of interface both"
assert_log 100120 "interface none: RSA identity certificate .*\(temporary self-signed\), SHA-1 ${HASH[rsatemp]}" \
	"100120 names the RSA temporary certificate of interface none"
assert_log 100006 "interface none: .*SHA-1 ${HASH[ectemp]}" "100006: EC temporary is interface none's certHash"

# Stable across restarts: the temporary certificates are not regenerated.
stop_pid "$SRV_PID"
mv "$SRV_LOG" "$SRV_LOG.1"
start_sslvpnd -c "$conf"
assert_eq "${HASH[ectemp]}" "$(sha1_of "$STATE/identity/temporary-ec.pem")" "EC temporary kept"
assert_no_log 100005 'temporary' "no temporary certificate generated on restart"
wait_for 10 "listening on port 10443" log_has 100007 "listening on .* port 10443\$" ||
	fail "no 100007 for port 10443 after restart"
probe both none
assert_eq "ectemp/EC" "$GOT" "after restart, interface none still presents the same EC temporary"
probe rsa none
assert_eq "rsatemp/RSA" "$GOT" "after restart, interface none still presents the same RSA temporary"

assert_server_alive
echo "PASS: $T_NAME"
