#!/usr/bin/env python3
"""tcpxfer: one TCP connection carrying a file each way at once, for the
tunnel tests.  Both ends send their file, read the other's to the end and
print the SHA-256 of what they received and the byte count.

  tcpxfer.py serve ADDR PORT FILE   accept one connection (30 s at most)
  tcpxfer.py connect ADDR PORT FILE
Bounded: every socket operation times out after 30 s of silence."""
import hashlib
import socket
import sys
import threading

TIMEOUT = 30


def send_file(sock, path):
    with open(path, 'rb') as f:
        while True:
            b = f.read(65536)
            if not b:
                break
            sock.sendall(b)
    sock.shutdown(socket.SHUT_WR)


def exchange(sock, path):
    sock.settimeout(TIMEOUT)
    t = threading.Thread(target=send_file, args=(sock, path), daemon=True)
    t.start()
    h, n = hashlib.sha256(), 0
    while True:
        b = sock.recv(262144)
        if not b:
            break
        h.update(b)
        n += len(b)
    t.join(TIMEOUT)
    if t.is_alive():
        sys.exit('send did not finish')
    print(h.hexdigest(), n)


def main():
    mode, addr, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if mode == 'serve':
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(1)
        ls.settimeout(TIMEOUT)
        print('listening', flush=True)
        sock, _ = ls.accept()
    else:
        sock = socket.create_connection((addr, port), timeout=TIMEOUT)
    exchange(sock, path)
    sock.close()


if __name__ == '__main__':
    main()
