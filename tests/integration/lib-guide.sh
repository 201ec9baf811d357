# shellcheck shell=bash
# Helpers of the guide tests (t-guide-*.sh), on top of lib.sh: the ```sh
# blocks of a doc/*.md guide, run in order as the guide gives them, with
# /etc/sslvpnd and /var/lib/sslvpnd moved into the test's directory and the
# tools of the build first in PATH.  Only blocks fenced exactly "```sh" are
# commands to run; "```" blocks are output or ASA/CUCM input.

# shellcheck disable=SC2154 # top_builddir, TMPD, STATE come from lib.sh
GUIDE_BIN=    # wrappers: the build's tools with the test's paths
GUIDE_ETC=    # stands for /etc/sslvpnd
GUIDE_BLOCKS=0 # blocks run so far

# guide_init (after lib_init and state_init): the wrappers.  sslvpnd gets
# --state-dir (the package's default is /var/lib/sslvpnd), sslvpnctl the
# test daemon's socket.
guide_init() {
	if [ ! -d "$TMPD" ] || [ -z "$STATE" ]; then
		hard_error "guide_init before lib_init/state_init"
	fi
	GUIDE_BIN="$TMPD/guide-bin"
	GUIDE_ETC="$TMPD/etc-sslvpnd"
	mkdir -p "$GUIDE_BIN" "$GUIDE_ETC"
	printf '#!/bin/sh\nexec "%s" --state-dir "%s" "$@"\n' \
		"$top_builddir/src/main/sslvpnd" "$STATE" >"$GUIDE_BIN/sslvpnd"
	printf '#!/bin/sh\nexec "%s" --socket "%s/ctl.sock" "$@"\n' \
		"$top_builddir/src/tools/sslvpnctl/sslvpnctl" "$STATE" >"$GUIDE_BIN/sslvpnctl"
	printf '#!/bin/sh\nexec "%s" "$@"\n' \
		"$top_builddir/src/tools/asaimport/sslvpn-asa-import" >"$GUIDE_BIN/sslvpn-asa-import"
	chmod +x "$GUIDE_BIN"/*
}

# guide_extract MD OUTDIR: every ```sh block of MD as OUTDIR/NN.sh, with
# the paths moved; prints the count.
guide_extract() {
	mkdir -p "$2"
	awk -v out="$2" -v etc="$GUIDE_ETC" -v st="$STATE" '
		/^```sh$/ { n++; f = sprintf("%s/%02d.sh", out, n); inb = 1; next }
		/^```/ && inb { inb = 0; close(f); next }
		inb { gsub("/etc/sslvpnd", etc); gsub("/var/lib/sslvpnd", st); print > f }
		END { print n + 0 }' "$1"
}

# guide_block FILE: run one block with bash -e (a failing command fails
# it), output shown indented, kept in FILE.out; fails the test on error.
guide_block() {
	GUIDE_BLOCKS=$((GUIDE_BLOCKS + 1))
	note "guide block $(basename "$1"):"
	sed 's/^/    $ /' "$1"
	(cd "$GUIDE_ETC" && PATH="$GUIDE_BIN:$PATH" timeout -k 2 60 bash -e "$1") \
		>"$1.out" 2>&1 </dev/null
	local rc=$?
	sed 's/^/    | /' "$1.out"
	assert_rc 0 "$rc" "guide block $(basename "$1") runs as written"
}
