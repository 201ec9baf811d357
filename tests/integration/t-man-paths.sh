#!/bin/bash
# t-man-paths: the man pages name the paths the binaries use.  The default
# configuration file and state directory that `sslvpnd -h` and
# `sslvpnctl -h` print (compiled from configure's sysconfdir and
# localstatedir) are the ones every built man page names, and no
# @placeholder@ is left.  Before, the pages said /etc/sslvpnd/sslvpnd.conf
# and /var/lib/sslvpnd whatever --prefix was (default /usr/local).  Needs no
# root and no namespaces.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"

failed=0 pagefail=0
bad() {
	echo "FAIL: $*"
	failed=1 pagefail=1
}

# The page as installed: the built one (generated from man/*.in), else the
# distributed one.
page() {
	if [ -f "$top_builddir/man/$1" ]; then
		printf '%s\n' "$top_builddir/man/$1"
	else
		printf '%s\n' "$top_srcdir/man/$1"
	fi
}

help=$("$top_builddir/src/main/sslvpnd" -h 2>&1)
conf=$(printf '%s\n' "$help" | sed -n 's|^ *-c FILE .*(default \(/[^ ,]*\), else.*|\1|p')
state=$(printf '%s\n' "$help" | sed -n 's|^ *--state-dir DIR .*(default \(/[^ )]*\)).*|\1|p')
ctlstate=$("$top_builddir/src/tools/sslvpnctl/sslvpnctl" -h 2>&1 |
	sed -n 's|^ *--state-dir DIR .*(default \(/[^ )]*\)).*|\1|p')
if [ -z "$conf" ] || [ -z "$state" ]; then
	printf '%s\n' "$help" | sed 's/^/    | /'
	echo "FAIL: sslvpnd -h names no default config file / state directory"
	exit 1
fi
echo "# sslvpnd: config $conf, state $state; sslvpnctl: state ${ctlstate:-?}"
[ "$ctlstate" = "$state" ] ||
	bad "sslvpnctl's default state directory '$ctlstate' is not sslvpnd's '$state'"

# Every page that names a default path names the binary's, and only it.
# Roff escapes (\-) are undone before comparing.
for name in sslvpnd.8 sslvpnd.conf.5 sslvpnctl.8 sslvpn-asa-import.1; do
	pagefail=0
	f=$(page "$name")
	[ -f "$f" ] || {
		bad "$name: not built ($f)"
		continue
	}
	if grep -n '@[a-z_]*@' "$f"; then
		bad "$name: unsubstituted placeholders"
	fi
	text=$(sed 's/\\-/-/g' "$f")
	confs=$(printf '%s\n' "$text" | grep -o '/[A-Za-z0-9_./-]*/sslvpnd/sslvpnd\.conf' | sort -u)
	states=$(printf '%s\n' "$text" | grep -o '/[A-Za-z0-9_./-]*/lib/sslvpnd' | sort -u)
	for p in $confs; do
		[ "$p" = "$conf" ] || bad "$name names the configuration $p; sslvpnd uses $conf"
	done
	for p in $states; do
		[ "$p" = "$state" ] || bad "$name names the state directory $p; sslvpnd uses $state"
	done
	case $name in
	sslvpnd.8 | sslvpnd.conf.5)
		[ -n "$confs" ] || bad "$name names no default configuration file" ;;
	esac
	case $name in
	sslvpn-asa-import.1) ;; # names the configuration only
	*) [ -n "$states" ] || bad "$name names no default state directory" ;;
	esac
	[ "$pagefail" -eq 0 ] && echo "ok: $name ($f): config ${confs:-(none named)}, state $states"
done
[ "$failed" -eq 0 ] || exit 1
echo "PASS: t-man-paths"
