#!/bin/bash
# t-doctor: the doctor on real certificate files, offline (`sslvpnd --doctor
# -c FILE`, text and JSON, and the error-level checks in `sslvpnd -t`) and
# on the running daemon (`sslvpnctl doctor`): an identity that ends in 30
# days without the group-url's IP in its SANs, a CA that is not valid yet
# (seed 002: clock / time zone) and the lab's SHA-256 CAPF CA (seed 003:
# 79xx LSCs).  Then the corrected file: only the CAPF warning stays.
#
#   server ns svd-s-$$
#   +-------------------------------------------------------------+
#   | sslvpnd --doctor -c bad.conf     (offline, exit 2)           |
#   | sslvpnd -f -c good.conf  <-unix-  sslvpnctl doctor (exit 1)  |
#   +-------------------------------------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
pki_ensure
netns_setup
state_init

D="$TMPD/doc-pki"
mkdir -p "$D/ca-dated"
# identity: RSA, 30 days left, DNS SAN only (the group-url is by address)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/id.key" -out "$D/id.pem" -days 30 \
	-subj /CN=vpn.lab.example -addext subjectAltName=DNS:vpn.lab.example \
	>/dev/null 2>&1 || hard_error "openssl: identity"
# a CA whose validity starts tomorrow (openssl x509 has no -not_before
# before OpenSSL 3.4: openssl ca -selfsign)
touch "$D/ca-dated/index.txt"
echo 01 >"$D/ca-dated/serial"
cat >"$D/ca.cnf" <<CNF
[ ca ]
default_ca = dated
[ dated ]
dir = $D/ca-dated
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
policy = any
default_md = sha256
x509_extensions = v3_ca
[ any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
CNF
openssl req -new -newkey rsa:2048 -nodes -keyout "$D/future-ca.key" -out "$D/future-ca.csr" \
	-subj "/CN=Future Lab CA" >/dev/null 2>&1 || hard_error "openssl: CA request"
openssl ca -batch -config "$D/ca.cnf" -selfsign -keyfile "$D/future-ca.key" \
	-in "$D/future-ca.csr" -out "$D/future-ca.pem" -notext \
	-startdate "$(date -u -d '+1 day' +%y%m%d%H%M%SZ)" \
	-enddate "$(date -u -d '+3650 days' +%y%m%d%H%M%SZ)" >"$D/ca.log" 2>&1 ||
	{ cat "$D/ca.log"; hard_error "openssl ca: future CA"; }
capf=$(ls "$PKI"/trust/LAB_CAPF-*.pem | head -n 1)
[ -f "$capf" ] || hard_error "lab PKI has no CAPF CA"

# conf FILE IDENTITY-PEM IDENTITY-KEY EXTRA-TRUSTPOINTS
conf() {
	cat >"$1" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; trustpoint = "ID"; } );
trustpoints = ( { name = "ID"; enrollment = "file"; certificate = "$2"; key = "$3"; },
                { name = "CAPF"; enrollment = "terminal"; certificate = "$capf"; } $4 );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.250"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "PhonePolicy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "VPNPhone"; address-pool = "phones"; default-group-policy = "PhonePolicy";
                    authentication = "certificate"; group-url = ["https://$SRV_IP/phone"]; } );
limits = { max-sessions = 241; };
CONF
}

bad="$TMPD/bad.conf"
conf "$bad" "$D/id.pem" "$D/id.key" \
	", { name = \"FUTURE\"; enrollment = \"terminal\"; certificate = \"$D/future-ca.pem\"; }"

# --- offline, text
out="$TMPD/doctor.out"
"$SSLVPND" --doctor -c "$bad" --state-dir "$STATE" >"$out" 2>&1
rc=$?
sed 's/^/    | /' "$out"
assert_rc 2 "$rc" "sslvpnd --doctor: an error among the findings"
expect() { # ERE what
	grep -Eq -- "$1" "$out" || fail "$2: no line matching /$1/"
	ok "$2"
}
expect '^warning identity-expiry \(seed 000[^)]*\): trustpoint ID: the identity certificate ends in (29|30) days' \
	"identity ending within 60 days"
