#!/bin/bash
# t-systemd-unit: etc/sslvpnd.service (generated from etc/sslvpnd.service.in
# with the configured paths) passes `systemd-analyze verify` without a single
# warning: every key is known to this systemd, the ExecStart/ExecStartPre/
# ExecReload commands exist (checked on a copy that points at the build
# tree), and the substitution left no @placeholder@.  Needs no root and no
# namespaces; skipped without systemd-analyze.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
: "${top_builddir:?run through make check}"
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: no systemd-analyze"; exit 77; }
unit="$top_builddir/etc/sslvpnd.service"
[ -f "$unit" ] || { echo "FAIL: $unit not generated"; exit 1; }
if grep -n '@[a-z_]*@' "$unit"; then
	echo "FAIL: unsubstituted placeholders in $unit"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sslvpnd-unit.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
sbin=$(sed -n 's|^ExecStart=\([^ ]*\)/sslvpnd .*|\1|p' "$unit")
bin=$(sed -n 's|^ExecReload=\([^ ]*\)/sslvpnctl .*|\1|p' "$unit")
if [ -z "$sbin" ] || [ -z "$bin" ]; then
	echo "FAIL: no ExecStart/ExecReload in $unit"
	exit 1
fi
sed -e "s|$sbin/sslvpnd|$top_builddir/src/main/sslvpnd|g" \
	-e "s|$bin/sslvpnctl|$top_builddir/src/tools/sslvpnctl/sslvpnctl|g" \
	"$unit" >"$tmp/sslvpnd.service"
out=$(cd "$tmp" && systemd-analyze verify --man=no ./sslvpnd.service 2>&1)
rc=$?
# verify also parses the system's installed units; their complaints are not
# ours (Debian's freeradius.service, installed for the S15 tests, uses
# MemoryLimit=).  Lines naming our unit, or no unit file, still count.
out=$(printf '%s\n' "$out" | grep -v '^/\(usr/\)\{0,1\}\(lib\|etc\)/systemd/system/[^:]*\.service:[0-9]*: ' |
	grep -v '^$')
if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "FAIL: systemd-analyze verify: exit $rc, $(printf '%s' "$out" | grep -c .) lines of complaints"
	exit 1
fi
for key in Type=notify ExecStartPre= ExecReload= DeviceAllow=/dev/net/tun \
	CapabilityBoundingSet= ProtectSystem=strict; do
	grep -q "^$key" "$unit" || { echo "FAIL: $unit has no $key"; exit 1; }
done
echo "ok: systemd-analyze verify $unit: no complaints"
