#!/usr/bin/env python3
"""memsearch.py PID NEEDLE [heap|anon|all]: count NEEDLE in the process's
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


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    pid, needle = sys.argv[1], sys.argv[2].encode()
    which = sys.argv[3] if len(sys.argv) > 3 else "anon"
    total = 0
    try:
        mem = open(f"/proc/{pid}/mem", "rb", 0)
        for lo, hi, perms, name in list(regions(pid, which)):
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except OSError:
                continue
            n = len(re.findall(re.escape(needle), data))
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
