#!/bin/bash
# t-worker-nodelay: the worker sets TCP_NODELAY on the TLS sockets it is
# handed (conn.c set_nodelay; the worker's seccomp filter allows that one
# option).  Without it Nagle held each record's tail for the peer's delayed
# ACK: one tunnel's download went from ~820 to 352 Mbit/s.
#   1. openconnect brings a tunnel up (a ping through it);
#   2. the worker's TCP socket to the client has TCP_NODELAY, read from
#      outside with pidfd_getfd (tests/integration/sockopts.py): ss(8) and
#      /proc do not show the option;
#   3. the worker is still alive (the filter did not kill it for setsockopt).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (mic-sha2)         |---443--->| sslvpnd -f (embedded default) |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32 (ping target)|
#                                               +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

SOCKOPTS="$top_srcdir/tests/integration/sockopts.py"

lib_init
pki_ensure
netns_setup
state_init
start_sslvpnd

# 1.
oc_connect oc "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "openconnect: no tunnel: $(tail -n 5 "${OC_LOG[oc]}")"
sleep 0.5
assert_ping oc

# 2. the client's connection in whichever worker holds it
mapfile -t workers < <(pgrep -P "$SRV_PID" -x sslvpnd-worker)
[ "${#workers[@]}" -gt 0 ] || fail "no sslvpnd-worker under $SRV_PID"
lines=
for w in "${workers[@]}"; do
	out=$(python3 "$SOCKOPTS" "$w") || hard_error "sockopts.py $w failed"
	lines+=$(printf '%s\n' "$out" | grep " $CLI_IP " | sed "s/^/worker $w: /")$'\n'
done
printf '%s' "$lines" | sed '/^$/d; s/^/    /' >&2
n=$(printf '%s' "$lines" | grep -c " $CLI_IP ")
[ "$n" -ge 1 ] || fail "no worker holds a TCP connection from $CLI_IP"
printf '%s' "$lines" | grep " $CLI_IP " | grep -v 'nodelay=1$' >/dev/null &&
	fail "a client connection without TCP_NODELAY"
ok "the client's TLS connection ($n) has TCP_NODELAY"

# 3.
assert_ping oc
oc_stop oc
assert_server_alive
echo "PASS: $T_NAME"
