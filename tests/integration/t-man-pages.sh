#!/bin/bash
# t-man-pages: every manual page renders with no groff warning, and every
# installed program has one.
#  - The pages make installs: the ones configure substituted (build man/,
#    from man/*.in: no @placeholder@ may be left) and the ones shipped as
#    written (man/*.[1-8] of the source tree).  Each goes through
#    `groff -t -ww -z -man` (tbl for the pages with tables, every warning
#    on) for a terminal (utf8, as man(1) renders it) and for print (ps);
#    any line on stderr fails.  A page with a table must start with the
#    '\" t line, or man(1) shows its table source.
#  - Every program of (s)bin_PROGRAMS in Makefile.am and its fragments has a
#    page of its name in section 1 or 8 (the libexec helpers are described
#    in sslvpnd(8)).
# Needs no root and no namespace.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
T_NAME=t-man-pages
fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}
command -v groff >/dev/null || {
	echo "SKIP: groff is not installed (groff-base)"
	exit 77
}

pages=()
for p in "$top_builddir"/man/*.[1-8] "$top_srcdir"/man/*.[1-8]; do
	[ -f "$p" ] && pages+=("$p")
done
for p in "$top_srcdir"/man/*.in; do
	b=$(basename "$p" .in)
	[ -f "$top_builddir/man/$b" ] || fail "man/$b (from man/$b.in) is not built"
done
[ "${#pages[@]}" -ge 6 ] || fail "only ${#pages[@]} manual pages found"

bad=0
for p in "${pages[@]}"; do
	pbad=0
	name=${p#"$top_builddir"/}
	name=${name#"$top_srcdir"/}
	if grep -n '@[a-z_]*@' "$p"; then
		echo "$name: a configure placeholder is left"
		pbad=1
	fi
	if grep -q '^\.TS' "$p" && [ "$(head -c 5 "$p")" != "'\\\" t" ]; then
		echo "$name: has a table but no '\\\" t first line (man(1) would not run tbl)"
		pbad=1
	fi
	for dev in utf8 ps; do
		out=$(LC_ALL=C.UTF-8 groff -t -ww -z -man -T"$dev" "$p" 2>&1)
		if [ -n "$out" ]; then
			printf '%s (-T%s):\n%s\n' "$name" "$dev" "$out"
			pbad=1
		fi
	done
	if [ "$pbad" = 1 ]; then bad=1; else echo "ok: $name renders with no warning"; fi
done
[ "$bad" = 0 ] || fail "manual pages with warnings (above)"

# Every installed program has its page.
progs=$(cat "$top_srcdir/Makefile.am" "$top_srcdir"/src/tools/*.am "$top_srcdir"/src/tools/*/*.am 2>/dev/null |
	sed -n 's/^\(s\{0,1\}bin\)_PROGRAMS *+\{0,1\}= *//p' | tr ' ' '\n' | sed -n 's|.*/||p')
[ -n "$progs" ] || fail "no bin_PROGRAMS / sbin_PROGRAMS found in Makefile.am"
for prog in $progs; do
	found=
	for p in "${pages[@]}"; do
		case $(basename "$p") in "$prog".1 | "$prog".8) found=$p ;; esac
	done
	[ -n "$found" ] || fail "$prog is installed but has no manual page (man/$prog.1 or .8)"
	echo "ok: $prog has $(basename "$found")"
done
echo "PASS: $T_NAME"
