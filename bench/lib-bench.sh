# shellcheck shell=bash
# The VER_*, CPU_* and SERVER_CERT_SHA1 it sets are read by the benches;
# top, SRV_PID and the namespaces come from them and lib.sh.
# shellcheck disable=SC2034,SC2154,SC2153
# Helpers shared by the side-by-side benchmarks (bench/dtls-cpu, bench/run):
# ocserv started the way both benches compare it, the server's CPU and
# memory read from /proc, the machine and load lines.  Source it after
# tests/integration/lib.sh (it uses its namespaces, PKI and PID tracking).

# untrack_pid PID: forget a process we reaped, so cleanup cannot signal a
# later process that reuses its PID.
untrack_pid() {
	local p keep=()
	for p in "${LIB_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	LIB_PIDS=("${keep[@]}")
}

# ---------------------------------------------------------------- measuring
# ns_cpu_ns NS [COMM-ERE]: CPU_SUM = nanoseconds on CPU of every task of
# every process in NS (only those whose command name matches COMM-ERE when
# given: the servers, not an iperf3 or echo service beside them), plus
# what their children that ended and were reaped used (cutime + cstime, in
# clock ticks: an ocserv worker that served one login and exited still
# counts), CPU_DETAIL = the per-process breakdown ("pid:comm:ns ...").
CPU_SUM=0
CPU_DETAIL=
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
ns_cpu_ns() {
	local pid t sum=0 p v comm st cu cs
	CPU_DETAIL=
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		comm=$(cat "/proc/$pid/comm" 2>/dev/null)
		[ -z "${2:-}" ] || [[ $comm =~ $2 ]] || continue
		p=0
		for t in /proc/"$pid"/task/*/schedstat; do
			read -r v _ <"$t" 2>/dev/null || continue
			p=$((p + v))
		done
		# fields 16 and 17 of stat; the command name (2) ends with ") "
		st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null)
		read -r _ _ _ _ _ _ _ _ _ _ _ _ _ cu cs _ <<<"$st"
		p=$((p + (${cu:-0} + ${cs:-0}) * 1000000000 / CLK_TCK))
		CPU_DETAIL+="$pid:${comm:-?}:$p "
		sum=$((sum + p))
	done
	CPU_SUM=$sum
}

# ns_pss_kb NS [COMM-ERE]: the sum of Pss (kB, smaps_rollup) of the
# processes in NS (matching COMM-ERE when given).  PSS shares the pages a
# forked worker has in common with its parent, so N ocserv workers are not
# counted N times for one copy of the library text.
ns_pss_kb() {
	local pid comm v sum=0
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		comm=$(cat "/proc/$pid/comm" 2>/dev/null)
		[ -z "${2:-}" ] || [[ $comm =~ $2 ]] || continue
		v=$(awk '$1 == "Pss:" { print $2; exit }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# snmp NS PROTO FIELD: a counter of /proc/net/snmp in namespace NS.
snmp() {
	# shellcheck disable=SC2016 # awk program
	ip netns exec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == p && h { print $col[f]; exit }' /proc/net/snmp
}

# median of the arguments (integers; the mean of the middle two when even)
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# load_note: the load average and the other tests' namespaces (concurrent
# tests or benches share the CPUs and skew the figures).
load_note() {
	local others
	others=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -Ev "^($NS_SRV|$NS_CLI)\$" | grep -c .)
	printf 'loadavg %s; other network namespaces: %s%s' "$(cut -d' ' -f1-3 /proc/loadavg)" "$others" \
		"$([ "$others" -gt 0 ] && echo ' (something else runs: figures may be skewed)')"
}

# bench_versions: VER_* of everything a figure depends on.
bench_versions() {
	VER_SSLVPND=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$BUILD/config.h" 2>/dev/null)
	VER_GIT=$(git -C "$top" describe --always --dirty 2>/dev/null)
	VER_OCSERV=$([ -n "$OCSERV" ] && "$OCSERV" --version 2>&1 | head -n 1)
	VER_OC=$(openconnect --version 2>/dev/null | head -n 1)
	VER_GNUTLS=$(openconnect --version 2>/dev/null | sed -n 's/^Using \(GnuTLS [^.]*\.[^.]*\.[0-9]*\).*/\1/p')
	VER_OPENSSL=$(openssl version 2>/dev/null)
	VER_CPU="$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r)"
}

