# shellcheck shell=bash
# Shared helpers of the sslvpnd integration tests (and of scripts/quickstart).
#
# Sourcing this file only defines variables and functions.  A test calls
# lib_init first: it exits 77 (SKIP) when not root or when `ip netns` does not
# work, makes a temporary directory, installs `trap cleanup EXIT` and a
# watchdog.  Everything a test starts is recorded in LIB_PIDS and stopped by
# PID in cleanup; the namespaces carry the test's PID so parallel runs
# (make -j2 check) cannot collide.
#
# Topology built by netns_setup:
#
#   client ns $NS_CLI                         server ns $NS_SRV
#   +---------------------+   veth pair   +------------------------------+
#   | v-cli 198.18.0.2/30 |---------------| v-srv 198.18.0.1/30          |
#   | openconnect -> tunN |               | sslvpnd :443 (TCP+UDP)       |
#   |  (addr from pool,   |               |  pool 198.19.0.0/24          |
#   |   route 198.18.1.1) |               | lo: 198.18.1.1/32 ("behind") |
#   +---------------------+               +------------------------------+
#
# Environment (set by Makefile.am AM_TESTS_ENVIRONMENT): top_srcdir and
# top_builddir, both absolute.

: "${top_srcdir:?top_srcdir must be set (run through make check)}"
: "${top_builddir:?top_builddir must be set (run through make check)}"
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
top_builddir=$(cd "$top_builddir" && pwd) || exit 99

SRV_IP=198.18.0.1
CLI_IP=198.18.0.2
BEHIND_IP=198.18.1.1
POOL_RE='^198\.19\.0\.([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])$'
# shellcheck disable=SC2034 # used by the tests that source this file
SERVER_URL="https://$SRV_IP/"

SSLVPND="$top_builddir/src/main/sslvpnd"
SSLVPND_WORKER="$top_builddir/src/worker/sslvpnd-worker"
LAB_PKI="$top_srcdir/scripts/lab-pki"
PKI_CACHE="$top_builddir/tests/pki" # one lab PKI per version of scripts/lab-pki
PKI=                                 # set by pki_ensure

T_NAME=$(basename "$0" .sh)
NS_SRV="svd-s-$$"
NS_CLI="svd-c-$$"
LIB_DEADLINE=${LIB_DEADLINE:-90}   # seconds before the watchdog stops a test
LIB_PIDS=()                        # processes this test started, stopped in cleanup
LIB_NETNS=()                       # namespaces this test created
LIB_LAUNCH=()                      # prefix for long-lived processes (quickstart: setsid)
# SSLVPND_TEST_STRACE=DIR: run sslvpnd under strace -f -ff, one file per
# process in DIR (scripts/sandbox-syscalls lists what the sandboxed workers
# and secmod called; the review of include/sslvpnd/sandbox.def).
LIB_STRACE=()
[ -z "${SSLVPND_TEST_STRACE:-}" ] ||
	LIB_STRACE=(strace -f -ff -qq -o "$SSLVPND_TEST_STRACE/${0##*/}")
TMPD=
STATE=
SRV_LOG=
SRV_PID=
SERVER_CERT_SHA1=
SERVER_RSA_SHA1= # set by start_sslvpnd: what RSA-only clients (phones) get
WATCHDOG_PID=
declare -gA OC_PID=() OC_ADDR=() OC_TUNDEV=() OC_LOG=() OC_ENV=()
OC_AUTH_RC=
OC_COOKIE=
OC_AUTH_OUT=
BAD_CERT=''
BAD_KEY=''

# ---------------------------------------------------------------- reporting
note() { printf '# %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}
skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}
# hard_error: the test could not run (missing build output or tool): 99.
hard_error() {
	printf 'ERROR: %s\n' "$*"
	exit 99
}

# ---------------------------------------------------------------- assertions
assert_eq() { # expected actual what
	[ "$1" = "$2" ] || fail "$3: expected <$1>, got <$2>"
	ok "$3 (<$2>)"
}

assert_ne() { # unexpected actual what
	[ "$1" != "$2" ] || fail "$3: expected anything but <$1>, got <$2>"
	ok "$3 (<$2>)"
}

