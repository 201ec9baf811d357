#!/usr/bin/env python3
"""sockopts.py PID: the TCP_NODELAY of each connected TCP socket the
process holds, one line each: "FD PEER-ADDR PEER-PORT nodelay=0|1".  Root
duplicates the descriptors with pidfd_getfd(2) (Linux 5.6+) and asks them:
nothing in /proc or ss(8) shows the option.  Exit 0 when the process was
read (whatever it holds), 2 when it could not be."""
import ctypes
import os
import socket
import sys

SYS_PIDFD_GETFD = 438  # the same number on every architecture


def main():
    pid = int(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        pidfd = os.pidfd_open(pid)
        fds = sorted(int(f) for f in os.listdir(f"/proc/{pid}/fd"))
    except OSError as e:
        print(f"sockopts.py: process {pid}: {e}", file=sys.stderr)
        return 2
    for fd in fds:
        try:
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                continue
        except OSError:
            continue  # closed meanwhile
        mine = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if mine < 0:
            err = ctypes.get_errno()
            print(f"sockopts.py: pidfd_getfd {pid}/{fd}: {os.strerror(err)}", file=sys.stderr)
            return 2
        s = socket.socket(fileno=mine)
        try:
            if s.family not in (socket.AF_INET, socket.AF_INET6) or s.type != socket.SOCK_STREAM:
                continue
            try:
                peer = s.getpeername()
            except OSError:
                continue  # not connected
            nd = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            print(f"{fd} {peer[0]} {peer[1]} nodelay={1 if nd else 0}")
        finally:
            s.close()
    os.close(pidfd)
    return 0


sys.exit(main())
