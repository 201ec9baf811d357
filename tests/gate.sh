#!/bin/sh
# tests/gate.sh SHELL TEST: the log compiler of every .sh test (Makefile.am
# SH_LOG_COMPILER).  Runs TEST with SHELL, or, when the integration tests are
# off (configure --disable-integration-tests, as make distcheck and the
# Debian package build do, or make check SSLVPND_INTEGRATION=no), says so
# and reports it skipped (exit 77): they need root and network namespaces,
# and one run of the suite per build is enough.
sh=$1
shift
if [ "${SSLVPND_INTEGRATION:-yes}" = no ]; then
	echo "SKIP: $1: integration tests are off (SSLVPND_INTEGRATION=no:" \
		"configure --disable-integration-tests or make check SSLVPND_INTEGRATION=no)"
	exit 77
fi
exec "$sh" "$@"
