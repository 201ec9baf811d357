#!/usr/bin/env python3
"""udp-watch.py IFACE SRC-IP SRC-PORT SECONDS: one line per UDP datagram
from SRC-IP:SRC-PORT that arrives on IFACE, describing the DTLS record
header it starts with: "type=T version=VVVV epoch=E seq=S len=L" (T 21 is
an alert, 23 application data), flushed as seen.  Reads the interface with
a packet socket (run it in the namespace of IFACE), so a datagram shows
even when no socket takes it any more.  Ends after SECONDS or at SIGTERM;
exit 0, 2 when the interface cannot be read."""
import signal
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def describe(payload):
    if len(payload) < 13:
        return f"short len={len(payload)}"
    typ, ver, epoch = struct.unpack("!BHH", payload[:5])
    seq = int.from_bytes(payload[5:11], "big")
    (rlen,) = struct.unpack("!H", payload[11:13])
    return f"type={typ} version={ver:04x} epoch={epoch} seq={seq} len={rlen}"


def main():
    iface, src, port, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    want = socket.inet_aton(src)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        s.bind((iface, ETH_P_IP))
    except OSError as e:
        print(f"udp-watch.py: {iface}: {e}", file=sys.stderr)
        return 2
    print("watching", flush=True)
    end = time.monotonic() + secs
    while (left := end - time.monotonic()) > 0:
        s.settimeout(left)
        try:
            pkt = s.recv(65535)
        except socket.timeout:
            break
        if len(pkt) < 20 or pkt[9] != socket.IPPROTO_UDP or pkt[12:16] != want:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        if len(pkt) < ihl + 8 or struct.unpack("!H", pkt[ihl:ihl + 2])[0] != port:
            continue
        print(describe(pkt[ihl + 8:]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
