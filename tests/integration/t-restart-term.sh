#!/bin/bash
# t-restart-term: main is stopped with SIGTERM (systemctl restart) while an
# sslvpn-phone (CP-8861 profile) and an openconnect hold tunnels, then
# started again.  main stops its workers (SIGTERM) before it exits.
# The new main restores the session registry (100240): both clients
# reconnect with their cookies, keep their addresses and their session
# index, and nobody logs in again (no 716038 after the restart).  The
# SIGKILL twin (a crash of main) is t-restart-kill.  At SIGTERM main saves
# the registry at once (100244) and logs no 113019 for the saved sessions.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861 --hold    |===443===>| sslvpnd -f -c phone.conf      |
#   | openconnect --reconnect-timeout|===443===>|   kill -TERM main; start again|
#   |   ping 198.18.1.1 after        |          |   same STATE directory        |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32              |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
RESTART_SIGNAL=TERM
# shellcheck source=tests/integration/lib-restart.sh
. "${top_srcdir:?run through make check}/tests/integration/lib-restart.sh"
restart_case
