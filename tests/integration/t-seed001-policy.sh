#!/bin/bash
# t-seed001-policy: seed 001's outage, end to end.  The DfltGrpPolicy holds
# values that break phones (vpn-tunnel-protocol without ssl-client,
# group-lock value DefaultWEBVPNGroup, vpn-simultaneous-logins 0); a phone
# policy that leaves one of them unset inherits it and the phone is refused,
# with a 716039 line naming the attribute and that it came from
# DfltGrpPolicy; the corrected GroupPolicy_VPNPhone (each set, group-lock
# an explicit "none") admits the phone.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect (CP-8861 MIC)      |  TLS 443 | sslvpnd -f -c seed001.conf    |
#   |  https://SRV/proto  -> refused |=========>|  tunnel groups per URL, each  |
#   |  https://SRV/lock   -> refused |          |  with a policy missing one    |
#   |  https://SRV/logins -> refused |          |  override                     |
#   |  https://SRV/phone  -> tunnel  |          |                               |
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

fix_proto='vpn-tunnel-protocol = ["ssl-client"];'
fix_lock='group-lock = "none";'
fix_logins='vpn-simultaneous-logins = 3;'
tg() { # NAME PATH POLICY
	printf '{ name = "%s"; address-pool = "phones"; default-group-policy = "%s"; authentication = "certificate"; group-url = ["https://%s/%s"]; }' \
		"$1" "$3" "$SRV_IP" "$2"
}
conf="$TMPD/seed001.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
trustpoints = ( { name = "LAB-MIC"; enrollment = "terminal"; certificate = "$STATE/trust"; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
group_policies = (
  { name = "DfltGrpPolicy"; vpn-simultaneous-logins = 0;
    vpn-tunnel-protocol = ["ikev1", "ikev2", "l2tp-ipsec", "ssl-clientless"];
    group-lock = "DefaultWEBVPNGroup"; },
  { name = "NoProto"; $fix_lock $fix_logins },
  { name = "NoLock"; $fix_proto $fix_logins },
  { name = "NoLogins"; $fix_proto $fix_lock },
  { name = "GroupPolicy_VPNPhone"; $fix_proto $fix_lock $fix_logins } );
tunnel_groups = ( $(tg tg-proto proto NoProto), $(tg tg-lock lock NoLock),
                  $(tg tg-logins logins NoLogins), $(tg VPNPhone phone GroupPolicy_VPNPhone) );
CONF
start_sslvpnd -c "$conf"

cert="$PKI/mic-sha2/leaf.pem"
key="$PKI/mic-sha2/leaf.key"
u="User <$(re "$(cert_cn "$cert")")>"

refused() { # PATH ERE WHAT
	oc_authenticate "$1" "https://$SRV_IP/$1" -c "$cert" -k "$key"
	[ -z "$OC_COOKIE" ] || fail "$3: a cookie was issued"
	assert_log 100215 "$u .*$2" "$3"
}
refused proto 'vpn-tunnel-protocol of group policy NoProto \(from DfltGrpPolicy\) does not include ssl-client' \
	"inherited vpn-tunnel-protocol without ssl-client refuses, named"
refused lock 'group-lock value DefaultWEBVPNGroup \(from DfltGrpPolicy\) but the connection uses tunnel group tg-lock' \
	"inherited group-lock refuses, the lock named"
refused logins 'vpn-simultaneous-logins is 0 \(from DfltGrpPolicy\)' \
	"inherited vpn-simultaneous-logins 0 refuses, named"

oc_connect phone "https://$SRV_IP/phone" -c "$cert" -k "$key" ||
	fail "the corrected GroupPolicy_VPNPhone did not admit the phone"
# 716038 says Group <DfltGrpPolicy> as in the seed's ASA log (the policy is
# applied after authentication); 722051 carries the session's policy.
assert_log 716038 "$u .*Authentication: successful" "716038 for the phone"
assert_log 722051 "Group <GroupPolicy_VPNPhone> $u " "722051 under GroupPolicy_VPNPhone"
assert_ping phone

# The administrator's view (sslvpnctl): what is set, and every attribute
# with its effective value and origin.
CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
show_run() { timeout -k 2 15 "$CTL" --socket "$STATE/ctl.sock" show running-config "$@"; }
out=$(show_run group-policy GroupPolicy_VPNPhone) || fail "show running-config group-policy failed"
printf '%s\n' "$out" | sed 's/^/    /'
assert_match "$out" 'group-lock none' "show run: the explicit group-lock none"
out=$(show_run all group-policy NoLock) || fail "show running-config all group-policy failed"
assert_match "$out" 'group-lock value DefaultWEBVPNGroup +! DfltGrpPolicy' \
	"show run all: NoLock's group-lock comes from DfltGrpPolicy"
assert_match "$out" 'vpn-idle-timeout 30 +! built-in default' \
	"show run all: vpn-idle-timeout 30 is the built-in default"
out=$(show_run tunnel-group VPNPhone) || fail "show running-config tunnel-group failed"
assert_match "$out" 'default-group-policy GroupPolicy_VPNPhone' "show run tunnel-group VPNPhone"
if show_run group-policy NoSuchPolicy >/dev/null 2>&1; then
	fail "show run of an unknown policy succeeded"
fi
ok "show run of an unknown policy fails"
assert_server_alive
echo "PASS: $T_NAME"
