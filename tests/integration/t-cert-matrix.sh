#!/bin/bash
# t-cert-matrix: client certificates against the CA trustpoints, one
# openconnect --authenticate each.  Accepted: an 8861 MIC sending its
# intermediate, a CAPF LSC checked against the CAPF's CRL.  Refused, each
# with a 717009 line naming the reason: missing intermediate, expired, not
# yet valid, wrong CA, self-signed leaf, revoked (CRL), a SHA-1 chain on a
# trustpoint with accept-sha1 false, a certificate without clientAuth.
# A tunnel group with validation-trustpoints CAPF takes the LSC, not the
# MIC (716039 names the trustpoint that validated it).
# Then the same daemon restarted with ignore-expiry on the MIC trustpoint:
# the expired and the not-yet-valid MIC are accepted (100123), the others
# are still refused.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --authenticate     |---443--->| sslvpnd -f -c matrix.conf     |
#   |   -c <case>.pem -k <case>.key  |          |  MIC2: mic-sha2 root only     |
#   |                                |          |  MIC1: mic-sha1, accept-sha1 no|
#   |                                |          |  CAPF: root + capf.crl        |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

bad="$PKI/bad"
if [ ! -f "$bad/capf.crl" ] || [ ! -f "$bad/eku-server-chain.pem" ]; then
	hard_error "lab PKI without bad/capf.crl or bad/eku-server-chain.pem (scripts/lab-pki too old)"
fi
mkdir -p "$TMPD/mic1"
cp "$PKI/mic-sha1/root.pem" "$TMPD/mic1/root.pem"
cp "$PKI/mic-sha1/ca.pem" "$TMPD/mic1/ca.pem"

write_conf() { # IGNORE-EXPIRY (true|false)
	cat >"$TMPD/matrix.conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = (
  { name = "MIC2"; enrollment = "terminal"; certificate = "$PKI/mic-sha2/root.pem"; ignore-expiry = $1; },
  { name = "MIC1"; enrollment = "terminal"; certificate = "$TMPD/mic1"; accept-sha1 = false; },
  { name = "CAPF"; enrollment = "terminal"; certificate = "$PKI/capf/root.pem"; crl = "$bad/capf.crl"; }
);
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = (
  { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; },
  { name = "LSC-ONLY"; address-pool = "phones"; authentication = "certificate";
    group-url = "https://$SRV_IP/lsc enable"; validation-trustpoints = "CAPF"; },
  { name = "BY-DEVICE"; address-pool = "phones"; authentication = "certificate";
    group-url = "https://$SRV_IP/device enable"; username-from-certificate = "DEVICE"; }
);
CONF
}

# accepted NAME CERT KEY: a cookie, 717022 for the certificate's CN
accepted() {
	local name=$1 cert=$2 key=$3 cn
	cn=$(cert_cn "$cert")
	oc_authenticate "$name" "$SERVER_URL" -c "$cert" -k "$key"
	assert_rc 0 "$OC_AUTH_RC" "$name: openconnect --authenticate"
	assert_ne "" "$OC_COOKIE" "$name: cookie for $cn"
	assert_log 717022 "subject name: .*$(re "$cn")" "$name: 717022 certificate validated"
}

# refused NAME CERT KEY REASON-ERE: no cookie, 717009 with the reason
refused() {
	local name=$1 cert=$2 key=$3 reason=$4 cn logins
	cn=$(cert_cn "$cert")
	logins=$(log_lines 716038 | grep -c -F "User <$cn>")
	oc_authenticate "$name" "$SERVER_URL" -c "$cert" -k "$key"
	assert_fails "$OC_AUTH_RC" "$name: openconnect --authenticate"
	assert_eq "" "$OC_COOKIE" "$name: no cookie for $cn"
	assert_log_all "$name: 717009 for $cn" 717009 \
		"Certificate validation failed\. .* subject name: .*$(re "$cn").*, issuer name: "
	# the ASA line has the ASA's reason; OpenSSL's is ours (100113)
	assert_log 100113 "refused: $reason" "$name: 100113 names the reason /$reason/"
	assert_eq "$logins" "$(log_lines 716038 | grep -c -F "User <$cn>")" "$name: no login (716038) for $cn"
}

