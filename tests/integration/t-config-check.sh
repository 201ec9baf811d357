#!/bin/bash
# t-config-check: `sslvpnd -t` reports every error of a configuration as
# file:line: message with the right line numbers and exits 1; a good
# configuration passes; what `sslvpnd -T` prints passes `sslvpnd -t`; and a
# daemon started on a broken configuration exits 1 without listening.
#
#   server ns svd-s-$$  (only for the daemon started on the broken file)
#   +--------------------------------------------------------------+
#   | sslvpnd -f -c broken.conf  -> exit 1, no TCP/UDP listener     |
#   | v-srv 198.18.0.1/30 ---- veth ---- (client ns svd-c-$$)       |
#   +--------------------------------------------------------------+
# Every sslvpnd run here is bounded by timeout(1).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

# sv NAME ARGS...: run sslvpnd (bounded) in the server namespace; output in
# $TMPD/NAME.out, exit code in RC.
sv() {
	local name=$1
	shift
	timeout -k 2 10 ip netns exec "$NS_SRV" "$SSLVPND" "$@" \
		>"$TMPD/$name.out" 2>&1 </dev/null
	RC=$?
	note "sslvpnd $*: exit $RC"
}
show() { sed 's/^/    /' "$TMPD/$1.out" | head -n 20; }
line_of() { grep -n -- "$2" "$1" | head -n 1 | cut -d: -f1; }

# --- a good configuration
good="$TMPD/good.conf"
cat >"$good" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "certificate";
                    group-url = ["https://$SRV_IP/phone"]; } );
CONF
sv good -t -c "$good"
[ "$RC" -eq 0 ] || show good
assert_rc 0 "$RC" "sslvpnd -t on a good configuration"

# --- three kinds of errors, each marked by a comment on its own line
broken="$TMPD/broken.conf"
cat >"$broken" <<CONF
# broken on purpose: an unknown key, a bad value, a missing pool
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; colour = "blue"; }; // E-UNKNOWN
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 70000; dtls-port = 443; } ); // E-VALUE
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "DfltGrpPolicy"; },
                   { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );

tunnel_groups = (
  { name = "vpn-phone-group"; address-pool = "nosuchpool"; default-group-policy = "vpn-phone-policy"; authentication = "certificate"; } // E-POOL
);
CONF
sv broken -t -c "$broken"
show broken
assert_rc 1 "$RC" "sslvpnd -t on a broken configuration"
check_err() { # MARK KEYWORD-ERE WHAT
	local n
	n=$(line_of "$broken" "$1")
	grep -E -- "broken\.conf:$n: .*($2)" "$TMPD/broken.out" >/dev/null ||
		fail "$3: expected a line 'broken.conf:$n: ...' mentioning /$2/"
	ok "$3 reported at broken.conf:$n"
}
check_err E-UNKNOWN 'colour' "unknown key 'colour'"
check_err E-VALUE 'port|70000' "bad value port = 70000"
check_err E-POOL 'nosuchpool' "missing pool reference 'nosuchpool'"

# --- a syntax error: file:line too
syntax="$TMPD/syntax.conf"
printf 'general = { workers = 1; };\nlogging = { format = "asa" \ninterfaces = ( );\n' >"$syntax"
sv syntax -t -c "$syntax"
show syntax
assert_rc 1 "$RC" "sslvpnd -t on a syntax error"
grep -E 'syntax\.conf:[0-9]+: ' "$TMPD/syntax.out" >/dev/null ||
	fail "syntax error: expected a 'syntax.conf:<line>: ...' message"
ok "syntax error reported as file:line"

# --- cipher lists only OpenSSL can judge: named, nothing started
badssl="$TMPD/badssl.conf"
sed 's/^logging = .*/&\nssl = { cipher = { dtlsv1_2 = "NOSUCH-SUITE"; dtlsv1 = "DHE-RSA-AES256-SHA"; }; };/' \
	"$good" >"$badssl"
sv badssl -t -c "$badssl"
show badssl
assert_rc 1 "$RC" "sslvpnd -t with unusable DTLS cipher lists"
grep -E 'ssl cipher dtlsv1_2 "NOSUCH-SUITE"' "$TMPD/badssl.out" >/dev/null ||
	fail "no message naming ssl cipher dtlsv1_2"
grep -E 'ssl cipher dtlsv1 "DHE-RSA-AES256-SHA": DTLS 0\.9 .*needs AES256-SHA or AES128-SHA' \
	"$TMPD/badssl.out" >/dev/null || fail "no message naming ssl cipher dtlsv1"