expect '^    fix: .*sslvpnctl certhash ID ID-NEW' "the rollover procedure with its commands"
expect "^warning host-id \(seed 001[^)]*\): tunnel group VPNPhone: group-url https://$(re "$SRV_IP")/phone: the address $(re "$SRV_IP") is not in the identity certificate of trustpoint ID \(no such IP SAN\)" \
	"group-url by IP without an IP SAN"
expect "^    fix: issue trustpoint ID's certificate with subjectAltName IP:$(re "$SRV_IP")" "host-id fix"
expect '^error cert-validity \(seed 002: time and time zone\): trustpoint FUTURE: CA certificate CN=Future Lab CA is not valid for another (23|24) hours' \
	"CA not valid yet (seed 002)"
expect '^    fix: check this host.s clock and time zone' "clock fix"
expect '^warning lsc-sha256 \(seed 003[^)]*\): trustpoint CAPF: the CAPF CA .* signs with sha256' \
	"SHA-256 LSC CA (seed 003)"

# --- offline, JSON
"$SSLVPND" --doctor --json -c "$bad" --state-dir "$STATE" >"$TMPD/doctor.json" 2>"$TMPD/doctor.err"
assert_rc 2 $? "sslvpnd --doctor --json: exit 2"
checks=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["exit"]==2 and d["worst"]=="error", d
print(" ".join(sorted({f["check"] for f in d["findings"]})))' "$TMPD/doctor.json") ||
	fail "--json output: $(cat "$TMPD/doctor.json")"
assert_eq "cert-validity ec-temp-cert host-id identity-expiry lsc-sha256 mic-trust" "$checks" \
	"JSON names the four checks and the notices (RSA identity with ECDSA suites; no MIC CA)"

# --- sslvpnd -t: the doctor's error fails the check
"$SSLVPND" -t -c "$bad" --state-dir "$STATE" >"$TMPD/t.out" 2>&1
rc=$?
sed 's/^/    | /' "$TMPD/t.out"
assert_rc 1 "$rc" "sslvpnd -t refuses a file the doctor finds an error in"
grep -q 'doctor errors' "$TMPD/t.out" || fail "-t does not say the doctor found errors"
grep -q '^error cert-validity' "$TMPD/t.out" || fail "-t does not print the doctor's error"
ok "-t prints the doctor's error and fails"

# --- corrected: the lab identity (IP SAN), no future CA
good="$TMPD/good.conf"
conf "$good" "$PKI/server/server.pem" "$PKI/server/server.key" ""
"$SSLVPND" --doctor -c "$good" --state-dir "$STATE" >"$out" 2>&1
rc=$?
sed 's/^/    | /' "$out"
assert_rc 1 "$rc" "corrected file: warnings only (the CAPF CA)"
for c in identity-expiry host-id cert-validity; do
	grep -q "^[a-z]* $c " "$out" && fail "corrected file still has a $c finding"
done
ok "corrected file: no identity-expiry, host-id or cert-validity finding"

# --- the running daemon: sslvpnctl doctor
start_sslvpnd -c "$good"
timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" doctor >"$TMPD/ctl.out" 2>&1
rc=$?
sed 's/^/    | /' "$TMPD/ctl.out"
assert_rc 1 "$rc" "sslvpnctl doctor: exit 1 (a warning)"
grep -q '^warning lsc-sha256 (seed 003' "$TMPD/ctl.out" || fail "sslvpnctl doctor: no lsc-sha256 warning"
ok "sslvpnctl doctor names the CAPF warning"
timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" --json doctor >"$TMPD/ctl.json" 2>&1
assert_rc 1 $? "sslvpnctl --json doctor: exit 1"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["exit"]==1 and any(f["check"]=="lsc-sha256" for f in d["findings"]), d' "$TMPD/ctl.json" ||
	fail "sslvpnctl --json doctor: $(cat "$TMPD/ctl.json")"
ok "sslvpnctl --json doctor: one JSON document with the finding"
timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" help >"$TMPD/help.out" 2>&1
grep -q '^doctor ' "$TMPD/help.out" || fail "the daemon's help does not list doctor"
ok "help lists doctor"
assert_server_alive
echo "PASS: $T_NAME"
