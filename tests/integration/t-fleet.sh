#!/bin/bash
# t-fleet (S16, issue 20 "Done when"): three sslvpnd nodes on one Redis,
# BIRD on each node announcing its tunnels' host routes by BGP to a core
# BIRD (lib-fleet.sh has the picture).
#  1. Six emulated phones (CP-8861 profile), url1..url3 = the three nodes
#     rotated, failConnectTime 10 s: two land on each node, each with an
#     address of its node's slice; the core routes each phone's /32 to
#     exactly the node that holds it (core -> phone ping, voice to the far
#     end on the core comes back by the BGP route).
#  2. openconnect logs in on n1 and keeps its cookie.
#  3. n1's sslvpnd is SIGKILLed: its tunnels and host routes go, its BIRD
#     withdraws them; its phones fail over to their url2 within
#     failConnectTime, keep their addresses, the core routes them to the
#     new node and voice flows again; openconnect comes back on n2 with its
#     cookie (no new login) and keeps its address.
#  4. No address is held twice: one Redis lease per address, owned by the
#     node the core routes it to; one core route per address.
#  5. Redis is killed and started again empty: no session is lost (no phone
#     loses its tunnel), the nodes write their leases and sessions again.
#  6. The phones end after their hold time: exit 0, voice loss bounded by
#     the outage; each n1 phone's outage line: url1 -> url2, same address,
#     back by its cookie within failConnectTime, voice resumed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
LIB_DEADLINE=150
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"
# shellcheck source=tests/integration/lib-fleet.sh
. "$top_srcdir/tests/integration/lib-fleet.sh"

FCT=10          # the phones' failConnectTime
PHONES=6
HOLD=50         # seconds each phone keeps its tunnel
BEHIND_IP=$FAR_IP # openconnect's script routes the far end through its tunnel

fleet_init
lib_init
phone_init
pki_ensure
fleet_setup
fleet_redis_start
fleet_bird_start_core
for k in 1 2 3; do
	fleet_bird_start "$k"
	node_start "$k"
done
for k in 1 2 3; do
	fleet_wait 20 "BGP core-n$k Established" bgp_up "$k" || fail "no BGP session between the core and n$k"
done
ok "BGP: the core has a session with each node"
# one identity for the fleet (node_state copied n1's): one pin for
# openconnect, one certHash for the phones
SERVER_CERT_SHA1=$(node_cert_sha1 1)
rsa1=$(node_rsa_sha1 1)
for k in 2 3; do
	assert_eq "$SERVER_CERT_SHA1" "$(node_cert_sha1 "$k")" "n$k has the fleet's identity"
	assert_eq "$rsa1" "$(node_rsa_sha1 "$k")" "n$k has the fleet's RSA identity"
done
hash=$(hex_b64 "$rsa1")
fleet_echo_start

# ---- 1. phones spread over the nodes -----------------------------------
declare -A P_LOG=() P_OUT=() P_PID=() P_HOME=() P_NEXT=() P_ADDR=()
for ((j = 0; j < PHONES; j++)); do
	a=$((j % 3 + 1)) b=$(((j + 1) % 3 + 1)) c=$(((j + 2) % 3 + 1))
	fleet_vpngroup "$TMPD/p$j.xml" "$FCT" "$a" "$b" "$c" "$hash"
	run_phone_bg "p$j" -p 8861 --vpngroup "$TMPD/p$j.xml" \
		--ca-cert "$PKI/mic-sha2/ca.pem" --ca-key "$PKI/mic-sha2/ca.key" --cn-base $((700 + j)) \
		--voice "$FAR_IP:$ECHO_PORT" --voice-secs $((HOLD - 5)) --hold "$HOLD" \
		--max-loss $((FCT * 100 / (HOLD - 5) + 5))
	P_LOG[$j]=$PHONE_LOG P_OUT[$j]=$PHONE_OUT P_PID[$j]=$PHONE_PID P_HOME[$j]=$a P_NEXT[$j]=$b