ok "unusable DTLS cipher lists named"

# --- identity files are read too: a certificate with the wrong key is named
badtp="$TMPD/badtp.conf"
sed "s|^trustpoints = .*|trustpoints = ( { name = \"LAB-MIC\"; enrollment = \"terminal\"; certificate = \"$STATE/trust\"; },\n  { name = \"MISMATCH\"; enrollment = \"file\"; certificate = \"$PKI/server/server.pem\"; key = \"$PKI/server/server-ec.key\"; } );|" \
	"$good" >"$badtp"
grep -q MISMATCH "$badtp" || hard_error "could not write badtp.conf"
sv badtp -t -c "$badtp"
show badtp
assert_rc 1 "$RC" "sslvpnd -t with a certificate and a key that do not match"
n=$(line_of "$badtp" MISMATCH)
grep -E "badtp\.conf:$n: trustpoint MISMATCH: key .* does not match" "$TMPD/badtp.out" >/dev/null ||
	fail "no error 'badtp.conf:$n: trustpoint MISMATCH: ...'"
ok "key/certificate mismatch named with file:line and the trustpoint"

# --- chain warnings: a self-signed identity is its own root (no warning, by
# -t nor at start); a leaf whose intermediate is missing is warned about by
# -t and at start with event 100125.  One interface, both identities: the
# self-signed EC server certificate and the RSA MIC leaf without its CA.
chain="$TMPD/chain.conf"
sed -e "s|^interfaces = .*|interfaces = ( { name = \"outside\"; address = \"0.0.0.0\"; port = 443; dtls-port = 443; trustpoint = [ \"SELFSIGNED\", \"NOINTERMEDIATE\" ]; } );|" \
	-e "s|^trustpoints = .*|trustpoints = ( { name = \"LAB-MIC\"; enrollment = \"terminal\"; certificate = \"$STATE/trust\"; },\n  { name = \"SELFSIGNED\"; enrollment = \"file\"; certificate = \"$PKI/server/server-ec.pem\"; key = \"$PKI/server/server-ec.key\"; },\n  { name = \"NOINTERMEDIATE\"; enrollment = \"file\"; certificate = \"$PKI/mic-sha2/leaf.pem\"; key = \"$PKI/mic-sha2/leaf.key\"; } );|" \
	"$good" >"$chain"
grep -q NOINTERMEDIATE "$chain" || hard_error "could not write chain.conf"
sv chain -t -c "$chain"
show chain
assert_rc 0 "$RC" "sslvpnd -t with a self-signed identity and an incomplete chain (warnings only)"
grep -E 'warning: trustpoint NOINTERMEDIATE: .*ends before its root' "$TMPD/chain.out" >/dev/null ||
	fail "-t: no warning about the leaf without its intermediate"
grep -E 'SELFSIGNED.*ends before its root' "$TMPD/chain.out" >/dev/null &&
	fail "-t: false 'ends before its root' warning for the self-signed identity"
ok "-t warns about the missing intermediate only"
sv default-t -t --state-dir "$STATE"
show default-t
assert_rc 0 "$RC" "sslvpnd -t (embedded default)"
grep -q 'ends before its root' "$TMPD/default-t.out" &&
	fail "-t on the embedded default: false chain warning"
ok "-t on the embedded default: no chain warning"
run="$TMPD/run.conf"
cp "$chain" "$run"
start_sslvpnd -c "$run"
assert_log 100125 'NOINTERMEDIATE: .*ends before its root' \
	"start: the missing intermediate is logged as 100125"
assert_no_log 100125 'SELFSIGNED' "start: no warning for the self-signed identity"
if grep -E 'ends before its root' "$SRV_LOG" | grep -Ev '%(ASA|SSLVPND)-4-100125: ' | grep -q .; then
	fail "start: a chain warning without its event id"
fi
ok "start: every chain warning carries 100125"

