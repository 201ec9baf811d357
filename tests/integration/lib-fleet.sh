# shellcheck shell=bash
# Helpers of the fleet tests (S16), on top of lib.sh (source lib.sh first;
# lib-phone.sh too when phones are used).  The topology of
# /work/tasks/fleet.md, every piece in a namespace of its own:
#
#             client ns $NS_CLI (br-cli 198.18.20.100/24)
#        openconnect, sslvpn-phone --vpngroup (url1..url3 = the nodes)
#          |client0 198.18.20.1  |198.18.20.2           |198.18.20.3
#   +------+---------+  +--------+--------+  +----------+------+
#   | node ns 1      |  | node ns 2       |  | node ns 3       |
#   | sslvpnd n1     |  | sslvpnd n2      |  | sslvpnd n3      |
#   |  slice 1/3     |  |  slice 2/3      |  |  slice 3/3      |
#   | bird (AS65001) |  | bird            |  | bird            |
#   +------+---------+  +--------+--------+  +----------+------+
#          |fleet0 198.18.10.1   |198.18.10.2           |198.18.10.3
#   core ns $NS_CORE: br-fleet 198.18.10.254/24, bird (AS65000) installs
#   the nodes' /32s in its kernel table; lo 198.18.30.1 = the far end of the
#   phones' voice (echo server), reached only through the nodes' tunnels and
#   back only through the BGP routes.
#          |fleet0 198.18.10.253
#   redis ns $NS_REDIS: redis-server :6379
#
# Each node's sslvpnd runs etc/fleet/sslvpnd-node.conf and its BIRD
# etc/fleet/bird-node.conf as shipped, rewritten only for the node's own
# values (node_conf, fleet_bird_start); the core runs etc/fleet/bird-core.conf.
# BIRD runs in the foreground on private sockets, never as the system service.
# Pool phones 198.19.0.10-.250 cut in 3 slices.  Nodes forward (ip_forward).
#
# Stable interface (other tests use it):
#   fleet_init, fleet_setup, fleet_redis_start, fleet_redis_kill, redis_cli
#   fleet_bird_start_core, fleet_bird_start K, bgp_up K, fleet_birdc NAME CMD
#   node_start K, node_kill K, node_conf K (then node_conf_hook K FILE when
#   the test defines it), node_log_lines/node_log_has K ID ERE
#   node_rsa_sha1 K (phones' certHash), node_cert_sha1 K (openconnect's pin)
#   core_routes ("ADDR NEXTHOP" per BGP path), core_route_count ADDR,
#   core_route_via ADDR (the core kernel's next hop), core_ping ADDR [COUNT]
#   fleet_wait SECS WHAT CMD..., fleet_echo_start, fleet_vpngroup FILE FCT
#   K1 K2 K3 HASH..., fleet_sanitizer_check; NS_NODE[K], NODE_URL[K],
#   NODE_LOG[K], NODE_PID[K], NS_CORE, NS_REDIS, NS_CLI, FAR_IP, REDIS_IP.

# shellcheck disable=SC2154 # TMPD, PKI, LIB_* come from lib.sh
FLEET_N=3
FLEET_PORT=6379
REDIS_IP=198.18.10.253
CORE_IP=198.18.10.254
FAR_IP=198.18.30.1     # behind the fleet: the phones' echo server, on the core
CLI_LAN_IP=198.18.20.100
FLEET_ETC="$top_srcdir/etc/fleet"
NS_REDIS="svd-fr-$$"
NS_CORE="svd-fx-$$"
NS_CLI="svd-c-$$"
REDIS_PID=
# shellcheck disable=SC2034 # for the tests that source this file
CORE_BIRD_PID=
declare -gA NS_NODE=() NODE_PID=() NODE_LOG=() NODE_STATE=() NODE_URL=() NODE_BIRD_PID=()
for ((fk = 1; fk <= FLEET_N; fk++)); do
	NS_NODE[$fk]="svd-f$fk-$$"
	NODE_URL[$fk]="https://198.18.20.$fk/phone"
done
unset fk

fleet_init() {
	command -v redis-server >/dev/null || skip "redis-server not installed (scripts/test installs it)"
	command -v bird >/dev/null || skip "bird (bird2) not installed (scripts/test installs it)"
}