assert_match() { # string ERE what
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		fail "$3: expected a match of /$2/, got <$1>"
	ok "$3"
}

assert_rc() { # expected-rc actual-rc what
	[ "$1" -eq "$2" ] || fail "$3: expected exit code $1, got $2"
	ok "$3 (exit $2)"
}

assert_fails() { # actual-rc what: non-zero, and not a timeout(1) expiry
	[ "$1" -ne 0 ] || fail "$2: expected a failure, got exit 0"
	if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then
		fail "$2: expected a prompt failure, got a timeout (exit $1)"
	fi
	ok "$2 (exit $1)"
}

assert_in_pool() { # address what
	assert_match "$1" "$POOL_RE" "$2 in 198.19.0.0/24"
}

# log_lines ID [ERE...]: the server log lines of catalogued event ID (ASA
# or our own prefix) that match every ERE given.
log_lines() {
	local id=$1 out
	shift
	[ -f "$SRV_LOG" ] || return 0
	out=$(grep -E -- "%(ASA|SSLVPND)-[0-7]-$id: " "$SRV_LOG")
	while [ $# -gt 0 ] && [ -n "$out" ]; do
		[ -n "$1" ] && out=$(printf '%s\n' "$out" | grep -E -- "$1")
		shift
	done
	[ -z "$out" ] || printf '%s\n' "$out"
}

log_has() { [ -n "$(log_lines "$@")" ]; }

# assert_ended_bytes ERE MIN WHAT: the first 113019 line matching ERE counts
# at least MIN bytes each way (Bytes xmt and Bytes rcv).  assert_ping moves
# 3 echo requests and 3 replies of 84 bytes: 252 each way.
assert_ended_bytes() {
	local line xmt rcv
	line=$(log_lines 113019 "$1" | head -n 1)
	xmt=$(printf '%s' "$line" | sed -n 's/.*Bytes xmt: \([0-9]*\),.*/\1/p')
	rcv=$(printf '%s' "$line" | sed -n 's/.*Bytes rcv: \([0-9]*\),.*/\1/p')
	if [ "${xmt:-0}" -lt "$2" ] || [ "${rcv:-0}" -lt "$2" ]; then
		fail "$3: expected >= $2 bytes each way, got xmt ${xmt:-?} rcv ${rcv:-?}: $line"
	fi
	ok "$3 (xmt $xmt, rcv $rcv)"
}

# assert_log ID ERE WHAT: within 5 s the server log has event ID matching ERE.
assert_log() { assert_log_all "$3" "$1" "$2"; }

# assert_log_all WHAT ID ERE...: within 5 s the server log has one event ID
# line that matches every ERE.
assert_log_all() {
	local what=$1 id=$2
	shift 2
	if ! wait_for 5 "log event $id" log_has "$id" "$@"; then
		printf '  expected: a %s line matching' "$id"
		printf ' /%s/' "$@"
		printf '\n  actual %s lines:\n' "$id"
		log_lines "$id" | sed 's/^/    /' | tail -n 10
		[ -n "$(log_lines "$id")" ] || printf '    (none)\n'
		fail "$what"
	fi
	ok "$what"
}

assert_no_log() { # ID ERE what
	if log_has "$1" "$2"; then
		log_lines "$1" "$2" | sed 's/^/    /' | tail -n 5
		fail "$3: expected no $1 line matching /$2/"
	fi
	ok "$3"
}

# ---------------------------------------------------------------- utilities
# re STRING: STRING with the ERE special characters escaped.
# shellcheck disable=SC2016 # the $ in the sed expression is literal
re() { printf '%s' "$1" | sed 's/[[\\.*^$()+?{}|]/\\&/g'; }

# wait_for SECONDS WHAT CMD...: poll CMD every 0.1 s until it succeeds;
# bounded in time and count.  Returns 1 (and says so) on timeout.
wait_for() {
	local secs=$1 what=$2 i n
	shift 2
	n=$((secs * 10))
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	printf '# timed out after %ss waiting for: %s\n' "$secs" "$what"
	return 1
}

# redact_args ARGS...: the arguments for a log line, cookie values hidden.
redact_args() {
	local a out=()
	for a in "$@"; do
		case $a in
		--cookie=*) out+=("--cookie=<redacted>") ;;
		*) out+=("$a") ;;
		esac
	done
	printf '%s' "${out[*]}"
}