done
p_addr() { sed -n 's/.*connected: .*address \([0-9.]*\),.*/\1/p' "${P_LOG[$1]}" | head -n 1; }
all_up() {
	local j
	for ((j = 0; j < PHONES; j++)); do [ -n "$(p_addr "$j")" ] || return 1; done
}
fleet_wait 20 "every phone has a tunnel" all_up || fail "not every phone got a tunnel"
# the slice of a pool address: slot (addr - range start .10) % 3 + 1
slice_of() { echo $(((${1##*.} - 10) % 3 + 1)); }
for ((j = 0; j < PHONES; j++)); do
	P_ADDR[$j]=$(p_addr "$j")
	assert_eq "${P_HOME[$j]}" "$(slice_of "${P_ADDR[$j]}")" \
		"phone p$j on n${P_HOME[$j]} has ${P_ADDR[$j]}, an address of slice ${P_HOME[$j]}"
done

# routed_to ADDR K: the core's kernel sends ADDR to node K and BIRD has one
# path for it; answered ADDR K: and the phone there answers the core's ping.
routed_to() { [ "$(core_route_via "$1")" = "198.18.10.$2" ] && [ "$(core_route_count "$1")" = 1 ]; }
answered() { routed_to "$1" "$2" && core_ping "$1" 1; }
for ((j = 0; j < PHONES; j++)); do
	fleet_wait 10 "core routes ${P_ADDR[$j]} to n${P_HOME[$j]}" answered "${P_ADDR[$j]}" "${P_HOME[$j]}" ||
		fail "the core does not route ${P_ADDR[$j]} to n${P_HOME[$j]} alone: $(core_routes | tr '\n' ';')"
done
ok "the core routes each phone's /32 to its node, and the phones answer"

# ---- 2. openconnect on n1 with a cookie --------------------------------
oc_cert=(-c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key")
oc_authenticate oc "${NODE_URL[1]}" "${oc_cert[@]}"
[ -n "$OC_COOKIE" ] || fail "openconnect --authenticate on n1 printed no cookie"
printf '%s\n' "$OC_COOKIE" >"$TMPD/cookie"
OC_STDIN="$TMPD/cookie"
oc_connect a "${NODE_URL[1]}" --cookie-on-stdin ||
	fail "openconnect did not come up on n1 with its cookie"
oc_addr=${OC_ADDR[a]}
assert_eq 1 "$(slice_of "$oc_addr")" "openconnect on n1 has $oc_addr of slice 1"
assert_ping a
fleet_wait 10 "core routes $oc_addr to n1" routed_to "$oc_addr" 1 ||
	fail "the core does not route $oc_addr to n1"

# ---- 3. n1 dies --------------------------------------------------------
t0=$(date +%s%N)
node_kill 1
gone() { [ "$(core_route_count "$1")" = 0 ] || [ "$(core_route_via "$1")" != 198.18.10.1 ]; }
for ((j = 0; j < PHONES; j++)); do
	[ "${P_HOME[$j]}" = 1 ] || continue
	fleet_wait 5 "route of ${P_ADDR[$j]} withdrawn from n1" gone "${P_ADDR[$j]}" ||
		fail "the core still routes ${P_ADDR[$j]} to the dead n1"
done
ok "n1's BIRD withdrew its routes ($((($(date +%s%N) - t0) / 1000000)) ms after the kill)"
for ((j = 0; j < PHONES; j++)); do
	[ "${P_HOME[$j]}" = 1 ] || continue
	fleet_wait $((FCT + 3)) "p$j back on n${P_NEXT[$j]} with ${P_ADDR[$j]}" \
		answered "${P_ADDR[$j]}" "${P_NEXT[$j]}" ||
		fail "phone p$j (${P_ADDR[$j]}) did not come back on its url2 n${P_NEXT[$j]}"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -le $((FCT * 1000 + 3000)) ] ||
		fail "p$j came back after $ms ms: beyond failConnectTime ${FCT} s"
	grep -Eq "reconnected with the cookie, address $(re "${P_ADDR[$j]}") \(same\), on url2" "${P_LOG[$j]}" ||
		fail "p$j: no 'reconnected with the cookie, address ${P_ADDR[$j]} (same), on url2' in its log"
	ok "p$j failed over to n${P_NEXT[$j]} with ${P_ADDR[$j]} after $ms ms (failConnectTime ${FCT} s)"
done

oc_stop a KILL # its own reconnects go to the dead n1's URL
oc_connect b "${NODE_URL[2]}" --cookie-on-stdin ||
	fail "openconnect did not come up on n2 with the cookie of its n1 session"
assert_eq "$oc_addr" "${OC_ADDR[b]}" "openconnect kept $oc_addr on n2"
moved_in() { node_log_has 2 100870 "\(address $(re "$oc_addr")\) moved here from node n1; same address, no new login"; }
fleet_wait 5 "100870 on n2 for $oc_addr" moved_in || fail "n2 did not log 100870 for openconnect's session"
ok "n2 continued openconnect's session with its cookie (100870), no new login"
assert_ping b
fleet_wait 10 "core routes $oc_addr to n2" routed_to "$oc_addr" 2 ||
	fail "the core does not route $oc_addr to n2"

# ---- 4. no address held twice -------------------------------------------
# lease_node ADDR: the node in ADDR's Redis lease ("<node> <cookie> <user>").
lease_node() { redis_cli GET "sslvpnd:lease:phones:$1" | cut -d' ' -f1; }
# no_double: every live address has one lease, owned by the node the core
# routes it to; no two routes or sessions for one address.
live_addrs() {
	local j
	for ((j = 0; j < PHONES; j++)); do echo "${P_ADDR[$j]}"; done
	echo "$oc_addr"
}
held_by() { # ADDR: the node number the core routes ADDR to
	local via
	via=$(core_route_via "$1")
	echo "${via##*.}"
}
no_double() {
	local a n
	for a in $(live_addrs); do
		n=$(held_by "$a")
		if [ -z "$n" ] || [ "$(core_route_count "$a")" != 1 ] || [ "$(lease_node "$a")" != "n$n" ]; then
			echo "# $a: core -> n${n:-?} ($(core_route_count "$a") paths), lease $(redis_cli GET "sslvpnd:lease:phones:$a")"
			return 1
		fi
	done
	[ -z "$(core_routes | awk '{ print $1 }' | uniq -d)" ] || return 1
	[ -z "$(sess_addrs | uniq -d)" ] || return 1
	# and no claim left over: the claims are exactly the live addresses
	[ "$(lease_addrs)" = "$(live_addrs | sort)" ] || {
		echo "# claims: $(lease_addrs | tr '\n' ' ')"
		return 1
	}
}
lease_addrs() { redis_cli --scan --pattern 'sslvpnd:lease:phones:*' | sed 's/.*://' | sort; }
# sess_addrs: the addresses of the registry's sessions, sorted.
sess_addrs() {
	local key
	redis_cli --scan --pattern 'sslvpnd:sess:*' | while read -r key; do
		redis_cli HGET "$key" addr
	done | grep . | sort
}
fleet_wait 5 "one holder per address" no_double || fail "an address is held twice (see above)"
[ "$(sess_addrs | wc -l)" -ge $((PHONES + 1)) ] ||
	fail "the registry has $(sess_addrs | wc -l) sessions, want $((PHONES + 1))"
ok "no address held twice: one lease each, owned by the node the core routes it to"

# ---- 5. Redis restarted empty ---------------------------------------------
lost0=$(cat "${P_LOG[@]}" | grep -c 'tunnel lost')
fleet_redis_kill
sleep 2
fleet_redis_start
for k in 2 3; do
	back() { node_log_has "$1" 100860 'connected to Redis .*\(after [0-9]+ s without it\)'; }
	fleet_wait 20 "n$k back on Redis" back "$k" || fail "n$k did not reconnect to Redis"
done
fleet_wait 10 "leases and sessions written again" no_double ||
	fail "after the Redis restart the leases are not all back"
[ "$(sess_addrs | wc -l)" -ge $((PHONES + 1)) ] ||
	fail "after the Redis restart the registry has $(sess_addrs | wc -l) sessions"
assert_eq "$lost0" "$(cat "${P_LOG[@]}" | grep -c 'tunnel lost')" "no phone lost its tunnel over the Redis restart"
for ((j = 0; j < PHONES; j++)); do
	core_ping "${P_ADDR[$j]}" 1 || fail "${P_ADDR[$j]} does not answer the core after the Redis restart"
done
ok "Redis restarted empty: every session kept, leases and registry written again"
assert_ping b

# ---- 6. the phones end as they should -------------------------------------
for ((j = 0; j < PHONES; j++)); do
	PHONE_PID=${P_PID[$j]} PHONE_OUT=${P_OUT[$j]} PHONE_LOG=${P_LOG[$j]}
	phone_wait
	assert_rc 0 "$PHONE_RC" "phone p$j held its tunnel $HOLD s, voice loss within its bound"
	line=$(grep '^outage \[0\]:' "$PHONE_OUT")
	if [ "${P_HOME[$j]}" != 1 ]; then
		[ -z "$line" ] || fail "p$j (on n${P_HOME[$j]}) lost its tunnel: $line"
		continue
	fi
	a=$(re "${P_ADDR[$j]}")
	assert_match "$line" "lost on url1, up on url2, address $a -> $a, outage [0-9]+ ms, back by cookie, voice resumed yes" \
		"p$j: outage line: url1 -> url2, same address, back by its cookie, voice resumed"
	ms=$(printf '%s\n' "$line" | sed -n 's/.*outage \([0-9]*\) ms.*/\1/p')
	[ "$ms" -le $((FCT * 1000)) ] || fail "p$j: outage $ms ms, beyond failConnectTime ${FCT} s"
	ok "p$j: outage $ms ms (failConnectTime ${FCT} s)"
done
for k in 2 3; do pid_alive "${NODE_PID[$k]}" || fail "n$k is gone"; done
fleet_sanitizer_check
echo "PASS: $T_NAME"
