#!/bin/bash
# t-secmod-memory: after start, and after a reload, main's memory holds no
# local user's password hash: secmod's does.  Nor does any worker's (S10:
# workers read no configuration file; main tells them what they use, and
# never the users).  Read as root through
# /proc/PID/mem (tests/integration/memsearch.py): every readable mapping of
# main (heap, anonymous mappings, stack), after one password login went
# through; the same search of secmod's heap and anonymous mappings must
# find the hash (so the search itself works).  The needles are the whole hash and its derived-key part
# (what an offline guesser needs besides the salt).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --authenticate     |===443===>| sslvpnd -f -c mem.conf        |
#   |   --user alice                 |          |   sslvpnd-secmod              |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

MEMSEARCH="$top_srcdir/tests/integration/memsearch.py"
PASS='mem0ry pass'
lib_init
command -v python3 >/dev/null || hard_error "python3 is needed (scripts/deps.sh)"
pki_ensure
netns_setup
state_init

printf '%s\n' "$PASS" >"$TMPD/pw"
hash1=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "--hash-password failed"
hash2=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "--hash-password failed"
assert_ne "$hash1" "$hash2" "two hashes of the password (two salts)"

write_conf() { # HASH
	cat >"$TMPD/mem.conf" <<CONF
general = { workers = 2; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication = "aaa"; } );
users = ( { name = "alice"; password = "$1"; } );
CONF
}

# count PID NEEDLE REGIONS: occurrences (memsearch.py), hits shown.
count() {
	local out
	out=$(python3 "$MEMSEARCH" "$@") || hard_error "memsearch.py $1 failed"
	printf '%s\n' "$out" | grep '^HIT' | sed 's/^/    /' >&2
	printf '%s\n' "$out" | sed -n 's/^TOTAL //p'
}

# main's freed copies of the hashes are cleared by glibc's M_PERTURB and the
# cache sweep (msecmod.c); an --enable-asan build has ASan's allocator
# instead, which leaves some of them: there main is not searched (workers
# and secmod are).
MAIN_ASAN=
asan_build && MAIN_ASAN=1

# assert_absent WHAT PID HASH: neither the hash nor its key part anywhere in
# PID's readable memory (heap, anonymous mappings, stack, data).
assert_absent() {
	local key=${3##*\$} n k
	if [ -n "$MAIN_ASAN" ] && [ "$2" = "$SRV_PID" ]; then
		echo "skip: $1 (an ASan build: freed blocks are not all cleared)"
		return 0
	fi
	n=$(count "$2" "$3" all)
	k=$(count "$2" "$key" all)
	[ "$n" = 0 ] && [ "$k" = 0 ] ||
		fail "$1: the hash is in memory ($n times whole, $k times its key part)"
	ok "$1: hash not in memory"
}

assert_present() {
	local n
	n=$(count "$2" "$3" anon)
	[ "${n:-0}" -ge 1 ] || fail "$1: the hash is not in memory (the search finds nothing?)"
	ok "$1: hash found ($n times)"
}

workers() { pgrep -P "$SRV_PID" -x sslvpnd-worker; }

# assert_workers_clean HASH WHEN: no worker holds the hash.
assert_workers_clean() {
	local p n=0
	for p in $(workers); do
		assert_absent "worker (pid $p) $2" "$p" "$1"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ] || fail "$n workers found, expected 2"
}

secmod_pid() {
	log_lines 100700 | sed -n 's/.*started (pid \([0-9]*\)).*/\1/p' | tail -n 1
}

write_conf "$hash1"
start_sslvpnd -c "$TMPD/mem.conf"
OC_STDIN="$TMPD/pw" oc_authenticate a "$SERVER_URL" --user alice --passwd-on-stdin
[ -n "$OC_COOKIE" ] || fail "alice: no cookie with the right password"
ok "alice logged in with her password"
assert_absent "main (pid $SRV_PID) after start" "$SRV_PID" "$hash1"
assert_workers_clean "$hash1" "after a password login"

assert_log 100701 '1 local users loaded \(generation 1\)' "100701: secmod has alice"
sm=$(secmod_pid)
assert_present "secmod (pid $sm)" "$sm" "$hash1"

# A reload with a new hash: secmod gets it, main keeps neither.
write_conf "$hash2"
kill -HUP "$SRV_PID"
assert_log 100701 '1 local users loaded \(generation 2\)' "100701: secmod has the reloaded users"
OC_STDIN="$TMPD/pw" oc_authenticate b "$SERVER_URL" --user alice --passwd-on-stdin
[ -n "$OC_COOKIE" ] || fail "alice: no cookie after the reload"
ok "alice logged in after the reload"
assert_present "secmod after the reload" "$sm" "$hash2"
assert_absent "main after the reload (new hash)" "$SRV_PID" "$hash2"
assert_absent "main after the reload (old hash)" "$SRV_PID" "$hash1"
assert_workers_clean "$hash2" "after the reload (new hash)"
assert_workers_clean "$hash1" "after the reload (old hash)"

assert_server_alive
echo "PASS: $T_NAME"
