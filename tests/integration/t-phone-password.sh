#!/bin/bash
# t-phone-password: sslvpn-phone logs in the way a phone configured for
# "User and Password" does (authMethod 0: SVC POST username=&password=) on a
# tunnel group with authentication aaa, gets its tunnel and DTLS, and
# carries a voice stream; a wrong password ends in LoginFailed (exit 15).
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861           |  TLS/DTLS| sslvpnd -f -c phone.conf      |
#   |   --auth-method 0 (no tun)     |=========>|  vpn-phone-group: aaa        |
#   |                                |          | sslvpn-phone --echo-server    |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          +-------------------------------+
# shellcheck disable=SC2119 # start_sslvpnd takes optional arguments
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"
# shellcheck source=tests/integration/lib-phone.sh
. "$top_srcdir/tests/integration/lib-phone.sh"

lib_init
phone_init
pki_ensure
netns_setup
state_init

hash=$(printf '%s\n' 'phone-pw-7' | "$SSLVPND" --hash-password) || fail "--hash-password"
conf="$TMPD/phone.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = ( { name = "vpn-phone-policy"; vpn-tunnel-protocol = ["ssl-client"]; } );
tunnel_groups = ( { name = "vpn-phone-group"; address-pool = "phones";
                    default-group-policy = "vpn-phone-policy"; authentication = "aaa";
                    group-url = ["$PHONE_URL"]; } );
users = ( { name = "phone1"; password = "$hash"; } );
CONF
start_sslvpnd -c "$conf"
start_echo

run_phone good -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--auth-method 0 --username phone1 --password phone-pw-7 --require-dtls \
	--voice "$BEHIND_IP:$ECHO_PORT" --voice-secs 3 --max-loss 0 --hold 4
assert_rc 0 "$PHONE_RC" "8861 with username and password"
assert_log 113012 'user = phone1' "113012: phone1 authenticated by the local database"
assert_log 722051 'User <phone1> ' "722051: an address for phone1"

run_phone bad -p 8861 --url "$PHONE_URL" --cert-hash "$(server_hash_b64)" \
	--auth-method 0 --username phone1 --password wrong-pw --hold 2
assert_rc 15 "$PHONE_RC" "wrong password: LoginFailed exit code"
assert_log 113015 'reason = Invalid password : local database : user = phone1' \
	"113015: wrong password of phone1"
if grep -q 'phone-pw-7\|wrong-pw' "$SRV_LOG"; then
	fail "a password appears in the server log"
fi
ok "no password in the server log"
assert_server_alive
echo "PASS: $T_NAME"
