# shellcheck shell=sh
# Build and test dependencies of sslvpnd on Debian 12, shared by scripts/test
# and scripts/quickstart (sourced, POSIX sh).  deps_install installs whatever
# is missing with apt-get and does nothing when everything is already there,
# so re-runs are fast.

SSLVPND_DEPS="autoconf automake pkg-config gcc make libssl-dev libev-dev
libconfig-dev libnl-3-dev libnl-route-3-dev check openconnect iproute2
iputils-ping curl openssl python3 procps psmisc kmod"

# deps_missing: print the packages of SSLVPND_DEPS that are not installed.
deps_missing() {
	for _p in $SSLVPND_DEPS; do
		_s=$(dpkg-query -W -f='${Status}' "$_p" 2>/dev/null) || _s=
		case $_s in
		*" ok installed") ;;
		*) printf '%s\n' "$_p" ;;
		esac
	done
}

# deps_install: apt-get install every missing package (needs root).
deps_install() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: not a Debian system (no dpkg-query): install by hand: $SSLVPND_DEPS" >&2
		return 1
	fi
	_missing=$(deps_missing | tr '\n' ' ')
	if [ -z "$_missing" ]; then
		echo "deps: all build and test dependencies are installed"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: $_missing" >&2
		echo "deps: run as root (or: sudo apt-get install $_missing)" >&2
		return 1
	fi
	echo "deps: installing: $_missing"
	export DEBIAN_FRONTEND=noninteractive
	# Bounded: a hung mirror must not eat the whole CI budget.
	timeout 900 apt-get update -q || return 1
	# shellcheck disable=SC2086 # word splitting of the package list is wanted
	timeout 1800 apt-get install -y -q $_missing || return 1
	_still=$(deps_missing | tr '\n' ' ')
	if [ -n "$_still" ]; then
		echo "deps: still missing after apt-get: $_still" >&2
		return 1
	fi
}

# build_configure SRCDIR: autoreconf, then configure out of tree in
# SRCDIR/build (never in the source directory).  Bounded in time.
build_configure() {
	_src=$1
	if [ -f "$_src/config.status" ]; then
		echo "build: $_src was configured in-tree; run 'make distclean' there first" >&2
		return 1
	fi
	(cd "$_src" && timeout 300 autoreconf -fi) || return 1
	mkdir -p "$_src/build" || return 1
	(cd "$_src/build" && timeout 300 ../configure) || {
		echo "build: configure failed (see build/config.log)" >&2
		return 1
	}
}

# build_make SRCDIR [TARGET...]: make -j2 in SRCDIR/build.
build_make() {
	_src=$1
	shift
	(cd "$_src/build" && timeout 1200 make -j2 "$@")
}