# --- what only OpenSSL and the files can judge: -t and a reload of the
# running daemon refuse each with the same file:line message (before, -t
# said OK and only the start failed).  Each variant of run.conf marks its
# faulty line with a comment.
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
variant() { # NAME: write run.conf as the variant NAME of chain.conf
	case $1 in
	seed001-tlsv1) sed 's|^logging = .*|&\nssl = { cipher = {\n  tlsv1 = "RC4-SHA:DES-CBC3-SHA"; // E-MARK\n}; };|' "$chain" ;;
	tlsv1_2) sed 's|^logging = .*|&\nssl = { cipher = {\n  tlsv1_2 = "FOO-BAR"; // E-MARK\n}; };|' "$chain" ;;
	crl) sed "s|^trustpoints = ( { name = \"LAB-MIC\"; \(.*\) },\$|trustpoints = ( { name = \"LAB-MIC\"; \1 crl = \"$TMPD/no-such.crl\"; }, // E-MARK|" "$chain" ;;
	key) sed "s|^\(  { name = \"NOINTERMEDIATE\".*key = \"\)[^\"]*\(\".*\)\$|\1$TMPD/no-such.key\2 // E-MARK|" "$chain" ;;
	esac >"$run"
}
check_variant() { # NAME ERE-OF-THE-MESSAGE
	local n msg
	variant "$1"
	grep -q E-MARK "$run" || hard_error "could not write variant $1"
	n=$(line_of "$run" E-MARK)
	sv "v-$1" -t -c "$run"
	show "v-$1"
	assert_rc 1 "$RC" "sslvpnd -t refuses $1"
	msg=$(grep -E -- "^$(re "$run"):$n: .*($2)" "$TMPD/v-$1.out" | head -n 1)
	[ -n "$msg" ] || fail "$1: -t printed no '$run:$n: ...' line matching /$2/"
	ok "$1: -t says $msg"
	timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" reload >"$TMPD/r-$1.out" 2>&1
	assert_fails $? "sslvpnctl reload refuses $1"
	grep -qxF -- "$msg" "$TMPD/r-$1.out" || {
		sed 's/^/    | /' "$TMPD/r-$1.out"
		fail "$1: the reload did not report the same line as -t"
	}
	ok "$1: the reload reports the same file:line message"
}
check_variant seed001-tlsv1 'ssl cipher tlsv1: no usable cipher in "RC4-SHA:DES-CBC3-SHA"'
check_variant tlsv1_2 'ssl cipher tlsv1_2: no usable cipher in "FOO-BAR"'
check_variant crl "trustpoint LAB-MIC: .*no-such\\.crl"
check_variant key "trustpoint NOINTERMEDIATE: .*no-such\\.key"
assert_server_alive
stop_pid "$SRV_PID"

# --- -T prints what -t accepts: for a file and for the embedded default
sv dump-good -T -c "$good"
assert_rc 0 "$RC" "sslvpnd -T -c good.conf"
[ -s "$TMPD/dump-good.out" ] || fail "sslvpnd -T printed nothing"
cp "$TMPD/dump-good.out" "$TMPD/dump-good.conf"
sv recheck-good -t -c "$TMPD/dump-good.conf"
[ "$RC" -eq 0 ] || show recheck-good
assert_rc 0 "$RC" "sslvpnd -t accepts the -T output of good.conf"
grep -q 'nosuchpool' "$TMPD/dump-good.conf" && fail "-T output carries text of another file"
grep -q 'vpn-phone-group' "$TMPD/dump-good.conf" ||
	fail "-T output lacks tunnel group vpn-phone-group"
ok "-T output keeps the tunnel group"

sv dump-default -T --state-dir "$STATE"
assert_rc 0 "$RC" "sslvpnd -T (embedded default)"
cp "$TMPD/dump-default.out" "$TMPD/dump-default.conf"
sv recheck-default -t -c "$TMPD/dump-default.conf"
[ "$RC" -eq 0 ] || show recheck-default
assert_rc 0 "$RC" "sslvpnd -t accepts the -T output of the embedded default"
grep -q '198\.19\.0\.' "$TMPD/dump-default.conf" ||
	fail "embedded default dump has no 198.19.0.0/24 pool"
ok "embedded default dump has the 198.19.0.0/24 pool"

# --- the daemon refuses to start on the broken file
sv run-broken -f -c "$broken" --pid-file "$TMPD/broken.pid"
show run-broken
assert_rc 1 "$RC" "sslvpnd -f -c broken.conf"
if grep -E '%(ASA|SSLVPND)-[0-7]-100007: ' "$TMPD/run-broken.out" >/dev/null; then
	fail "sslvpnd on a broken configuration logged 100007 (listening)"
fi
listeners=$(ns_srv ss -Htuln)
assert_eq "" "$listeners" "no listener left in the server namespace"
echo "PASS: $T_NAME"
