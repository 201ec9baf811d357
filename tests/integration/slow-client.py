#!/usr/bin/env python3
"""Hostile pre-authentication clients for t-limits (bounded in count and time).

slowloris HOST N INTERVAL MAXSECS CERT KEY
    N TLS connections, each trickling a never-ending request header one byte
    per INTERVAL seconds; prints one line per connection:
    "conn I closed-by-server AFTER" (seconds since its handshake) or
    "conn I still-open AFTER" when MAXSECS passed.
stall HOST MAXSECS
    one TCP connection that sends no byte; "closed-by-server AFTER" or
    "still-open AFTER".
idle HOST N SECS CERT KEY
    N TLS connections that complete the handshake and send nothing; "up K"
    once they are, then held for SECS seconds.
hold HOST SRC N SECS
    N TCP connections from address SRC that send nothing, then one more:
    "held K", then "extra closed-by-server" when the server closed the extra
    one within 3 s without a byte, else "extra open"; keeps the N open for
    SECS seconds in all.
"""
import select
import socket
import ssl
import sys
import time


def tls_ctx(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)
    return ctx


def slowloris(host, n, interval, maxsecs, cert, key):
    ctx = tls_ctx(cert, key)
    conns = []
    for i in range(n):
        raw = socket.create_connection((host, 443), timeout=5)
        s = ctx.wrap_socket(raw)
        s.setblocking(False)
        conns.append({"i": i, "s": s, "t0": time.monotonic(), "done": None})
    payload = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
    pos = 0
    deadline = time.monotonic() + maxsecs
    while time.monotonic() < deadline and any(c["done"] is None for c in conns):
        for c in conns:
            if c["done"] is not None:
                continue
            try:
                c["s"].send(payload[pos:pos + 1])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
            except OSError:
                c["done"] = time.monotonic() - c["t0"]
                continue
            try:
                if not c["s"].recv(4096):
                    c["done"] = time.monotonic() - c["t0"]
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            except OSError:
                c["done"] = time.monotonic() - c["t0"]
        pos += 1
        time.sleep(interval)
    for c in conns:
        if c["done"] is None:
            print("conn %d still-open %.1f" % (c["i"], time.monotonic() - c["t0"]))
        else:
            print("conn %d closed-by-server %.1f" % (c["i"], c["done"]))
        c["s"].close()


def wait_closed(s, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if r:
            try:
                return s.recv(1) == b""
            except OSError:
                return True
    return False


def stall(host, maxsecs):
    t0 = time.monotonic()
    s = socket.create_connection((host, 443), timeout=5)
    if wait_closed(s, maxsecs):
        print("closed-by-server %.1f" % (time.monotonic() - t0))
    else:
        print("still-open %.1f" % (time.monotonic() - t0))
    s.close()


def hold(host, src, n, secs):
    t0 = time.monotonic()
    held = []
    for _ in range(n):
        s = socket.create_connection((host, 443), timeout=5, source_address=(src, 0))
        held.append(s)
    time.sleep(0.5)
    alive = [s for s in held if not wait_closed(s, 0)]
    print("held %d" % len(alive))
    sys.stdout.flush()
    extra = socket.create_connection((host, 443), timeout=5, source_address=(src, 0))
    print("extra closed-by-server" if wait_closed(extra, 3) else "extra open")
    sys.stdout.flush()
    extra.close()
    left = secs - (time.monotonic() - t0)
    if left > 0:
        time.sleep(left)
    for s in held:
        s.close()


def idle(host, n, secs, cert, key):
    ctx = tls_ctx(cert, key)
    conns = []
    for _ in range(n):
        conns.append(ctx.wrap_socket(socket.create_connection((host, 443), timeout=5)))
    print("up %d" % len(conns))
    sys.stdout.flush()
    time.sleep(secs)
    for s in conns:
        s.close()


def main():
    a = sys.argv[1:]
    if a and a[0] == "slowloris" and len(a) == 7:
        slowloris(a[1], int(a[2]), float(a[3]), float(a[4]), a[5], a[6])
    elif a and a[0] == "stall" and len(a) == 3:
        stall(a[1], float(a[2]))
    elif a and a[0] == "idle" and len(a) == 6:
        idle(a[1], int(a[2]), float(a[3]), a[4], a[5])
    elif a and a[0] == "hold" and len(a) == 5:
        hold(a[1], a[2], int(a[3]), float(a[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
