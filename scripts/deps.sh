# shellcheck shell=sh
# Build and test dependencies of sslvpnd on Debian 12, shared by scripts/test
# and scripts/quickstart (sourced, POSIX sh).  deps_install installs whatever
# is missing with apt-get and does nothing when everything is already there,
# so re-runs are fast.

SSLVPND_DEPS="autoconf automake pkg-config gcc make libssl-dev libev-dev
libconfig-dev libnl-3-dev libnl-route-3-dev libseccomp-dev zlib1g-dev liblz4-dev libldap-dev libhiredis-dev check
openconnect iproute2 iputils-ping curl openssl python3 procps psmisc kmod rsyslog"
# scripts/test only: the real servers the integration tests start inside
# their own namespaces (never as system services: see deps_install), and
# what builds and checks the Debian package (build_deb, t-deb).
# shellcheck disable=SC2034 # used by scripts/test
SSLVPND_TEST_DEPS="freeradius freeradius-utils slapd ldap-utils groff-base redis-server bird2
debhelper dpkg-dev fakeroot lintian adduser"
# scripts/fuzz only: libFuzzer comes with clang.
# shellcheck disable=SC2034 # used by scripts/fuzz
SSLVPND_FUZZ_DEPS="clang"

# deps_missing [PKG...]: print the packages (default SSLVPND_DEPS) that are
# not installed.
deps_missing() {
	# shellcheck disable=SC2048 # package names have no blanks
	for _p in ${*:-$SSLVPND_DEPS}; do
		_s=$(dpkg-query -W -f='${Status}' "$_p" 2>/dev/null) || _s=
		case $_s in
		*" ok installed") ;;
		*) printf '%s\n' "$_p" ;;
		esac
	done
}

# deps_install [PKG...]: apt-get install every missing package of the list
# (default SSLVPND_DEPS; needs root).
deps_install() {
	_want=${*:-$SSLVPND_DEPS}
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: not a Debian system (no dpkg-query): install by hand: $_want" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # one package a word
	_missing=$(deps_missing $_want | tr '\n' ' ')
	if [ -z "$_missing" ]; then
		echo "deps: installed already: $(printf '%s' "$_want" | tr '\n' ' ')"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: $_missing" >&2
		echo "deps: run as root (or: sudo apt-get install $_missing)" >&2
		return 1
	fi
	echo "deps: installing: $_missing"
	export DEBIAN_FRONTEND=noninteractive
	# apt's output goes to a log, shown when it fails, so that the first
	# lines of a run say what it runs with (deps_versions).
	_log=$(mktemp /tmp/sslvpnd-deps.XXXXXX) || return 1
	# Bounded: a hung mirror must not eat the whole CI budget.
	# Packages such as freeradius start their system service on install:
	# a policy-rc.d that refuses every start keeps them stopped (the tests
	# start their own instances inside namespaces), unless the machine has
	# its own policy already.
	_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		_policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\n# sslvpnd deps: no service starts during install\nexit 101\n' >"$_policy" &&
			chmod 755 "$_policy" || _policy=
	fi
	# shellcheck disable=SC2086 # word splitting of the package list is wanted
	if ! { timeout 900 apt-get update -q && timeout 1800 apt-get install -y -q $_missing; } >"$_log" 2>&1; then
		[ -n "$_policy" ] && rm -f "$_policy"
		tail -n 40 "$_log" >&2
		echo "deps: apt-get failed (whole log: $_log)" >&2
		return 1
	fi
	[ -n "$_policy" ] && rm -f "$_policy"
	rm -f "$_log"
	# shellcheck disable=SC2086
	_still=$(deps_missing $_want | tr '\n' ' ')
	if [ -n "$_still" ]; then
		echo "deps: still missing after apt-get: $_still" >&2
		return 1
	fi
}

# build_configure SRCDIR: autoreconf, then configure out of tree in
# SRCDIR/build (never in the source directory).  Bounded in time.
# SSLVPND_BUILD names another build directory (build-asan, build-fuzz) and
# SSLVPND_CONFIGURE_ARGS adds configure arguments (--enable-asan).
build_configure() {
	_src=$1
	if [ -f "$_src/config.status" ]; then
		echo "build: $_src was configured in-tree; run 'make distclean' there first" >&2
		return 1
	fi
	(cd "$_src" && timeout 300 autoreconf -fi) || return 1
	_bd=${SSLVPND_BUILD:-build}
	mkdir -p "$_src/$_bd" || return 1
	# shellcheck disable=SC2086 # the arguments split on blanks
	(cd "$_src/$_bd" && timeout 300 ../configure ${SSLVPND_CONFIGURE_ARGS:-}) || {
		echo "build: configure failed (see $_bd/config.log)" >&2
		return 1
	}
}

