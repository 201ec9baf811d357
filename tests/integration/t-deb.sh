#!/bin/bash
# t-deb: the Debian package, installed, run and purged as an administrator
# would, on a copy of this machine that the test throws away.
#
# Isolation: the test runs in its own mount namespace (unshare -m, private
# propagation) where /usr, /etc and /var are overlays whose upper layers
# live on a tmpfs of that namespace; /run/systemd is hidden so that the
# maintainer scripts see no running systemd.  dpkg, adduser and sslvpnd
# write into the overlays only; the host's files, dpkg database and users
# are never touched, and everything goes with the namespace.  (A chroot
# would need a second Debian tree built first: slower, and it would test
# that tree rather than this machine's libraries.)
#
#   1. dpkg -i: files where the package says (/usr/sbin, /usr/bin,
#      /usr/libexec/sslvpnd, /etc/sslvpnd/sslvpnd.conf as a conffile, the
#      unit in /lib/systemd/system enabled), the system user sslvpnd made
#      by postinst (removed from the copy first: a fresh machine), the
#      state directory root-only;
#   2. the shipped configuration (the embedded default) is not usable yet:
#      the unit's ExecStartPre refuses it, naming the missing trust folder;
#   3. the administrator puts the phones' CA in /var/lib/sslvpnd/trust;
#      the unit's ExecStartPre passes and its ExecStart line runs as the
#      unit would (root, the unit's capability bounding set, no new
#      privileges) in the server namespace; openconnect with a phone's MIC
#      gets a tunnel and pings through it;
#   4. dpkg --purge leaves nothing behind: no file that was not on the
#      machine before, no changed file outside dpkg's own records, no user
#      or group sslvpnd.
#
# The .deb: $SSLVPND_DEB, else build/deb/sslvpnd_*.deb made by scripts/test
# (dpkg-buildpackage from `make dist`); skipped (77) when there is none.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"