ns_srv() { ip netns exec "$NS_SRV" "$@"; }
ns_cli() { ip netns exec "$NS_CLI" "$@"; }

pid_alive() { proc_running "$1"; }

# proc_running PID: the process exists and is not a zombie.
proc_running() {
	local st
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# stop_pid PID [SIGNAL]: signal a process this test started (default TERM),
# wait up to 5 s, then SIGKILL it; reap it.  Only for PIDs in LIB_PIDS.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	if proc_running "$pid"; then
		kill "-$sig" "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			proc_running "$pid" || break
			sleep 0.1
		done
		proc_running "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	return 0
} 2>/dev/null # no "Killed" job notices

track_pid() { LIB_PIDS+=("$1"); }

# tun_counter NS DEV rx|tx: packets counted on a tun device in a namespace.
tun_counter() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/${3}_packets" 2>/dev/null || echo 0
}

# ---------------------------------------------------------------- lifecycle
lib_init() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	command -v ip >/dev/null 2>&1 || skip "no ip(8) (iproute2)"
	local probe="svd-p-$$"
	if ! ip netns add "$probe" 2>/dev/null; then
		skip "ip netns does not work here"
	fi
	if ! ip netns exec "$probe" ip link set lo up 2>/dev/null; then
		ip netns del "$probe" 2>/dev/null
		skip "ip netns exec does not work here"
	fi
	ip netns del "$probe"
	[ -x "$SSLVPND" ] || hard_error "$SSLVPND not built"
	[ -x "$SSLVPND_WORKER" ] || hard_error "$SSLVPND_WORKER not built"
	local tool
	for tool in openconnect curl openssl ping timeout flock; do
		command -v "$tool" >/dev/null 2>&1 || hard_error "$tool not installed (scripts/test installs it)"
	done
	# The sandboxed workers and secmod run as the system user sslvpnd
	# (general.user default), which make install and scripts/test create.
	# shellcheck source=scripts/deps.sh
	. "$top_srcdir/scripts/deps.sh"
	deps_user >/dev/null || hard_error "no system user sslvpnd and cannot create it"
	TMPD=$(mktemp -d "${TMPDIR:-/tmp}/sslvpnd-$T_NAME.XXXXXX") || hard_error "mktemp"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lib_watchdog
	note "$T_NAME: pid $$, namespaces $NS_SRV $NS_CLI, files in $TMPD"
}

# The watchdog sends this test SIGTERM after LIB_DEADLINE seconds, so a hang
# ends in cleanup instead of holding make check.
lib_watchdog() {
	local me=$$
	(
		sp=
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$LIB_DEADLINE" >/dev/null 2>&1 &
		sp=$!
		wait "$sp"
		echo "FAIL: watchdog: $T_NAME still running after ${LIB_DEADLINE}s" >&2
		kill -TERM "$me"
	) </dev/null &
	WATCHDOG_PID=$!
}

