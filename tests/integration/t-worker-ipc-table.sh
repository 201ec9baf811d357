#!/bin/bash
# t-worker-ipc-table: main refuses a worker message its channel does not
# allow now (msgs.def states / IPC_ONCE, checked by ipc_admit before
# dispatch): it logs 100518 (worker, pid, message, main's view of the
# worker, reason), kills that worker and starts another.
#
# The worker is a stand-in (python3) speaking the real wire format on
# fd 3, next to a copy of sslvpnd (main runs the sslvpnd-worker beside
# its own binary).  Its runs, counted in a file:
#   1: CONN_DONE before WORKER_READY          -> refused in state starting
#   2: WORKER_READY, then WORKER_READY again  -> refused in state ready
#   3: WORKER_READY, then reads its channel   -> serves on (stays up)
#
#   server ns svd-s-$$
#   +---------------------------------------------------------+
#   | $TMPD/bin/sslvpnd -f (workers = 1)                       |
#   |   $TMPD/bin/sslvpnd-worker (stand-in, fd 3 = channel)   |
#   |   $TMPD/bin/sslvpnd-secmod -> the real one               |
#   +---------------------------------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
command -v python3 >/dev/null || skip "python3 missing (scripts/deps.sh)"
pki_ensure
netns_setup
state_init

mkdir -p "$TMPD/bin"
cp "$SSLVPND" "$TMPD/bin/sslvpnd"
ln -s "$top_builddir/src/secmod/sslvpnd-secmod" "$TMPD/bin/sslvpnd-secmod"
runs="$TMPD/worker-runs"
cat >"$TMPD/bin/sslvpnd-worker" <<PY
#!/usr/bin/env python3
# Stand-in worker: header u16 type, u16 flags, u32 len, u32 seq (big-endian).
import os, socket, struct, sys, time
WORKER_READY, CONN_DONE = 1, 4
wid = int(sys.argv[sys.argv.index('--id') + 1])
try:
    n = int(open('$runs').read())
except (OSError, ValueError):
    n = 0
open('$runs', 'w').write(str(n + 1))
s = socket.socket(fileno=3)
def send(t, payload):
    s.send(struct.pack('>HHII', t, 0, len(payload), 0) + payload)
ready = struct.pack('>I', wid)
if n == 0:
    send(CONN_DONE, struct.pack('>IB', 1, 0))
elif n == 1:
    send(WORKER_READY, ready)
    time.sleep(0.5)
    send(WORKER_READY, ready)
else:
    send(WORKER_READY, ready)
deadline = time.time() + 120
while time.time() < deadline:
    msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(16))
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            for fd in struct.unpack('%di' % (len(data) // 4), data[:len(data) // 4 * 4]):
                os.close(fd)
    if not msg:
        break
PY
chmod +x "$TMPD/bin/sslvpnd-worker"

conf="$TMPD/ipc-table.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; } );
ip_local_pools = ( { name = "phones"; range = "198.19.0.10-198.19.0.20"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "phones"; authentication = "certificate"; } );
CONF
SSLVPND="$TMPD/bin/sslvpnd"
start_sslvpnd -c "$conf"

three_runs() { [ "$(cat "$runs" 2>/dev/null)" = 3 ] && log_has 100003 'worker 0 started'; }
wait_for 15 "the third worker run" three_runs || fail "no third worker run (runs: $(cat "$runs" 2>/dev/null))"
sleep 1  # a third run that broke the table would be killed by now

assert_log 100518 'worker 0 \(pid [0-9]+\) sent CONN_DONE in state starting: not allowed in this state; killing it' \
	"a message before WORKER_READY is refused (100518)"
assert_log 100518 'worker 0 \(pid [0-9]+\) sent WORKER_READY in state ready: not allowed in this state; killing it' \
	"a second WORKER_READY is refused (100518)"
n=$(log_lines 100518 | wc -l)
assert_eq 2 "$n" "exactly the two violations refused"
n=$(log_lines 100004 'worker 0 .*died: killed by signal 9' | wc -l)
assert_eq 2 "$n" "both violating workers killed (100004, SIGKILL) and restarted"
assert_server_alive
last=$(log_lines 100003 'worker 0 started' | tail -n 1 | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')
pid_alive "$last" || fail "the third worker (pid $last) is not running"
ok "the worker that keeps to the table (pid $last) serves on"