# build_make SRCDIR [TARGET...]: make -j2 in SRCDIR/build (SSLVPND_BUILD).
build_make() {
	_src=$1
	shift
	(cd "$_src/${SSLVPND_BUILD:-build}" && timeout 1200 make -j2 "$@")
}

# deps_versions: one line with the library and client versions a run uses
# (bug reports name them; a libssl update changed DTLS behaviour once).
deps_versions() {
	_v() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none; }
	echo "versions: libssl3 $(_v libssl3) ($(openssl version 2>/dev/null))," \
		"libev4 $(_v libev4), libconfig9 $(_v libconfig9)," \
		"libnl-3-200 $(_v libnl-3-200), check $(_v check)," \
		"openconnect $(_v openconnect), kernel $(uname -r)"
}

# deps_libssl_others DIR: download and unpack into DIR/VERSION/ every other
# libssl3 build the configured Debian archives serve (the headend must
# behave the same on each; tests/unit/libssl-compat.sh runs the record-layer
# suites against them).  Best effort: a failure only leaves DIR emptier.
deps_libssl_others() {
	_dir=$1
	_have=$(dpkg-query -W -f='${Version}' libssl3 2>/dev/null)
	mkdir -p "$_dir" || return 0
	for _ver in $(apt-cache madison libssl3 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -u); do
		[ "$_ver" != "$_have" ] || continue
		[ -f "$_dir/$_ver/.done" ] && continue
		rm -rf "$_dir/$_ver" && mkdir -p "$_dir/$_ver" || continue
		(cd "$_dir/$_ver" && timeout 120 apt-get download -q "libssl3=$_ver" >/dev/null 2>&1 &&
			dpkg-deb -x libssl3_*.deb . && rm -f libssl3_*.deb && touch .done) ||
			{ echo "deps: could not fetch libssl3 $_ver (libssl-compat skips it)" >&2; rm -rf "${_dir:?}/$_ver"; }
	done
	echo "deps: other libssl3 builds for libssl-compat: $(ls "$_dir" 2>/dev/null | tr '\n' ' ')"
}

# deps_user: the system user the sandboxed workers and sslvpnd-secmod run as
# (general.user/group default "sslvpnd"); created once, like make install
# does.  Serialised with flock: parallel tests must not race on /etc/passwd.
deps_user() {
	id sslvpnd >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: user sslvpnd missing; as root: useradd --system --no-create-home --shell /usr/sbin/nologin sslvpnd" >&2
		return 1
	fi
	flock /tmp/.sslvpnd-useradd.lock sh -c 'id sslvpnd >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin sslvpnd' ||
		{ echo "deps: cannot create the system user sslvpnd" >&2; return 1; }
	echo "deps: created the system user sslvpnd (workers and secmod run as it)"
}


# build_deb SRCDIR: the Debian package from the release tarball: `make
# dist` in SRCDIR/build, unpacked in SRCDIR/build/deb, dpkg-buildpackage
# there (the .deb lands in build/deb; the source tree stays as it is), then
# lintian, whose errors fail it.  Without tests (DEB_BUILD_OPTIONS nocheck:
# make check runs once, in build/) and bounded in time.
build_deb() {
	_bd="$1/${SSLVPND_BUILD:-build}"
	_ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$_bd/Makefile")
	rm -rf "$_bd/deb" && mkdir -p "$_bd/deb" || return 1
	(cd "$_bd" && timeout 300 make -s dist >/dev/null) || { echo "deb: make dist failed" >&2; return 1; }
	tar -C "$_bd/deb" -xzf "$_bd/sslvpnd-$_ver.tar.gz" || return 1
	(cd "$_bd/deb/sslvpnd-$_ver" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
		timeout 1200 dpkg-buildpackage -us -uc -b >"$_bd/deb/build.log" 2>&1) || {
		tail -n 40 "$_bd/deb/build.log" >&2
		echo "deb: dpkg-buildpackage failed (whole log: $_bd/deb/build.log)" >&2
		return 1
	}
	echo "deb: built $(cd "$_bd/deb" && ls ./*.deb | tr '\n' ' ')"
	# lintian: errors fail the build; warnings and notes are printed
	_lrc=0
	timeout 600 lintian --fail-on error "$_bd/deb"/sslvpnd_*.changes \
		>"$_bd/deb/lintian.log" 2>&1 || _lrc=$?
	grep -v 'running with root privileges is not recommended' "$_bd/deb/lintian.log" |
		sed 's/^/lintian: /'
	[ "$_lrc" -eq 0 ] || { echo "deb: lintian failed (exit $_lrc)" >&2; return 1; }
	echo "deb: lintian: no errors"
}