# ocserv_find: OCSERV = the ocserv binary (OCSERV from the environment,
# else /usr/sbin/ocserv, else the PATH; empty when there is none).
ocserv_find() {
	OCSERV=${OCSERV:-}
	[ -n "$OCSERV" ] && return 0
	if [ -x /usr/sbin/ocserv ]; then OCSERV=/usr/sbin/ocserv; else OCSERV=$(command -v ocserv || true); fi
}

# ---------------------------------------------------------------- servers
# The comparison's knobs, set by the caller before start_bench_ocserv:
# OC_NET (pool), OC_MAX_CLIENTS, OC_DPD, OC_KEEPALIVE, OC_COOKIE_TIMEOUT
# and OC_EXTRA (more ocserv.conf lines).
SRV_KIND=
OC_SRV_PID=
start_bench_ocserv() {
	local d="$TMPD/ocserv" i
	mkdir -p "$d"
	chmod 755 "$d"
	cat "$PKI"/trust/*.pem >"$d/ca.pem"
	cat >"$d/ocserv.conf" <<CONF
auth = "certificate"
cert-user-oid = 2.5.4.3
ca-cert = $d/ca.pem
server-cert = $PKI/server/server.pem
server-key = $PKI/server/server.key
tcp-port = 443
udp-port = 443
listen-host = $SRV_IP
run-as-user = nobody
run-as-group = nogroup
socket-file = $d/ocserv.sock
pid-file = $d/ocserv.pid
isolate-workers = false
use-occtl = false
max-clients = ${OC_MAX_CLIENTS:-16}
max-same-clients = 0
max-ban-score = 0
keepalive = ${OC_KEEPALIVE:-32400}
dpd = ${OC_DPD:-90}
mobile-dpd = ${OC_MOBILE_DPD:-1800}
try-mtu-discovery = false
cisco-client-compat = true
dtls-legacy = true
tls-priorities = "NORMAL:%SERVER_PRECEDENCE"
auth-timeout = 240
cookie-timeout = ${OC_COOKIE_TIMEOUT:-300}
deny-roaming = false
rekey-time = 172800
rekey-method = ssl
device = vpns
predictable-ips = true
ipv4-network = ${OC_NET:-198.19.0.0/24}
route = $BEHIND_IP/32
ping-leases = false
${OC_EXTRA:-}
CONF
	SRV_LOG="$TMPD/ocserv.log"
	note "start: $OCSERV -f -d 1 -c $d/ocserv.conf"
	ip netns exec "$NS_SRV" "$OCSERV" -f -d 1 -c "$d/ocserv.conf" >>"$SRV_LOG" 2>&1 </dev/null &
	OC_SRV_PID=$!
	track_pid "$OC_SRV_PID"
	SRV_KIND=ocserv
	for ((i = 0; i < 150; i++)); do
		ns_srv ss -Hltn "sport = :443" 2>/dev/null | grep -q . && break
		pid_alive "$OC_SRV_PID" || break
		sleep 0.1
	done
	if ! ns_srv ss -Hltn "sport = :443" 2>/dev/null | grep -q .; then
		note "ocserv did not listen on TCP 443 within 15 s; its log:"
		tail -n 20 "$SRV_LOG" >&2
		return 1
	fi
	SERVER_CERT_SHA1=$(tr -d ' :\n' <"$PKI/server/server.sha1")
}

# stop_bench_server [SIGNAL]: stop the server started last (sslvpnd or
# ocserv) and anything of it left in the server namespace whose command
# name is a server's.
# shellcheck disable=SC2120 # the signal is optional
stop_bench_server() {
	local pid
	case $SRV_KIND in
	sslvpnd) stop_pid "$SRV_PID" "${1:-TERM}" && untrack_pid "$SRV_PID" ;;
	ocserv) stop_pid "$OC_SRV_PID" "${1:-TERM}" && untrack_pid "$OC_SRV_PID" ;;
	esac
	# nothing of the old server may hold port 443 (or count CPU) any more
	for pid in $(ip netns pids "$NS_SRV" 2>/dev/null); do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) =~ ^(sslvpnd|ocserv) ]] || continue
		note "pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) still in $NS_SRV after the server stopped: killing it"
		kill -KILL "$pid" 2>/dev/null
	done
	SRV_KIND=
}
