#!/bin/bash
# t-restart-kill: main is killed with SIGKILL (a crash) while an
# sslvpn-phone (CP-8861 profile) and an openconnect hold tunnels, then
# started again.  Its workers die with it (their channel to main closes).
# The new main restores the session registry (100240): both clients
# reconnect with their cookies, keep their addresses and their session
# index, and nobody logs in again (no 716038 after the restart).  The
# SIGTERM twin (systemctl restart) is t-restart-term.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | sslvpn-phone -p 8861 --hold    |===443===>| sslvpnd -f -c phone.conf      |
#   | openconnect --reconnect-timeout|===443===>|   kill -KILL main; start again|
#   |   ping 198.18.1.1 after        |          |   same STATE directory        |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30            |
#   +--------------------------------+          | lo 198.18.1.1/32              |
#                                               +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
RESTART_SIGNAL=KILL
# shellcheck source=tests/integration/lib-restart.sh
. "${top_srcdir:?run through make check}/tests/integration/lib-restart.sh"
restart_case
