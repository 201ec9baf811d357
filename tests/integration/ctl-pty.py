#!/usr/bin/env python3
"""Drives interactive sslvpnctl through a pseudo-terminal, as an
administrator types: keys without Enter (`?`, Tab, the up arrow), lines
with Enter, and checks what the terminal shows.  Every wait is bounded.

usage: ctl-pty.py SSLVPNCTL SOCKET PROMPT
Prints "ok - ..." per check; exits 1 at the first failure."""
import os
import pty
import re
import select
import sys
import time

CTL, SOCK, PROMPT = sys.argv[1:4]
WAIT = 10.0

pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execv(CTL, [CTL, "--socket", SOCK])

seen = ""  # terminal output since the last mark


def plain(text):
    """The text without ANSI sequences and carriage returns."""
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text).replace("\r", "")


def read_until(pattern, what):
    """Reads until pattern (a regex) appears in the output since the last
    mark; returns that output."""
    global seen
    deadline = time.monotonic() + WAIT
    while not re.search(pattern, plain(seen), re.S):
        left = deadline - time.monotonic()
        if left <= 0:
            fail(f"{what}: no /{pattern}/ within {WAIT:.0f} s; got {seen!r}")
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            fail(f"{what}: sslvpnctl closed the terminal; got {seen!r}")
        seen += data.decode("ascii", "replace")
    return plain(seen)


def mark():
    global seen
    seen = ""


def send(keys):
    os.write(fd, keys.encode())


def fail(msg):
    print(f"FAIL: {msg}")
    try:
        os.kill(pid, 9)
    except OSError:
        pass
    sys.exit(1)


def ok(msg):
    print(f"ok - {msg}")


P = re.escape(PROMPT)
# What `?` prints: the "?" and a new line, rows, then the prompt and the
# line again.  The rows are required: while the keys are echoed, the line
# alone is already on the screen (a match there would race the answer).
ANSWER = r"\?\n(  .*\n)+"

read_until(P + "$", "the prompt")
ok(f"prompt {PROMPT!r}")

# `?` answered at once, without Enter, the line kept
mark()
send("show ?")
out = read_until(ANSWER + P + "show $", "show ?")
for word in ("vpn-sessiondb", "version", "running-config", "ip"):
    if not re.search(r"^  " + re.escape(word) + r" +\S", plain(out), re.M):
        fail(f"show ? does not list {word}: {plain(out)!r}")
if "<cr>" in out:
    fail("show ? offers <cr>: show alone is no command")
ok("show ? lists the next words with their help, without Enter; the line is kept")

mark()
send("\x15sh vpn-s?")
out = read_until(ANSWER + P + "sh vpn-s$", "sh vpn-s?")
if not re.search(r"^  vpn-sessiondb +VPN sessions$", out, re.M):
    fail(f"sh vpn-s? does not complete to vpn-sessiondb: {out!r}")
ok("sh vpn-s? lists vpn-sessiondb")

mark()
send("\x15sh vpn-s det any ?")
out = read_until(ANSWER + P + "sh vpn-s det any $", "sh vpn-s det any ?")
for row in (r"filter +Filter the sessions", r"\| +Output modifiers", r"<cr>"):
    if not re.search(r"^  " + row, out, re.M):
        fail(f"sh vpn-s det any ? lacks /{row}/: {out!r}")
ok("after a whole command: filter, | and <cr>")

# abbreviations resolve; the daemon answers
mark()
send("\x15sh vpn-s sum\r")
out = plain(read_until(r"VPN Session Summary.*" + P + "$", "sh vpn-s sum"))
ok("sh vpn-s sum runs show vpn-sessiondb summary")

# | include filters every line
mark()
send("sh ver | include Worker\r")
out = plain(read_until(r"\n" + P + "$", "| include"))
lines = [l for l in out.split("\n")[1:-1] if l.strip()]
if len(lines) != 2 or not all("Worker" in l for l in lines):
    fail(f"sh ver | include Worker: expected the 2 Worker lines, got {lines!r}")
ok("| include Worker keeps the 2 matching lines of show version")

mark()
send("sh ver | begin Configuration\r")
out = plain(read_until(r"\n" + P + "$", "| begin"))
lines = [l for l in out.split("\n")[1:-1] if l.strip()]
if not lines or not lines[0].startswith("Configuration file") or len(lines) < 3:
    fail(f"| begin Configuration: {lines!r}")
ok(f"| begin: from the Configuration line on ({len(lines)} lines)")

# Tab completes a unique keyword
mark()
send("show vpn-sessiondb summ\t")
out = read_until(r"summary $", "Tab")
ok("Tab completes summ to summary")
mark()
send("\r")
read_until(r"VPN Session Summary.*" + P + "$", "the completed line")
ok("the completed line runs")

# history: the up arrow recalls the last command
mark()
send("\x1b[A")
read_until(re.escape("show vpn-sessiondb summary "), "up arrow")
send("\r")
read_until(r"VPN Session Summary.*" + P + "$", "the recalled line")
ok("up arrow recalls show vpn-sessiondb summary, Enter runs it")

# the ASA's errors: caret under the word, ambiguous prefix
mark()
send("show frobnicate\r")
out = plain(read_until(r"Invalid input.*" + P + "$", "invalid word"))
caret = " " * (len(PROMPT) + len("show ")) + "^"
if caret + "\n" not in out:
    fail(f"no caret under frobnicate (column {len(PROMPT) + 5}): {out!r}")
if "ERROR: % Invalid input detected at '^' marker." not in out:
    fail(f"no ASA message: {out!r}")
ok("show frobnicate: caret under the word, % Invalid input detected at '^' marker.")

mark()
send("s d\r")
out = plain(read_until(r"Ambiguous.*" + P + "$", "ambiguous"))
if '% Ambiguous command: "s d"' not in out:
    fail(f"s d: {out!r}")
ok('s d: % Ambiguous command: "s d"')

# Ctrl-C drops the line; exit leaves
mark()
send("show ver\x03")
read_until(r"\^C\n" + P + "$", "Ctrl-C")
ok("Ctrl-C drops the line")
send("exit\r")
deadline = time.monotonic() + WAIT
while time.monotonic() < deadline:
    wpid, status = os.waitpid(pid, os.WNOHANG)
    if wpid:
        if os.waitstatus_to_exitcode(status) != 0:
            fail(f"exit: status {os.waitstatus_to_exitcode(status)}")
        ok("exit leaves with status 0")
        sys.exit(0)
    try:
        select.select([fd], [], [], 0.1)
        os.read(fd, 4096)
    except OSError:
        pass
fail("sslvpnctl still running 10 s after exit")