fleet_ns() { # NAME: create a namespace this test owns, lo up
	ip netns add "$1" || fail "ip netns add $1"
	LIB_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# fleet_setup: every namespace and link of the picture above; fails unless
# each node reaches the core and Redis, and the client reaches each node.
fleet_setup() {
	local k ns
	fleet_ns "$NS_CORE"
	fleet_ns "$NS_REDIS"
	fleet_ns "$NS_CLI"
	ip -n "$NS_CORE" link add br-fleet type bridge || fail "bridge br-fleet"
	ip -n "$NS_CORE" addr add "$CORE_IP/24" dev br-fleet
	ip -n "$NS_CORE" link set br-fleet up
	ip -n "$NS_CORE" addr add "$FAR_IP/32" dev lo
	ip -n "$NS_CLI" link add br-cli type bridge || fail "bridge br-cli"
	ip -n "$NS_CLI" addr add "$CLI_LAN_IP/24" dev br-cli
	ip -n "$NS_CLI" link set br-cli up
	fleet_port "$NS_REDIS" fl-r "$REDIS_IP"
	for ((k = 1; k <= FLEET_N; k++)); do
		ns=${NS_NODE[$k]}
		fleet_ns "$ns"
		fleet_port "$ns" "fl-$k" "198.18.10.$k"
		ip -n "$ns" route add default via "$CORE_IP" || fail "default route of node $k"
		# a node routes between its tunnels and the fleet LAN (a new
		# namespace starts with forwarding off, as a fresh host does)
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 || fail "ip_forward on node $k"
		ip -n "$NS_CLI" link add "cl-$k" type veth peer name client0 netns "$ns" ||
			fail "veth client-node $k"
		ip -n "$NS_CLI" link set "cl-$k" master br-cli up
		ip -n "$ns" addr add "198.18.20.$k/24" dev client0
		ip -n "$ns" link set client0 up
	done
	for ((k = 1; k <= FLEET_N; k++)); do
		fleet_wait 5 "node $k reaches the core" ip netns exec "${NS_NODE[$k]}" \
			ping -c 1 -W 1 "$CORE_IP" >/dev/null || fail "node $k cannot reach $CORE_IP"
		fleet_wait 5 "client reaches node $k" ip netns exec "$NS_CLI" \
			ping -c 1 -W 1 "198.18.20.$k" >/dev/null || fail "client cannot reach 198.18.20.$k"
	done
	ok "fleet topology: core, redis, $FLEET_N nodes, client"
}

# fleet_port NS CORE-SIDE-NAME ADDR: a veth from NS (fleet0, ADDR/24) to the
# core's fleet bridge.
fleet_port() {
	ip -n "$NS_CORE" link add "$2" type veth peer name fleet0 netns "$1" || fail "veth $2"
	ip -n "$NS_CORE" link set "$2" master br-fleet up
	ip -n "$1" addr add "$3/24" dev fleet0
	ip -n "$1" link set fleet0 up
}

# ---------------------------------------------------------------- Redis
redis_cli() { ip netns exec "$NS_REDIS" redis-cli -h "$REDIS_IP" -p "$FLEET_PORT" "$@"; }
redis_ping() { [ "$(redis_cli PING 2>/dev/null)" = PONG ]; }

# fleet_redis_start: an empty Redis (no persistence: a restart loses every
# key, the worst case the nodes' reconcile must cover).
fleet_redis_start() {
	ip netns exec "$NS_REDIS" redis-server --port "$FLEET_PORT" --bind "$REDIS_IP" \
		--protected-mode no --save '' --appendonly no --daemonize no \
		--logfile "$TMPD/redis.log" --dir "$TMPD" </dev/null >/dev/null 2>&1 &
	REDIS_PID=$!
	track_pid "$REDIS_PID"
	fleet_wait 10 "redis answers" redis_ping || fail "redis-server did not start"
}
fleet_redis_kill() { stop_pid "$REDIS_PID" KILL; }

# ---------------------------------------------------------------- BIRD
# fleet_bird NS NAME CONF: bird -f in NS on its own control socket.
fleet_bird() {
	local ns=$1 name=$2 conf=$3 pid
	ip netns exec "$ns" bird -p -c "$conf" >"$TMPD/$name.parse" 2>&1 ||
		fail "bird -p -c $conf: $(cat "$TMPD/$name.parse")"
	ip netns exec "$ns" bird -f -c "$conf" -s "$TMPD/$name.ctl" -P "$TMPD/$name.pid" \
		>>"$TMPD/$name.bird.log" 2>&1 </dev/null &
	pid=$!
	track_pid "$pid"
	fleet_wait 10 "bird $name answers" birdc_ok "$name" || fail "bird $name did not start"
	FLEET_LAST_PID=$pid
}
birdc_ok() { birdc -s "$TMPD/$1.ctl" show status 2>/dev/null | grep -q 'Daemon is up'; }
fleet_birdc() { local n=$1; shift; birdc -s "$TMPD/$n.ctl" "$@"; }

fleet_bird_start_core() {
	cp "$FLEET_ETC/bird-core.conf" "$TMPD/core.conf"
	fleet_bird "$NS_CORE" core "$TMPD/core.conf"
	# shellcheck disable=SC2034 # for the tests that source this file
	CORE_BIRD_PID=$FLEET_LAST_PID
}

# fleet_bird_start K: node K's BIRD: the shipped bird-node.conf with this
# node's router id.
fleet_bird_start() {
	sed "s/^define NODE_ID = .*/define NODE_ID = 198.18.10.$1;/" \
		"$FLEET_ETC/bird-node.conf" >"$TMPD/bird-n$1.conf"
	fleet_bird "${NS_NODE[$1]}" "n$1" "$TMPD/bird-n$1.conf"
	NODE_BIRD_PID[$1]=$FLEET_LAST_PID
}

# bgp_up K: the core's session with node K is Established.
bgp_up() { fleet_birdc core show protocols "n$1" 2>/dev/null | grep -q Established; }

# core_routes: "ADDR NODE-ADDR" per BGP path the core's BIRD holds for a
# pool address (two lines for one address = two nodes claim it), sorted.
core_routes() {
	fleet_birdc core show route all table master4 2>/dev/null | awk '
		/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\/32/ { net = $1; sub(/\/32$/, "", net) }
		/BGP.next_hop:/ && net != "" { print net, $2 }' | sort
}
# core_kernel_routes: "ADDR VIA" of the core's kernel table (what packets use).
core_kernel_routes() {
	ip -n "$NS_CORE" route show proto bird | awk '{ print $1, $3 }' | sort
}
core_route_count() { core_routes | awk -v a="$1" '$1 == a' | wc -l; }
# core_route_via ADDR: the node address the core's kernel sends ADDR to.
core_route_via() { ip -n "$NS_CORE" route show "$1/32" proto bird | awk '{ print $3; exit }'; }
core_ping() { ip netns exec "$NS_CORE" ping -c "${2:-2}" -i 0.3 -W 1 "$1" >/dev/null 2>&1; }

# fleet_wait SECONDS WHAT CMD...: like lib.sh's wait_for, for commands that
# take time themselves (a ping): bounded by the clock and by a count.
fleet_wait() {
	local secs=$1 what=$2 i end
	shift 2
	end=$((SECONDS + secs))
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	printf '# timed out after %ss waiting for: %s\n' "$secs" "$what"
	return 1
}

# ---------------------------------------------------------------- nodes
# node_conf K: node K's configuration: etc/fleet/sslvpnd-node.conf as
# shipped, with node K's name, URL, slice and addresses, the test's state
# directory, one worker, the log on stderr, and short timers
# (FLEET_LEASE_TTL, default 15 s; heartbeat 1 s).
node_conf() {
	local k=$1 st=${NODE_STATE[$1]}
	sed -e "s#/var/lib/sslvpnd#$st#g" \
		-e 's/destination = "syslog"/destination = "stderr"/' \
		-e 's/^\(  state-dir = \)/  workers = 1;\n\1/' \
		-e "s/address = \"198\.18\.20\.1\"/address = \"198.18.20.$k\"/" \
		-e "s/node = \"n1\"/node = \"n$k\"/" \
		-e "s#url = \"https://198\.18\.20\.1/phone\"#url = \"${NODE_URL[$k]}\"#" \
		-e "s/slice = 1;/slice = $k;/" -e "s/slices = 3;/slices = $FLEET_N;/" \
		-e "s/lease-ttl = 60;/lease-ttl = ${FLEET_LEASE_TTL:-15};/" \
		-e 's/heartbeat = 5;/heartbeat = 1;/' \
		"$FLEET_ETC/sslvpnd-node.conf" >"$TMPD/n$k.conf"
	if ! grep -q "node = \"n$k\"" "$TMPD/n$k.conf" || ! grep -q "slice = $k;" "$TMPD/n$k.conf"; then
		fail "etc/fleet/sslvpnd-node.conf no longer has the lines node_conf rewrites"
	fi
	# a test's own changes (node_conf_hook K FILE), if it defines one
	if declare -F node_conf_hook >/dev/null; then node_conf_hook "$k" "$TMPD/n$k.conf"; fi
}

# node_state K: node K's state directory: the lab trust, and node 1's
# identity when node 1 has one (one identity for the fleet: one certHash).
node_state() {
	local k=$1
	NODE_STATE[$k]="$TMPD/n$k/state"
	mkdir -p "${NODE_STATE[$k]}/trust"
	cp "$PKI"/trust/* "${NODE_STATE[$k]}/trust/"
	if [ "$k" != 1 ] && [ -d "${NODE_STATE[1]:-/nonexistent}/identity" ] &&
		[ ! -d "${NODE_STATE[$k]}/identity" ]; then
		cp -a "${NODE_STATE[1]}/identity" "${NODE_STATE[$k]}/"
	fi
}

# node_start K: (re)start node K's sslvpnd in its namespace, logging to
# NODE_LOG[K]; waits (bounded) for 100007 listening.  The log is appended
# to across restarts; NODE_MARK[K] is its line count at this start.
declare -gA NODE_MARK=()
node_start() {
	local k=$1 i
	[ -n "${NODE_STATE[$k]:-}" ] || node_state "$k"
	node_conf "$k"
	NODE_LOG[$k]="$TMPD/n$k.log"
	touch "${NODE_LOG[$k]}"
	NODE_MARK[$k]=$(wc -l <"${NODE_LOG[$k]}")
	ip netns exec "${NS_NODE[$k]}" "$SSLVPND" -f --state-dir "${NODE_STATE[$k]}" \
		--pid-file "$TMPD/n$k.pid" -c "$TMPD/n$k.conf" >>"${NODE_LOG[$k]}" 2>&1 </dev/null &
	NODE_PID[$k]=$!
	track_pid "${NODE_PID[$k]}"
	for ((i = 0; i < 150; i++)); do
		node_log_has "$k" 100007 'listening on .* port 443' && break
		pid_alive "${NODE_PID[$k]}" || fail "sslvpnd n$k exited before listening"
		sleep 0.1
	done
	node_log_has "$k" 100007 'listening on .* port 443' ||
		fail "sslvpnd n$k: no 100007 listening within 15 s"
	ok "sslvpnd n$k (pid ${NODE_PID[$k]}) listening on 198.18.20.$k"
}

# node_log_lines K ID [ERE...]: lib.sh's log_lines on node K's log since
# its latest start.
node_log_lines() {
	local k=$1
	shift
	tail -n +"$((${NODE_MARK[$k]:-0} + 1))" "${NODE_LOG[$k]}" >"$TMPD/n$k.cur.log" 2>/dev/null
	SRV_LOG="$TMPD/n$k.cur.log" log_lines "$@"
}
node_log_has() { [ -n "$(node_log_lines "$@")" ]; }

# node_kill K: SIGKILL node K's sslvpnd (main); its workers follow when
# their link to main breaks.  Waits (bounded) until no process of it is
# left in the namespace but BIRD, so its tun devices and host routes are gone.
node_kill() {
	local k=$1
	stop_pid "${NODE_PID[$k]}" KILL
	fleet_wait 10 "n$k's workers gone" node_no_workers "$k" ||
		fail "n$k: sslvpnd processes left after SIGKILL of main"
	ok "n$k killed (SIGKILL)"
}
node_no_workers() {
	local pid
	for pid in $(ip netns pids "${NS_NODE[$1]}"); do
		[ "$pid" = "${NODE_BIRD_PID[$1]:-}" ] && continue
		case $(ps -o comm= -p "$pid" 2>/dev/null) in sslvpnd*) return 1 ;; esac
	done
	return 0
}

# node_rsa_sha1 K: the SHA-1 of node K's RSA identity as phones see it.
node_rsa_sha1() {
	local h
	h=$(node_log_lines "$1" 100120 | sed -n 's/.*: RSA identity .* SHA-1 \([0-9A-Fa-f]\{40\}\).*/\1/p' | head -n 1)
	[ -n "$h" ] || h=$(node_log_lines "$1" 100006 | sed -n 's/.*SHA-1 \([0-9A-Fa-f]\{40\}\).*/\1/p' | head -n 1)
	printf '%s\n' "$h"
}

# node_cert_sha1 K: the SHA-1 of the certificate node K shows clients that
# offer ECDSA suites (openconnect), from its 100006 event.
node_cert_sha1() {
	node_log_lines "$1" 100006 | sed -n 's/.*SHA-1 \([0-9A-Fa-f]\{40\}\).*/\1/p' | head -n 1
}

# fleet_echo_start: the phones' UDP echo on the core's far address.
fleet_echo_start() {
	ip netns exec "$NS_CORE" "$SSLVPN_PHONE" --echo-server "$FAR_IP:$ECHO_PORT" \
		--hold "$LIB_DEADLINE" >>"$TMPD/echo.log" 2>&1 </dev/null &
	ECHO_PID=$!
	track_pid "$ECHO_PID"
	fleet_wait 5 "echo server bound" ip netns exec "$NS_CORE" \
		sh -c "ss -uln | grep -q '$FAR_IP:$ECHO_PORT'" ||
		fail "echo server did not bind $FAR_IP:$ECHO_PORT"
}

# fleet_vpngroup FILE FCT K1 K2 K3 HASH...: a phone's <vpnGroup> with
# url1..url3 = nodes K1 K2 K3, failConnectTime FCT, certHash1.. = HASH...
# (base64).
fleet_vpngroup() {
	local f=$1 fct=$2 i=0 h
	{
		printf '<device><vpnGroup>\n  <mtu>1290</mtu>\n'
		printf '  <failConnectTime>%s</failConnectTime>\n' "$fct"
		printf '  <authMethod>2</authMethod>\n  <enableHostIDCheck>0</enableHostIDCheck>\n'
		printf '  <addresses>\n'
		printf '    <url1>%s</url1>\n    <url2>%s</url2>\n    <url3>%s</url3>\n' \
			"${NODE_URL[$3]}" "${NODE_URL[$4]}" "${NODE_URL[$5]}"
		printf '  </addresses>\n  <credentials>\n    <hashAlg>0</hashAlg>\n'
		shift 5
		for h in "$@"; do
			i=$((i + 1))
			printf '    <certHash%d>%s</certHash%d>\n' "$i" "$h" "$i"
		done
		printf '  </credentials>\n</vpnGroup></device>\n'
	} >"$f"
}

# On failure lib.sh's cleanup calls dump_logs: the nodes', BIRDs' and
# Redis's logs too; a sanitizer report in any node's log fails the test.
eval "fleet_lib_dump_logs() $(declare -f dump_logs | tail -n +2)"
dump_logs() {
	local f
	fleet_lib_dump_logs
	for f in "$TMPD"/n[0-9].log "$TMPD"/*.bird.log "$TMPD/redis.log"; do
		[ -f "$f" ] || continue
		echo "---- $(basename "$f"), last 60 lines"
		tail -n 60 "$f"
	done
	echo "---- the core's BIRD routes"
	fleet_birdc core show route all 2>&1 | head -n 40
	for f in "${NS_NODE[@]}"; do
		echo "---- kernel routes of $f"
		ip -n "$f" route show 2>&1 | head -n 20
	done
}
# fleet_sanitizer_check: fail on an ASan/UBSan report in any node's log
# (lib.sh's cleanup looks at SRV_LOG only).
fleet_sanitizer_check() {
	local f
	for f in "$TMPD"/n[0-9].log; do
		[ -f "$f" ] || continue
		if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" >/dev/null; then
			grep -E -A 15 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" | head -n 60
			fail "sanitizer report in $f"
		fi
	done
}