cleanup() {
	local rc=$? i ns pid
	trap - EXIT INT TERM
	set +e
	# the watchdog (a subshell of ours) takes its sleep with it
	[ -z "$WATCHDOG_PID" ] || kill "$WATCHDOG_PID" 2>/dev/null
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		dump_logs
	fi
	# Stop what we started, newest first.
	for ((i = ${#LIB_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${LIB_PIDS[i]}"
	done
	# Anything still inside our own namespaces was started by us (e.g. a
	# worker of the sslvpnd we started); stop it by PID before deleting.
	for ns in "${LIB_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			note "cleanup: pid $pid still in $ns: $(ps -o comm= -p "$pid" 2>/dev/null)"
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "${LIB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# A sanitizer report from sslvpnd or a worker (an --enable-asan build)
	# fails the test even when everything else passed.
	if [ -n "${SRV_LOG:-}" ] && [ -f "$SRV_LOG" ] &&
		grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SRV_LOG" >/dev/null; then
		grep -E -A 15 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SRV_LOG" | head -n 60
		printf 'FAIL: sanitizer report in %s\n' "$SRV_LOG"
		[ "$rc" -ne 0 ] || rc=1
	fi
	if [ -n "$TMPD" ] && [ -d "$TMPD" ]; then
		if [ "${KEEP_TMP:-0}" = 1 ]; then
			note "files kept in $TMPD"
		else
			rm -rf "$TMPD"
		fi
	fi
	exit "$rc"
}

dump_logs() {
	local f
	if [ -n "$SRV_LOG" ] && [ -f "$SRV_LOG" ]; then
		echo "---- sslvpnd log ($SRV_LOG), last 150 lines"
		tail -n 150 "$SRV_LOG"
	fi
	for f in "$TMPD"/*.oc.log "$TMPD"/*.auth.err "$TMPD"/*.curl.err; do
		[ -f "$f" ] || continue
		echo "---- $(basename "$f"), last 40 lines"
		tail -n 40 "$f"
	done
	echo "----"
}

# ---------------------------------------------------------------- topology
netns_setup() {
	ip netns add "$NS_SRV" || fail "ip netns add $NS_SRV"
	LIB_NETNS+=("$NS_SRV")
	ip netns add "$NS_CLI" || fail "ip netns add $NS_CLI"
	LIB_NETNS+=("$NS_CLI")
	ip -n "$NS_SRV" link add v-srv type veth peer name v-cli netns "$NS_CLI" ||
		fail "veth pair"
	ip -n "$NS_SRV" link set lo up
	ip -n "$NS_CLI" link set lo up
	ip -n "$NS_SRV" addr add "$SRV_IP/30" dev v-srv
	ip -n "$NS_CLI" addr add "$CLI_IP/30" dev v-cli
	ip -n "$NS_SRV" addr add "$BEHIND_IP/32" dev lo
	ip -n "$NS_SRV" link set v-srv up
	ip -n "$NS_CLI" link set v-cli up
	wait_for 5 "veth reachable" ns_cli ping -c 1 -W 1 "$SRV_IP" >/dev/null ||
		fail "client namespace cannot reach $SRV_IP over the veth"
	# The host behind the headend must not be reachable without the tunnel.
	if ns_cli ping -c 1 -W 1 "$BEHIND_IP" >/dev/null 2>&1; then
		fail "$BEHIND_IP reachable from the client namespace without a tunnel"
	fi
}

# ---------------------------------------------------------------- lab PKI
# pki_ensure: generate the lab PKI with scripts/lab-pki once into
# $PKI_CACHE/<hash of scripts/lab-pki>, serialised by flock so parallel tests
# share one copy, and point PKI there.  A changed scripts/lab-pki gets a new
# directory; one in use is never rewritten under a running test.
pki_ensure() {
	local want f
	[ -x "$LAB_PKI" ] || hard_error "$LAB_PKI missing or not executable"
	want=$(sha256sum <"$LAB_PKI" | cut -c1-16)
	PKI="$PKI_CACHE/$want"
	if [ ! -f "$PKI/.complete" ]; then
		mkdir -p "$PKI_CACHE"
		(
			flock -w 120 9 || { echo "could not lock $PKI_CACHE/.lock"; exit 1; }
			# lab-pki does nothing when $PKI/.complete exists (made by a
			# parallel test meanwhile) and moves a new PKI into place only
			# when it is complete
			"$LAB_PKI" "$PKI"
		) 9>"$PKI_CACHE/.lock" >"$TMPD/lab-pki.log" 2>&1 || {
			tail -n 20 "$TMPD/lab-pki.log"
			hard_error "scripts/lab-pki $PKI failed"
		}
	fi
	for f in .complete mic-sha2/leaf.pem mic-sha2/leaf.key mic-sha1/leaf.pem mic-sha1/leaf.key; do
		[ -f "$PKI/$f" ] || hard_error "lab PKI has no $f"
	done
	ls "$PKI"/trust/* >/dev/null 2>&1 || hard_error "lab PKI has an empty trust/"
}

# pki_bad NAME: set BAD_CERT and BAD_KEY to the bad/ credential NAME
# (selfsigned, expired), accepting bad/NAME.pem + .key, bad/NAME.crt + .key
# and bad/NAME/leaf.pem + leaf.key.
# shellcheck disable=SC2034 # BAD_CERT and BAD_KEY are read by the tests
pki_bad() {
	local n=$1 d="$PKI/bad" c k
	for c in "$d/$n.pem" "$d/$n.crt" "$d/$n/leaf.pem"; do
		k="${c%.*}.key"
		if [ -f "$c" ] && [ -f "$k" ]; then
			BAD_CERT=$c
			BAD_KEY=$k
			return 0
		fi
	done
	hard_error "lab PKI has no bad/$n certificate and key (bad/ has: $(cd "$d" 2>/dev/null && echo *))"
}

cert_cn() { # PEM: the certificate's subject CN
	openssl x509 -in "$1" -noout -subject -nameopt multiline |
		sed -n 's/^ *commonName *= *//p'
}

# state_init: a state directory whose trust/ holds the lab CA certificates
# (what the embedded default configuration trusts).
state_init() {
	STATE="$TMPD/state"
	mkdir -p "$STATE/trust"
	cp "$PKI"/trust/* "$STATE/trust/"
}

# ---------------------------------------------------------------- sslvpnd
# start_sslvpnd [ARGS...]: start sslvpnd in the foreground (-f) in the
# server namespace, logging to $SRV_LOG; wait (bounded) for its 100007
# "listening" event and learn the SHA-1 of its identity certificate.
start_sslvpnd() {
	SRV_LOG="$TMPD/sslvpnd.log"
	note "start: $SSLVPND -f --state-dir $STATE --pid-file $TMPD/sslvpnd.pid $*"
	# SSLVPND_LIBSSL_DIR: run the server on another libssl3 build
	# (tests/unit/libssl-compat.sh).
	"${LIB_LAUNCH[@]}" ip netns exec "$NS_SRV" \
		env ${SSLVPND_LIBSSL_DIR:+LD_LIBRARY_PATH="$SSLVPND_LIBSSL_DIR"} \
		"${LIB_STRACE[@]}" "$SSLVPND" -f --state-dir "$STATE" \
		--pid-file "$TMPD/sslvpnd.pid" "$@" >>"$SRV_LOG" 2>&1 </dev/null &
	SRV_PID=$!
	track_pid "$SRV_PID"
	local i
	for ((i = 0; i < 150; i++)); do
		log_has 100007 'listening on .* port 443' && break
		pid_alive "$SRV_PID" || fail "sslvpnd exited before listening"
		sleep 0.1
	done
	log_has 100007 'listening on .* port 443' ||
		fail "sslvpnd: no 100007 'listening ... port 443' within 15 s"
	ok "sslvpnd (pid $SRV_PID) listening"
	SERVER_CERT_SHA1=$(server_cert_sha1)
	assert_match "$SERVER_CERT_SHA1" '^[0-9A-Fa-f]{40}$' "server identity SHA-1 known"
	# shellcheck disable=SC2034 # read by lib-phone.sh and the tests
	SERVER_RSA_SHA1=$(server_rsa_sha1)
}

# server_rsa_sha1: the certificate a client offering only RSA suites gets
# (phones): the 100120 RSA line when the interface has an EC certificate
# first (ASA rule CSCuu02848), else the 100006 one.
server_rsa_sha1() {
	local h
	h=$(log_lines 100120 | sed -n 's/.*: RSA identity .* SHA-1 \([0-9A-Fa-f]\{40\}\).*/\1/p' | head -n 1)
	printf '%s\n' "${h:-$SERVER_CERT_SHA1}"
}

# server_cert_sha1: from the 100006 event, else from the temporary identity.
server_cert_sha1() {
	local h
	h=$(log_lines 100006 | sed -n 's/.*SHA-1 \([0-9A-Fa-f]\{40\}\).*/\1/p' | head -n 1)
	if [ -z "$h" ] && [ -f "$STATE/identity/temporary-rsa.pem" ]; then
		h=$(openssl x509 -in "$STATE/identity/temporary-rsa.pem" -noout \
			-fingerprint -sha1 | sed 's/^.*=//; s/://g')
	fi
	printf '%s\n' "$h"
}

# asan_build: sslvpnd is an --enable-asan build (ASan's allocator, not
# glibc's: freed blocks are not cleared by M_PERTURB).
asan_build() { ldd "$SSLVPND" 2>/dev/null | grep -q libasan; }

assert_server_alive() {
	pid_alive "$SRV_PID" || fail "sslvpnd (pid $SRV_PID) is gone"
	ok "sslvpnd still running"
}

# ---------------------------------------------------------------- openconnect
# write_oc_script: the only script openconnect runs (-s).  It touches nothing
# but its own tun device: address, link up with the pushed MTU, and one host
# route to the host behind the headend; then it dumps its environment.
write_oc_script() {
	OC_SCRIPT="$TMPD/oc-script.sh"
	cat >"$OC_SCRIPT" <<'EOF'
#!/bin/sh
# openconnect -s script of the sslvpnd integration tests: no DNS, no
# default route; only the tun device, one host route, and an environment dump.
case "$reason" in
connect)
	ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV" || exit 1
	ip link set dev "$TUNDEV" up mtu "${INTERNAL_IP4_MTU:-1300}" || exit 1
	ip route replace "$OC_ROUTE/32" dev "$TUNDEV" || exit 1
	env | sort >"$OC_ENV_FILE.tmp" && mv "$OC_ENV_FILE.tmp" "$OC_ENV_FILE"
	;;
esac
exit 0
EOF
	chmod 755 "$OC_SCRIPT"
}

# oc_connect NAME URL [OPENCONNECT ARGS...]: start openconnect in the client
# namespace in the background; wait (bounded) until the script configured
# the tun device.  Sets OC_PID[NAME], OC_ADDR[NAME], OC_TUNDEV[NAME].
# Returns 1 when openconnect exits or times out first.
# OC_STDIN=FILE (optional): openconnect's stdin, e.g. for --passwd-on-stdin;
# /dev/null otherwise.
oc_connect() {
	local name=$1 url=$2 i
	shift 2
	[ -n "${OC_SCRIPT:-}" ] || write_oc_script
	OC_LOG[$name]="$TMPD/$name.oc.log"
	OC_ENV[$name]="$TMPD/$name.env"
	rm -f "${OC_ENV[$name]}"
	note "openconnect[$name]: $url $(redact_args "$@")"
	OC_ENV_FILE="${OC_ENV[$name]}" OC_ROUTE="$BEHIND_IP" \
		"${LIB_LAUNCH[@]}" ip netns exec "$NS_CLI" openconnect --non-inter -v \
		--servercert "$SERVER_CERT_SHA1" -s "$OC_SCRIPT" "$@" "$url" \
		>>"${OC_LOG[$name]}" 2>&1 <"${OC_STDIN:-/dev/null}" &
	OC_PID[$name]=$!
	track_pid "${OC_PID[$name]}"
	for ((i = 0; i < 200; i++)); do
		[ -f "${OC_ENV[$name]}" ] && break
		pid_alive "${OC_PID[$name]}" || break
		sleep 0.1
	done
	if [ ! -f "${OC_ENV[$name]}" ]; then
		if pid_alive "${OC_PID[$name]}"; then
			note "openconnect[$name]: no tunnel within 20 s"
			stop_pid "${OC_PID[$name]}"
		else
			wait "${OC_PID[$name]}"
			note "openconnect[$name] exited with $? before the tunnel came up"
		fi
		return 1
	fi
	OC_ADDR[$name]=$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "${OC_ENV[$name]}")
	OC_TUNDEV[$name]=$(sed -n 's/^TUNDEV=//p' "${OC_ENV[$name]}")
	note "openconnect[$name]: pid ${OC_PID[$name]}, ${OC_TUNDEV[$name]} ${OC_ADDR[$name]}"
	return 0
}

# oc_env NAME VAR: a variable of the script environment of connection NAME.
oc_env() { sed -n "s/^$2=//p" "${OC_ENV[$1]}"; }

# oc_stop NAME [SIGNAL]
oc_stop() { stop_pid "${OC_PID[$1]}" "${2:-TERM}"; }
# oc_dtls_up NAME: openconnect NAME has logged its DTLS handshake.
oc_dtls_up() { grep -q 'Established DTLS connection' "${OC_LOG[$1]}"; }
# oc_connects NAME: how many CONNECT replies openconnect NAME got (each of its
# own reconnects and new-tunnel rekeys adds one).
oc_connects() { grep -c 'Got CONNECT response' "${OC_LOG[$1]}"; }
# oc_last_addr NAME: the X-CSTP-Address of NAME's latest CONNECT reply.
oc_last_addr() { grep -o 'X-CSTP-Address: [0-9.]*' "${OC_LOG[$1]}" | tail -n 1 | cut -d' ' -f2; }

# oc_authenticate NAME URL [ARGS...]: `openconnect --authenticate` (bounded
# to 20 s) in the client namespace.  Sets OC_AUTH_RC, OC_COOKIE (empty when
# none was printed) and OC_AUTH_OUT (its stdout file).  OC_STDIN as for
# oc_connect.
oc_authenticate() {
	local name=$1 url=$2
	shift 2
	OC_AUTH_OUT="$TMPD/$name.auth.out"
	note "openconnect --authenticate [$name]: $url $*"
	timeout -k 5 20 ip netns exec "$NS_CLI" openconnect --authenticate --non-inter \
		--servercert "$SERVER_CERT_SHA1" "$@" "$url" \
		>"$OC_AUTH_OUT" 2>"$TMPD/$name.auth.err" <"${OC_STDIN:-/dev/null}"
	OC_AUTH_RC=$?
	OC_COOKIE=$(sed -n "s/^COOKIE='\{0,1\}\([^']*\)'\{0,1\}\$/\1/p" "$OC_AUTH_OUT" | head -n 1)
	if [ -n "$OC_COOKIE" ]; then
		note "openconnect --authenticate [$name]: exit $OC_AUTH_RC, cookie printed"
	else
		note "openconnect --authenticate [$name]: exit $OC_AUTH_RC, no cookie"
	fi
}

# assert_ping NAME: ping -c 3 -W 2 the host behind the headend from the
# client namespace, and prove the packets crossed NAME's tun device.  The one
# route to $BEHIND_IP follows the most recently connected client.
assert_ping() {
	local name=$1 dev=${OC_TUNDEV[$1]} tx0 rx0 tx1 rx1 out rc
	tx0=$(tun_counter "$NS_CLI" "$dev" tx)
	rx0=$(tun_counter "$NS_CLI" "$dev" rx)
	out=$(ns_cli ping -c 3 -W 2 "$BEHIND_IP" 2>&1)
	rc=$?
	tx1=$(tun_counter "$NS_CLI" "$dev" tx)
	rx1=$(tun_counter "$NS_CLI" "$dev" rx)
	printf '%s\n' "$out" | sed 's/^/    /' | tail -n 3
	assert_rc 0 "$rc" "ping $BEHIND_IP through $dev ($name)"
	if [ $((tx1 - tx0)) -lt 3 ] || [ $((rx1 - rx0)) -lt 3 ]; then
		fail "ping did not cross $dev: expected >= 3 packets each way, got tx $((tx1 - tx0)) rx $((rx1 - rx0))"
	fi
	ok "ping crossed $dev (tx +$((tx1 - tx0)), rx +$((rx1 - rx0)))"
}

# ---------------------------------------------------------------- raw HTTP
# raw_https NAME REQUEST-FILE [s_client ARGS...]: send the bytes of
# REQUEST-FILE over TLS to the headend (bounded to 8 s) and keep the reply in
# $TMPD/NAME.reply.  Sets RAW_RC (124 = the server did not close), RAW_STATUS
# (the status code of the first line) and RAW_REPLY (the file).
raw_https() {
	local name=$1 req=$2
	shift 2
	RAW_REPLY="$TMPD/$name.reply"
	timeout -k 2 8 ip netns exec "$NS_CLI" openssl s_client -quiet \
		-connect "$SRV_IP:443" "$@" <"$req" >"$RAW_REPLY" 2>"$TMPD/$name.s_client.err"
	RAW_RC=$?
	# shellcheck disable=SC2034 # read by the tests
	RAW_STATUS=$(head -n 1 "$RAW_REPLY" | tr -d '\r' | sed -n 's/^HTTP\/1\.[01] \([0-9][0-9][0-9]\).*/\1/p')
	note "raw[$name]: $(head -n 1 "$RAW_REPLY" | tr -d '\r') (s_client exit $RAW_RC)"
}
