#!/usr/bin/env python3
"""A RADIUS "server" that forges its replies, for t-aaa-radius-failover.

radius-forger.py ADDR PORT SECRET MAXSECS MODE
    Answers every Access-Request on ADDR:PORT with an Access-Accept whose
    Response Authenticator is right for SECRET (what a man in the middle of
    BlastRADIUS can achieve) but whose Message-Authenticator is not (MODE
    bad-ma), or that has none at all (MODE no-ma).  Prints "answered N" at
    the end; exits after MAXSECS seconds.
"""
import hashlib
import socket
import struct
import sys
import time


def forge(req, secret, mode):
    ident, auth = req[1], req[4:20]
    attrs = bytes([25, 2 + 7]) + b"OU=gp;"[:7].ljust(7, b";")
    if mode == "bad-ma":
        attrs += bytes([80, 18]) + b"\x55" * 16
    hdr = bytes([2, ident]) + struct.pack(">H", 20 + len(attrs))
    ra = hashlib.md5(hdr + auth + attrs + secret).digest()
    return hdr + ra + attrs


def main():
    addr, port, secret, maxsecs, mode = sys.argv[1:6]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(0.5)
    end = time.time() + float(maxsecs)
    n = 0
    print("ready", flush=True)
    while time.time() < end:
        try:
            req, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        if len(req) < 20 or req[0] != 1:
            continue
        s.sendto(forge(req, secret.encode(), mode), peer)
        n += 1
        print("answered %d" % n, flush=True)


if __name__ == "__main__":
    main()