if [ "${1:-}" != --in-mount-ns ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
	arch=$(dpkg --print-architecture 2>/dev/null) || { echo "SKIP: no dpkg"; exit 77; }
	deb=${SSLVPND_DEB:-$(ls -t "$top_builddir"/deb/sslvpnd_*_"$arch".deb 2>/dev/null | head -n 1)}
	if [ -z "$deb" ] || [ ! -f "$deb" ]; then
		echo "SKIP: no sslvpnd_*_$arch.deb in $top_builddir/deb (scripts/test builds it; or set SSLVPND_DEB)"
		exit 77
	fi
	command -v unshare >/dev/null 2>&1 || { echo "SKIP: no unshare(1)"; exit 77; }
	ovl=$(mktemp -d "${TMPDIR:-/tmp}/sslvpnd-deb-root.XXXXXX") || exit 99
	SSLVPND_DEB=$deb T_DEB_OVL=$ovl unshare --mount --propagation private \
		bash "$0" --in-mount-ns
	rc=$?
	# the tmpfs went with the namespace; its mount point is empty
	rmdir "$ovl" 2>/dev/null || echo "note: $ovl not empty"
	exit "$rc"
fi

# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
LIB_DEADLINE=240 # dpkg and its triggers are slow on a loaded machine

lib_init
pki_ensure
netns_setup

# ---------------------------------------------------------------- isolation
OVL=$T_DEB_OVL
mount -t tmpfs -o mode=0700,size=1g sslvpnd-deb "$OVL" || hard_error "tmpfs on $OVL"
for d in usr etc var; do
	mkdir -p "$OVL/up/$d" "$OVL/work/$d" "$OVL/lower/$d"
	# the host's tree as it was, to compare against after the purge
	mount --bind "/$d" "$OVL/lower/$d" || hard_error "bind /$d"
	if ! mount -t overlay overlay \
		-o "lowerdir=/$d,upperdir=$OVL/up/$d,workdir=$OVL/work/$d" "/$d" 2>"$TMPD/ovl.err"; then
		cat "$TMPD/ovl.err"
		skip "no overlayfs here (mount -t overlay over /$d failed)"
	fi
done
# Nothing below may run unless every tree is an overlay of this namespace.
for d in usr etc var; do
	[ "$(findmnt -rn -o FSTYPE --mountpoint "/$d" | tail -n 1)" = overlay ] ||
		hard_error "/$d is not an overlay: refusing to touch the host"
done
if [ -d /run/systemd ]; then
	mount -t tmpfs -o mode=0755 sslvpnd-deb-nosystemd /run/systemd ||
		hard_error "cannot hide /run/systemd"
fi
ok "isolated: /usr /etc /var are overlays on a tmpfs of this mount namespace"

# A fresh machine: no user sslvpnd (scripts/test made one on the host).
if getent passwd sslvpnd >/dev/null; then
	userdel sslvpnd || hard_error "userdel sslvpnd (in the overlay)"
fi
getent group sslvpnd >/dev/null && groupdel sslvpnd
for f in passwd group shadow gshadow; do
	cp -p "/etc/$f" "$TMPD/$f.before"
done
# man-db's trigger rebuilds its index: minutes under load, not our subject
echo 'man-db man-db/auto-update boolean false' | debconf-set-selections 2>/dev/null

# ---------------------------------------------------------------- 1. install
note "dpkg -i $SSLVPND_DEB"
DEBIAN_FRONTEND=noninteractive timeout 120 dpkg -i "$SSLVPND_DEB" >"$TMPD/dpkg-i.log" 2>&1 || {
	cat "$TMPD/dpkg-i.log"
	fail "dpkg -i failed"
}
for f in /usr/sbin/sslvpnd /usr/bin/sslvpnctl /usr/bin/sslvpn-asa-import \
	/usr/bin/sslvpn-phone /usr/libexec/sslvpnd/sslvpnd-worker \
	/usr/libexec/sslvpnd/sslvpnd-secmod; do
	[ -x "$f" ] || fail "$f not installed"
done
for f in sslvpnd.8 sslvpnctl.8 sslvpnd.conf.5 sslvpnd-messages.7 sslvpn-asa-import.1 sslvpn-phone.1; do
	[ -f "/usr/share/man/man${f##*.}/$f.gz" ] || fail "man page $f not installed"
done
ok "binaries in /usr/sbin, /usr/bin, /usr/libexec/sslvpnd; six man pages"
grep -qx /etc/sslvpnd/sslvpnd.conf /var/lib/dpkg/info/sslvpnd.conffiles ||
	fail "/etc/sslvpnd/sslvpnd.conf is not a conffile"
ok "/etc/sslvpnd/sslvpnd.conf is a conffile"
unit=/lib/systemd/system/sslvpnd.service
[ -f "$unit" ] || fail "$unit not installed"
[ -L /etc/systemd/system/multi-user.target.wants/sslvpnd.service ] ||
	fail "the unit is not enabled (no multi-user.target.wants link)"
ok "unit installed and enabled"
uent=$(getent passwd sslvpnd) || fail "postinst made no user sslvpnd"
assert_match "$uent" '^sslvpnd:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$' \
	"system user sslvpnd, no home, no shell"
uid=$(id -u sslvpnd)
[ "$uid" -lt 1000 ] || fail "sslvpnd has uid $uid: not a system user"
assert_eq "700 root" "$(stat -c '%a %U' /var/lib/sslvpnd)" "/var/lib/sslvpnd is root's, mode 0700"

# The binary's default paths are the package's (--sysconfdir=/etc).
help=$(/usr/sbin/sslvpnd -h 2>&1)
assert_match "$help" 'default /etc/sslvpnd/sslvpnd\.conf' "sslvpnd's default configuration is /etc/sslvpnd/sslvpnd.conf"
assert_match "$help" 'default /var/lib/sslvpnd\)' "sslvpnd's default state directory is /var/lib/sslvpnd"
zcat /usr/share/man/man8/sslvpnd.8.gz | grep -q '/etc/sslvpnd/sslvpnd\.conf' ||
	fail "sslvpnd(8) does not name /etc/sslvpnd/sslvpnd.conf"

# ---------------------------------------------------------------- 2. not usable yet
execline() { sed -n "s|^$1=||p" "$unit" | head -n 1; }
pre=$(execline ExecStartPre)
start=$(execline ExecStart)
assert_eq "/usr/sbin/sslvpnd -t" "$pre" "the unit checks the configuration first"
assert_match "$start" '^/usr/sbin/sslvpnd -f ' "the unit starts /usr/sbin/sslvpnd in the foreground"
# The unit's sandbox, as far as it can be had without systemd: its
# capability bounding set, no new privileges.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd, -)
[ -n "$caps" ] || fail "no CapabilityBoundingSet= in $unit"

# shellcheck disable=SC2086 # the unit's command line splits on blanks
out=$(ip netns exec "$NS_SRV" setpriv --no-new-privs --bounding-set "-all,$caps" $pre 2>&1)
rc=$?
[ "$rc" -ne 0 ] || fail "ExecStartPre accepts the shipped default without a trust folder"
assert_match "$out" 'trust-folder: /var/lib/sslvpnd/trust: No such file or directory' \
	"ExecStartPre names what is missing: the phones' CA folder"

# ---------------------------------------------------------------- 3. run it
install -d -m 0755 /var/lib/sslvpnd/trust
cp "$PKI"/trust/* /var/lib/sslvpnd/trust/
# shellcheck disable=SC2086
ip netns exec "$NS_SRV" setpriv --no-new-privs --bounding-set "-all,$caps" $pre >"$TMPD/pre.log" 2>&1 || {
	cat "$TMPD/pre.log"
	fail "ExecStartPre refuses the default configuration with the CA in place"
}
ok "ExecStartPre ($pre) passes once the CA is in /var/lib/sslvpnd/trust"
# RuntimeDirectory=sslvpnd, mode 0700 (systemd would make it)
install -d -m 0700 /run/sslvpnd
STATE=/var/lib/sslvpnd
SRV_LOG="$TMPD/sslvpnd.log"
note "ExecStart: $start"
# shellcheck disable=SC2086
ip netns exec "$NS_SRV" setpriv --no-new-privs --bounding-set "-all,$caps" $start \
	>>"$SRV_LOG" 2>&1 </dev/null &
SRV_PID=$!
track_pid "$SRV_PID"
for ((i = 0; i < 200; i++)); do
	log_has 100007 'listening on .* port 443' && break
	pid_alive "$SRV_PID" || fail "the installed sslvpnd exited before listening"
	sleep 0.1
done
log_has 100007 'listening on .* port 443' || fail "no 100007 'listening ... port 443' within 20 s"
SERVER_CERT_SHA1=$(server_cert_sha1)
assert_match "$SERVER_CERT_SHA1" '^[0-9A-Fa-f]{40}$' "identity generated in /var/lib/sslvpnd/identity"
wpid=$(pgrep -P "$SRV_PID" -f sslvpnd-worker | head -n 1)
[ -n "$wpid" ] || fail "no worker started by the installed sslvpnd"
assert_eq "/usr/libexec/sslvpnd/sslvpnd-worker" "$(readlink "/proc/$wpid/exe")" \
	"main runs its worker from /usr/libexec/sslvpnd"
assert_eq "$uid" "$(awk '/^Uid:/ {print $2}' "/proc/$wpid/status")" "the worker runs as sslvpnd"

oc_connect mic "$SERVER_URL" -c "$PKI/mic-sha2/leaf.pem" -k "$PKI/mic-sha2/leaf.key" ||
	fail "openconnect with a phone's MIC: no tunnel through the installed sslvpnd"
assert_match "${OC_ADDR[mic]}" "$POOL_RE" "address from the default pool"
assert_ping mic
oc_stop mic
/usr/bin/sslvpnctl --socket /run/sslvpnd/ctl.sock show vpn-sessiondb summary >"$TMPD/ctl.out" 2>&1 ||
	{ cat "$TMPD/ctl.out"; fail "sslvpnctl (installed) cannot talk to the installed sslvpnd"; }
ok "sslvpnctl in /usr/bin answers on /run/sslvpnd/ctl.sock"
stop_pid "$SRV_PID" TERM
srv_empty() { [ -z "$(ip netns pids "$NS_SRV")" ]; }
wait_for 10 "server namespace empty" srv_empty ||
	fail "processes left in the server namespace after SIGTERM: $(ip netns pids "$NS_SRV" | tr '\n' ' ')"
rm -rf /run/sslvpnd # RuntimeDirectory= goes with the service

# ---------------------------------------------------------------- 4. purge
DEBIAN_FRONTEND=noninteractive timeout 120 dpkg --purge sslvpnd >"$TMPD/dpkg-purge.log" 2>&1 || {
	cat "$TMPD/dpkg-purge.log"
	fail "dpkg --purge failed"
}
getent passwd sslvpnd >/dev/null && fail "user sslvpnd left after purge"
getent group sslvpnd >/dev/null && fail "group sslvpnd left after purge"
for f in passwd group shadow gshadow; do
	cmp -s "/etc/$f" "$TMPD/$f.before" || {
		diff "$TMPD/$f.before" "/etc/$f"
		fail "/etc/$f differs from before the install"
	}
done
ok "purge removed the user and group sslvpnd; passwd, group, shadow, gshadow as before"
# Every file in an upper layer was created or changed since the overlay
# was made.  dpkg's own records, logs and caches may change; nothing else.
left= n=0
for d in usr etc var; do
	while IFS= read -r p; do
		n=$((n + 1))
		case "$d/$p" in
		var/lib/dpkg/* | var/log/* | var/cache/debconf/* | var/cache/man/* | \
			etc/passwd- | etc/group- | etc/shadow- | etc/gshadow- | \
			etc/passwd | etc/group | etc/shadow | etc/gshadow) continue ;;
		esac
		if [ -e "$OVL/lower/$d/$p" ] || [ -L "$OVL/lower/$d/$p" ]; then
			[ -c "$OVL/up/$d/$p" ] && left="$left /$d/$p(removed from the host tree)"
			[ -f "$OVL/up/$d/$p" ] && ! cmp -s "$OVL/up/$d/$p" "$OVL/lower/$d/$p" &&
				left="$left /$d/$p(changed)"
		else
			[ -c "$OVL/up/$d/$p" ] || left="$left /$d/$p"
		fi
	done < <(cd "$OVL/up/$d" && find . ! -type d | sed 's|^\./||')
done
[ -z "$left" ] || fail "left behind after dpkg --purge:$left"
for p in /etc/sslvpnd /var/lib/sslvpnd /usr/libexec/sslvpnd /run/sslvpnd; do
	[ -e "$p" ] && fail "$p left after purge"
done
ok "dpkg --purge left nothing behind ($n files written in the overlays, all dpkg's records, logs or caches)"
echo "PASS: t-deb"
