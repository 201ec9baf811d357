#!/usr/bin/env python3
"""memsearch.py PID NEEDLE [heap|anon|all]: count NEEDLE (text, or bytes
given as hex:HEX) in the process's
memory as root reads it through /proc/PID/mem.  Regions: heap = [heap] only;
anon = [heap] and the anonymous writable private mappings (malloc's mmap'd
blocks and arenas); all = every readable mapping.  Prints one line per
region with hits ("HIT start-end perms name count") and "TOTAL n".
Exit 0 when the search ran (whatever the count), 2 when it could not."""
import re
import sys


def regions(pid, which):
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            addr, perms = parts[0], parts[1]
            name = parts[5] if len(parts) > 5 else ""
            if "r" not in perms:
                continue
            if which == "heap" and name != "[heap]":
                continue
            if which == "anon" and not (name == "[heap]" or (name == "" and "w" in perms)):
                continue
            if name in ("[vvar]", "[vsyscall]"):
                continue
            lo, hi = (int(x, 16) for x in addr.split("-"))
            yield lo, hi, perms, name


HUGE = 1 << 30
CHUNK = 16 << 20


def count(mem, lo, hi, needle):
    """Occurrences of needle in [lo, hi), read in chunks that overlap by
    len(needle) - 1 bytes; an unreadable chunk counts nothing."""
    n, at, keep = 0, lo, b""
    pat = re.compile(re.escape(needle))
    while at < hi:
        try:
            mem.seek(at)
            data = mem.read(min(CHUNK, hi - at))
        except OSError:
            data = b""
        if not data:
            keep = b""
            at += CHUNK
            continue
        buf = keep + data
        n += len(pat.findall(buf))
        # shorter than the needle: a hit spanning two chunks is found once
        keep = buf[-(len(needle) - 1):] if len(needle) > 1 else b""
        at += len(data)
    return n


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    pid, needle = sys.argv[1], sys.argv[2]
    needle = bytes.fromhex(needle[4:]) if needle.startswith("hex:") else needle.encode()
    which = sys.argv[3] if len(sys.argv) > 3 else "anon"
    total = 0
    try:
        mem = open(f"/proc/{pid}/mem", "rb", 0)
        for lo, hi, perms, name in list(regions(pid, which)):
            if hi - lo > HUGE:
                # reserved, not used: AddressSanitizer's shadow (terabytes)
                print(f"SKIP {lo:x}-{hi:x} {perms} {name or '(anon)'} larger than 1 GiB")
                continue
            n = count(mem, lo, hi, needle)
            if n:
                print(f"HIT {lo:x}-{hi:x} {perms} {name or '(anon)'} {n}")
            total += n
    except OSError as e:
        print(f"memsearch: {e}", file=sys.stderr)
        return 2
    print(f"TOTAL {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
