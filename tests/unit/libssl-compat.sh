#!/bin/sh
# libssl-compat: the record-layer unit suites against every other libssl3
# build Debian 12 serves (scripts/test downloads and unpacks them into
# $top_builddir/tests/libssl/VERSION/ with deps_libssl_others).  The
# headend must behave the same on each: libssl 3.0.17-3.0.20 ended a DTLS
# 1.2 session on one forged short record where 3.0.22 drops it
# (check_dtls12 limits:test_short_records, and end to end
# tests/integration/t-dtls12-forged.sh with the server on that build).
# SKIP (77) when none was fetched, e.g. offline.
: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
dir="$top_builddir/tests/libssl"
found=0 rc=0
for lib in "$dir"/*/usr/lib/*-linux-gnu; do
	[ -f "$lib/libssl.so.3" ] || continue
	found=$((found + 1))
	ver=${lib#"$dir"/}
	ver=${ver%%/*}
	for t in check_dtls12 check_dtls09 check_tls; do
		echo "== libssl3 $ver: $t"
		if ! LD_LIBRARY_PATH=$lib timeout 600 "$top_builddir/tests/unit/$t" >"$dir/$ver.$t.log" 2>&1; then
			rc=1
		fi
		# the suite's result line, and every failure
		grep -E '^libssl:|^[0-9]+%:|:[FE]:' "$dir/$ver.$t.log"
	done
	# end to end: the server on this libssl, forged datagrams at a live
	# DTLS 1.2 session (needs root and netns, like every integration test)
	echo "== libssl3 $ver: t-dtls12-forged (server on this libssl)"
	SSLVPND_LIBSSL_DIR=$lib timeout 300 bash "$top_srcdir/tests/integration/t-dtls12-forged.sh" \
		>"$dir/$ver.t-dtls12-forged.log" 2>&1
	r=$?
	case $r in
	0) echo "PASS" ;;
	77) echo "SKIP (see $dir/$ver.t-dtls12-forged.log)" ;;
	*) rc=1; grep -E '^(FAIL|ok)' "$dir/$ver.t-dtls12-forged.log" | tail -n 5 ;;
	esac
done
if [ "$found" -eq 0 ]; then
	echo "libssl-compat: no other libssl3 build in $dir (scripts/test fetches them)"
	exit 77
fi
exit "$rc"