write_conf false
start_sslvpnd -c "$TMPD/matrix.conf"

accepted sha2-chain "$PKI/mic-sha2/leaf-fullchain.pem" "$PKI/mic-sha2/leaf.key"
accepted capf-lsc "$PKI/capf/leaf.pem" "$PKI/capf/leaf.key"
refused missing-intermediate "$PKI/mic-sha2/leaf.pem" "$PKI/mic-sha2/leaf.key" \
	'unable to get local issuer certificate'
refused expired "$bad/expired-chain.pem" "$bad/expired.key" 'certificate has expired'
refused not-yet-valid "$bad/future-chain.pem" "$bad/future.key" 'certificate is not yet valid'
refused wrong-ca "$bad/wrongca-chain.pem" "$bad/wrongca.key" \
	'self-signed certificate in certificate chain|unable to get local issuer'
refused self-signed "$bad/selfsigned.pem" "$bad/selfsigned.key" 'self-signed certificate'
refused revoked "$bad/revoked.pem" "$bad/revoked.key" 'certificate revoked'
refused sha1-forbidden "$PKI/mic-sha1/leaf-fullchain.pem" "$PKI/mic-sha1/leaf.key" \
	'SHA-1 signature refused by trustpoint MIC1'
refused key-usage "$bad/eku-server-chain.pem" "$bad/eku-server.key" 'unsuitable certificate purpose'
assert_no_log 100123 '' "nothing accepted under ignore-expiry while it is off"

# validation-trustpoints: tunnel group LSC-ONLY takes chains of CAPF only.
accepted lsc-only-capf "$PKI/capf/leaf.pem" "$PKI/capf/leaf.key"
SERVER_URL_SAVED=$SERVER_URL
SERVER_URL="https://$SRV_IP/lsc"
accepted lsc-only-lsc "$PKI/capf/leaf.pem" "$PKI/capf/leaf.key"
oc_authenticate lsc-only-mic "$SERVER_URL" -c "$PKI/mic-sha2/leaf-fullchain.pem" -k "$PKI/mic-sha2/leaf.key"
assert_fails "$OC_AUTH_RC" "MIC on LSC-ONLY (validation-trustpoints CAPF)"
assert_eq "" "$OC_COOKIE" "no cookie for a MIC on LSC-ONLY"
assert_log 100215 'validated by trustpoint MIC2, not one of the tunnel group.s validation-trustpoints' \
	"100215 names the trustpoint that validated the MIC"
# username-from-certificate DEVICE: the MIC CP-8861-SEP682C7B40B5CE logs in
# as its device name SEP682C7B40B5CE.
SERVER_URL="https://$SRV_IP/device"
accepted by-device "$PKI/mic-sha2/leaf-fullchain.pem" "$PKI/mic-sha2/leaf.key"
assert_log 716038 'User <SEP682C7B40B5CE> IP' "716038: the MIC's session is named by its device name"
SERVER_URL=$SERVER_URL_SAVED
assert_server_alive

# ignore-expiry on MIC2: dates no longer count for chains ending there.
stop_pid "$SRV_PID"
mv "$SRV_LOG" "$SRV_LOG.1"
write_conf true
start_sslvpnd -c "$TMPD/matrix.conf"
accepted expired-ignored "$bad/expired-chain.pem" "$bad/expired.key"
assert_log 100123 'trustpoint MIC2: client certificate .*CP-8861-SEP000000BAD002.* accepted although certificate has expired' \
	"100123: expired MIC accepted under ignore-expiry"
accepted future-ignored "$bad/future-chain.pem" "$bad/future.key"
assert_log 100123 'CP-8861-SEP000000BAD003.* accepted although certificate is not yet valid' \
	"100123: not-yet-valid MIC accepted under ignore-expiry"
refused self-signed-still "$bad/selfsigned.pem" "$bad/selfsigned.key" 'self-signed certificate'
refused revoked-still "$bad/revoked.pem" "$bad/revoked.key" 'certificate revoked'
refused key-usage-still "$bad/eku-server-chain.pem" "$bad/eku-server.key" 'unsuitable certificate purpose'
assert_server_alive
echo "PASS: $T_NAME"
