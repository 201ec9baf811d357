#!/bin/bash
# t-pool-reload-owner: one user with two live sessions in a pool; a reload
# that changes the pool (a wider range) rebuilds it and moves both leases
# into the new pool object (reload.c pools_commit -> pool_take).  Each
# leased address must still name its holder in `show ip local pool` (text
# and JSON): the first moved lease used to show owner "-".
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect a1, a2 (8861 MIC,  |===443===>| sslvpnd -f -c owner.conf      |
#   |   one user, two sessions)      |          |   pool "phones" .10-.12,      |
#   |                                |          |   reloaded as .10-.14         |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
command -v python3 >/dev/null 2>&1 || hard_error "python3 not installed"
pki_ensure
netns_setup
state_init

conf="$TMPD/owner.conf"
write_conf() { # RANGE
	cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "$1"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
}

CTL_OUT="$TMPD/ctl.out"
ctl_ok() {
	timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" "$@" >"$CTL_OUT" 2>"$TMPD/ctl.err" ||
		fail "sslvpnctl $*: $(cat "$TMPD/ctl.err")"
	sed 's/^/    /' "$CTL_OUT"
}

A_CERT=(-c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key")
A_USER=$(cert_cn "$PKI/mic-sha2/leaf.pem")

# owners_named WHAT: both of the user's addresses name the user, text and JSON
owners_named() {
	ctl_ok show ip local pool phones
	assert_match "$(cat "$CTL_OUT")" "^$(re "${OC_ADDR[a1]}") +$(re "$A_USER")\$" "$1: a1's address names its holder"
	assert_match "$(cat "$CTL_OUT")" "^$(re "${OC_ADDR[a2]}") +$(re "$A_USER")\$" "$1: a2's address names its holder"
	ctl_ok --json show ip local pool phones
	python3 - "$CTL_OUT" "${OC_ADDR[a1]}" "${OC_ADDR[a2]}" "$A_USER" <<'PY' || fail "$1: --json owners"
import json, sys
p = json.load(open(sys.argv[1]))["pools"][0]
owners = {e["address"]: e["owner"] for e in p["in_use_addresses"]}
for a in sys.argv[2:4]:
    assert owners.get(a) == sys.argv[4], (a, owners)
PY
	ok "$1: --json in_use_addresses name the holder of both"
}

write_conf 198.19.0.10-198.19.0.12
start_sslvpnd -c "$conf"
oc_connect a1 "$SERVER_URL" "${A_CERT[@]}" || fail "a1: no tunnel"
oc_connect a2 "$SERVER_URL" "${A_CERT[@]}" || fail "a2: no tunnel"
assert_ne "${OC_ADDR[a1]}" "${OC_ADDR[a2]}" "two sessions of one user get two addresses"
owners_named "before the reload"

write_conf 198.19.0.10-198.19.0.14
ctl_ok reload
assert_log 100510 'reloaded \(generation 2\)' "100510: reloaded (generation 2)"
ctl_ok show ip local pool phones
assert_match "$(cat "$CTL_OUT")" '198\.19\.0\.10 +198\.19\.0\.14 +255\.255\.255\.0 +3 +0 +2' \
	"the rebuilt pool holds both leases (3 free, 2 in use)"
owners_named "after the reload"
if ! pid_alive "${OC_PID[a1]}" || ! pid_alive "${OC_PID[a2]}"; then fail "a reload ended a tunnel"; fi
ok "both tunnels still up"
oc_stop a1
oc_stop a2
assert_server_alive
echo "PASS: $T_NAME"
