#!/bin/bash
# t-memory-return: the memory of ended sessions comes back (S11).  60
# emulated CP-8861 phones hold a tunnel each (DTLS 1.2, DPD, keepalive),
# end it (DISCONNECT), and once their cookies expired (cookie-timeout 10 s;
# cached TLS sessions live as long) each server process (main, secmod, the
# worker) must return to within 10 % of its idle memory + 128 kB (main) or
# 512 kB (secmod, worker), and the whole server to 10 % + 256 kB (issue
# 18's target: 10 % + 1 MB).  Memory is the anonymous part of
# PSS (Pss_Anon): the file part moves with how many other processes on the
# machine map the same libraries.  Before S11 a worker kept every page its
# tunnels had touched (about 100 kB a session: glibc returns only the top
# of the heap) and this failed by ~5 MB.  Memory, not time: no timed assertion.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone --sessions 60     |  TLS1.2  | sslvpnd, workers = 1          |
#   |  MICs issued on the fly        |===443===>|  PSS of main, secmod, worker  |
#   |  sources 198.18.4.1-60 on lo   |  DTLS1.2 |  (/proc/PID/smaps_rollup)     |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=150 # 60 phones at 10/s held 12 s, then up to 45 s for the memory
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

N=60
lib_init
# ASan's allocator keeps freed blocks in quarantine and never gives them back
# to the kernel: what this test measures is glibc's heap, not ASan's.
asan_build && skip "an --enable-asan build: memory returned is glibc's, ASan quarantines frees"
phone_init
pki_ensure
netns_setup
state_init
for b in $(seq 1 "$N"); do
	echo "address add 198.18.4.$b/32 dev lo"
done | ip -n "$NS_CLI" -batch - || fail "client source addresses"
ip -n "$NS_SRV" route add 198.18.4.0/24 via "$CLI_IP" || fail "route back to the sources"
phone_config "$TMPD/phone.conf"
# the shortest cookie lifetime: cached TLS sessions live as long (S11)
sed -i 's/^general = { workers = 1;/general = { workers = 1; cookie-timeout = 10;/' "$TMPD/phone.conf"
grep -q 'cookie-timeout = 10;' "$TMPD/phone.conf" || hard_error "phone_config changed: no general line"
start_sslvpnd -c "$TMPD/phone.conf"

# mem: "main secmod worker all" anonymous PSS (kB) of the server's processes
PROCS="main secmod worker all"
mem() {
	local p comm v main=0 secmod=0 worker=0
	for p in $(ip netns pids "$NS_SRV"); do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		v=$(awk '$1 == "Pss_Anon:" { print $2; exit }' "/proc/$p/smaps_rollup" 2>/dev/null)
		case $comm in
		sslvpnd) main=$((main + ${v:-0})) ;;
		sslvpnd-secmod) secmod=$((secmod + ${v:-0})) ;;
		sslvpnd-worker) worker=$((worker + ${v:-0})) ;;
		esac
	done
	echo "$main $secmod $worker $((main + secmod + worker))"
}
report() { # LABEL FIGURES
	local n
	set -- "$1" $2
	n=$1
	shift
	note "$n: anonymous PSS main $1 kB, secmod $2 kB, worker $3 kB, all $4 kB"
}
# over IDLE AFTER: the processes (and the sum) whose AFTER exceeds its
# bound, with the figures: 10 % of IDLE + SLACK kB (main, secmod, worker,
# the sum).  Reached (S11, ME): main +8 to +56, secmod +8 to +220, worker
# +136 to +192, all +224 to +452 kB; the code before kept main +444 to
# +464 (the phones' certificates main kept parsed, and the pages under
# them), all +732 to +912 kB.
# Issue 18's target is 10 % + 1 MB for the whole server.
SLACK="128 512 512 256"
over() {
	local i=0 name out="" a b s
	for name in $PROCS; do
		i=$((i + 1))
		a=$(echo "$1" | cut -d' ' -f$i) b=$(echo "$2" | cut -d' ' -f$i)
		s=$(echo "$SLACK" | cut -d' ' -f$i)
		[ "$b" -le $((a + a / 10 + s)) ] ||
			out+="$name kept $((b - a)) kB (idle $a kB, after $b kB, bound +$((a / 10 + s)) kB); "
	done
	echo "$out"
}

# one phone first, so that the idle figure includes what the first
# connection sets up once (libssl's tables, the worker's first buffers)
run_phone warm -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--cert "$PKI/mic-sha2/leaf.pem" --key "$PKI/mic-sha2/leaf.key" --hold 1
assert_rc 0 "$PHONE_RC" "one phone before the measurement"
wait_for 10 "its tunnel closed" log_has 100410 || fail "no 100410 after the first phone"
sleep 3
idle=$(mem)
report idle "$idle"

run_phone_bg load -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--ca-cert "$PKI/mic-sha2/ca.pem" --ca-key "$PKI/mic-sha2/ca.key" \
	--sessions "$N" --rate 10 --hold 12 --source-range "198.18.4.1-198.18.4.$N" \
	--deadline 50
# the peak: every tunnel up (or the phone run over), sampled once
wait_for 30 "$N tunnels up" grep -q " up $N (peak" "$TMPD/load.phone.log" ||
	note "not all $N tunnels reported up; measuring what is up"
sleep 4
loaded=$(mem)
report "with the tunnels up" "$loaded"
phone_wait
up=$(sed -n 's/^sessions: requested [0-9]*, up \([0-9]*\),.*/\1/p' "$PHONE_OUT")
note "sessions up: ${up:-?} of $N"
[ "${up:-0}" -ge $((N / 2)) ] || fail "fewer than $((N / 2)) phones came up (${up:-0})"
# every tunnel's 100410 line (the first phone's too)
wait_for 20 "all tunnels closed" sh -c "[ \$(grep -c '100410' '$SRV_LOG') -ge $((up + 1)) ]" ||
	fail "the tunnels did not all close"
# cookies and TLS sessions expire (10 s), the worker sweeps its session
# cache every 5 s, every process trims; the bound is on memory, the wait
# only bounds the loop
end=$((SECONDS + 45))
while after=$(mem) && kept=$(over "$idle" "$after") && [ -n "$kept" ] && [ "$SECONDS" -lt "$end" ]; do
	sleep 1
done
report "after the sessions ended and their cookies expired" "$after"
w_idle=$(echo "$idle" | cut -d' ' -f3) w_loaded=$(echo "$loaded" | cut -d' ' -f3)
[ $((w_loaded - w_idle)) -ge $((up * 20)) ] ||
	note "the sessions cost the worker less than 20 kB each ($((w_loaded - w_idle)) kB for $up)"
[ -z "$kept" ] || fail "after $up sessions ended: $kept"
ok "memory came back in main, secmod and the worker: $after kB after, $idle kB idle, $loaded kB with $up tunnels (main secmod worker all)"
exit 0
