#!/usr/bin/env python3
"""Check a Prometheus text exposition (format 0.0.4) line by line.

Usage: prom-check.py FILE   (exit 0 when valid, 1 with one message per
problem on stderr).  Used by t-ctl-show.sh when promtool is not installed;
it checks what `promtool check metrics` checks for syntax plus the rules
sslvpnd follows: every family has HELP and TYPE before its samples, samples
of a family are contiguous, no series twice, counters end in _total and are
never negative, label values use only the \\\\ \\" \\n escapes.
"""
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
VALUE = r'(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN)'
LVAL = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(?:' + LABEL + '=' + LVAL + r'(?:,' + LABEL + '=' +
                    LVAL + r')*,?)?\})? (' + VALUE + r')(?: -?[0-9]+)?$')
LABEL_PAIR = re.compile('(' + LABEL + ')=(' + LVAL + ')')
HELP = re.compile(r'^# HELP (' + NAME + r') (.*)$')
TYPE = re.compile(r'^# TYPE (' + NAME + r') (counter|gauge|histogram|summary|untyped)$')


def check(text):
    errs = []
    types, helps, done = {}, {}, set()
    series = set()
    current = None
    if text and not text.endswith('\n'):
        errs.append('the last line does not end with a newline')
    for n, line in enumerate(text.splitlines(), 1):
        where = 'line %d: ' % n
        if not line:
            errs.append(where + 'empty line')
            continue
        m = HELP.match(line)
        if m:
            if m.group(1) in helps:
                errs.append(where + 'second HELP for ' + m.group(1))
            if m.group(1) in types or m.group(1) in done:
                errs.append(where + 'HELP after TYPE or samples of ' + m.group(1))
            helps[m.group(1)] = m.group(2)
            continue
        m = TYPE.match(line)
        if m:
            fam = m.group(1)
            if fam in types:
                errs.append(where + 'second TYPE for ' + fam)
            if fam in done:
                errs.append(where + 'TYPE after samples of ' + fam)
            types[fam] = m.group(2)
            if m.group(2) == 'counter' and not fam.endswith('_total'):
                errs.append(where + 'counter %s does not end in _total' % fam)
            continue
        if line.startswith('#'):
            if line.startswith('# HELP') or line.startswith('# TYPE'):
                errs.append(where + 'malformed HELP/TYPE: ' + line)
            continue
        m = SAMPLE.match(line)
        if not m:
            errs.append(where + 'not a sample: ' + line)
            continue
        fam = m.group(1)
        if fam not in types or fam not in helps:
            errs.append(where + 'sample of %s without HELP and TYPE' % fam)
        if current != fam:
            if fam in done:
                errs.append(where + 'samples of %s are not contiguous' % fam)
            if current:
                done.add(current)
            current = fam
        labels = tuple(sorted(LABEL_PAIR.findall(m.group(2) or '')))
        names = [k for k, _ in labels]
        if len(set(names)) != len(names):
            errs.append(where + 'a label repeats: ' + line)
        key = (fam, labels)
        if key in series:
            errs.append(where + 'series twice: ' + line)
        series.add(key)
        v = float(m.group(3))
        if types.get(fam) == 'counter' and not v >= 0:
            errs.append(where + 'negative counter: ' + line)
    return errs


def main():
    with open(sys.argv[1], encoding='utf-8') as f:
        errs = check(f.read())
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main())
