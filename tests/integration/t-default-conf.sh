#!/bin/bash
# t-default-conf: etc/embedded-default.conf (what make install and the
# Debian package put in $sysconfdir/sslvpnd/sslvpnd.conf) is the embedded
# default written out: `sslvpnd -T` prints the same effective configuration
# from the file as with no file at all, so the commented file an
# administrator reads is what runs.  Without a trust folder both are refused
# alike, naming it.  Needs no root and no namespaces.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
: "${top_builddir:?run through make check}"
sslvpnd="$top_builddir/src/main/sslvpnd"
conf="$top_builddir/etc/embedded-default.conf"
[ -f "$conf" ] || { echo "FAIL: $conf not built"; exit 1; }
if grep -n '@[a-z_]*@' "$conf"; then
	echo "FAIL: unsubstituted placeholders in $conf"
	exit 1
fi
# With no -c, sslvpnd reads the installed file when there is one.
installed=$("$sslvpnd" -h 2>&1 | sed -n 's|^ *-c FILE .*(default \(/[^ ,]*\), else.*|\1|p')
if [ -e "$installed" ]; then
	echo "SKIP: $installed exists: sslvpnd without -c would read it, not its embedded default"
	exit 77
fi
state=$(sed -n 's|^ *certificate = "\(/.*\)/trust";.*|\1|p' "$conf")
[ -n "$state" ] || { echo "FAIL: $conf names no trust folder"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sslvpnd-defconf.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# no trust folder: both refused alike (the state directory is the
# configured default one; it is only read)
if [ ! -e "$state/trust" ]; then
	"$sslvpnd" -t >"$tmp/emb.err" 2>&1 && { echo "FAIL: the embedded default passes -t without $state/trust"; exit 1; }
	"$sslvpnd" -t -c "$conf" >"$tmp/file.err" 2>&1 && { echo "FAIL: $conf passes -t without $state/trust"; exit 1; }
	grep -q "trust-folder: $state/trust: No such file" "$tmp/file.err" ||
		{ cat "$tmp/file.err"; echo "FAIL: -t does not name the missing trust folder"; exit 1; }
	echo "ok: without $state/trust both are refused, naming it"
fi

# with one: the same effective configuration.  The file names the default
# state directory; --state-dir moves the embedded default's trust folder
# only, so the comparison runs with the default state directory's path
# rewritten to a scratch one on both sides.
mkdir -p "$tmp/state/trust"
sed "s|\"$state/trust\"|\"$tmp/state/trust\"|" "$conf" >"$tmp/default.conf"
"$sslvpnd" -T --state-dir "$tmp/state" 2>/dev/null | grep -v '^#' >"$tmp/embedded.T" ||
	{ echo "FAIL: sslvpnd -T (embedded default) failed"; exit 1; }
"$sslvpnd" -T -c "$tmp/default.conf" --state-dir "$tmp/state" 2>/dev/null | grep -v '^#' >"$tmp/file.T" ||
	{ echo "FAIL: sslvpnd -T -c $conf failed"; exit 1; }
if ! cmp -s "$tmp/embedded.T" "$tmp/file.T"; then
	diff -u "$tmp/embedded.T" "$tmp/file.T"
	echo "FAIL: $conf is not the embedded default (sslvpnd -T differs)"
	exit 1
fi
echo "ok: sslvpnd -T: $(wc -l <"$tmp/file.T") lines, the same from $conf as from the embedded default"
echo "PASS: t-default-conf"
