#!/bin/bash
# t-aaa-group-list: webvpn tunnel-group-list enable.  On the base URL the
# login form offers the group aliases (<select name="group_list">); openconnect
# --authgroup picks one, starts over with <group-select> and logs in to that
# tunnel group (its default group policy shows in 722051).  A group-url
# still fixes the group and gets no list.  The chosen policy's banner reaches
# the client (XML complete <banner>, X-CSTP-Banner -> CISCO_BANNER).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --user alice       |  TLS 443 | sslvpnd -f -c list.conf       |
#   |   --authgroup CONTRACTORS      |=========>|  STAFF -> staff-group         |
#   | curl (XML init)                |          |  CONTRACTORS -> contr-group   |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
netns_setup
state_init

printf '%s\n' 'list-pw-1' >"$TMPD/pw"
hash=$(printf '%s\n' 'list-pw-1' | "$SSLVPND" --hash-password) || fail "--hash-password"
conf="$TMPD/list.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "p"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
group_policies = ( { name = "StaffPolicy"; }, { name = "ContrPolicy"; banner = "Contractors: <authorized> use & monitoring"; } );
tunnel_groups = ( { name = "staff-group"; address-pool = "p"; authentication = "aaa";
                    default-group-policy = "StaffPolicy"; group-alias = "STAFF"; },
                  { name = "contr-group"; address-pool = "p"; authentication = "aaa";
                    default-group-policy = "ContrPolicy"; group-alias = "CONTRACTORS";
                    group-url = ["https://$SRV_IP/contr"]; } );
users = ( { name = "alice"; password = "$hash"; } );
webvpn = { tunnel-group-list = true; };
CONF
start_sslvpnd -c "$conf"

init='<?xml version="1.0" encoding="UTF-8"?><config-auth client="vpn" type="init" aggregate-auth-version="2"><version who="vpn">9.01</version><device-id>linux-64</device-id><group-access>GA</group-access></config-auth>'
xml_init() { # PATH -> body in $TMPD/init.out
	ns_cli curl -sk --max-time 10 -A 'AnyConnect Linux_64 4.10' \
		--data-binary "${init/GA/https://$SRV_IP$1}" "https://$SRV_IP$1" >"$TMPD/init.out"
}
xml_init /
grep -q '<select name="group_list" label="GROUP:">' "$TMPD/init.out" ||
	fail "base URL: no group list in the form: $(head -c 600 "$TMPD/init.out")"
if ! grep -q '<option[^>]*>STAFF</option>' "$TMPD/init.out" ||
	! grep -q '<option[^>]*>CONTRACTORS</option>' "$TMPD/init.out"; then
	fail "the list lacks an alias: $(grep -o '<select.*</select>' "$TMPD/init.out")"
fi
ok "base URL form lists STAFF and CONTRACTORS"
xml_init /contr
if grep -q '<select name="group_list"' "$TMPD/init.out"; then
	fail "group-url /contr still offered a group list"
fi
ok "group-url form has no group list"

OC_STDIN="$TMPD/pw" oc_connect a "$SERVER_URL" --user alice --passwd-on-stdin \
	--authgroup CONTRACTORS || fail "openconnect --authgroup CONTRACTORS: no tunnel"
assert_log 722051 'Group <ContrPolicy> User <alice> ' "alice landed in contr-group (ContrPolicy)"
# The policy banner: in the XML complete (escaped) and in X-CSTP-Banner,
# which openconnect decodes into its script's CISCO_BANNER.
assert_eq 'Contractors: <authorized> use & monitoring' "$(oc_env a CISCO_BANNER)" \
	"CISCO_BANNER from ContrPolicy's banner"
assert_ping a
oc_stop a
OC_STDIN="$TMPD/pw" oc_connect b "$SERVER_URL" --user alice --passwd-on-stdin \
	--authgroup STAFF || fail "openconnect --authgroup STAFF: no tunnel"
assert_log 722051 'Group <StaffPolicy> User <alice> ' "alice landed in staff-group (StaffPolicy)"
assert_server_alive
echo "PASS: $T_NAME"
