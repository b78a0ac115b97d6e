#!/usr/bin/env python3
"""Retention table from run.sh and distil.sh printouts: (base - adapter) / (base - r16) of held-out perplexity per byte.
usage: summary.py NAME RUN_OUTPUT [DISTIL_OUTPUT] [NAME RUN_OUTPUT [DISTIL_OUTPUT] ...] (a NAME starts each adapter's files)
A printout may cover several adapters (longer.sh, distil-verb.sh): a line named after another NAME and a dash is left to that
NAME's table, and under its own NAME the prefix is dropped."""
import re
import sys

def perplexities(path):
    base, found = None, {}
    name = None
    for line in open(path, encoding='utf-8'):
        line = line.replace('\r', '\n').split('\n')[-1] if '\r' in line else line
        m = re.match(r'^(\S+)?\s*(base|adapted)\s+held-out perplexity ([0-9.]+)', line.strip())
        if not m:
            continue
        if m.group(1):
            name = m.group(1)
        if m.group(2) == 'base':
            if name is not None:  # finetune's own unnamed printout (over all held-out bytes) is not one of the scored lines
                base = float(m.group(3))
        elif name is not None:
            found[name] = float(m.group(3))
            name = None
    return base, found

args = sys.argv[1:]
labels = [a for a in args if not a.endswith('.txt')]
rows, base, r16, label = [], None, None, None
def flush():
    if label is not None:
        print(f'\n{label}: base perplexity {base:.4f}, r = 16 adapter {r16:.4f}')
        print('| adapter | held-out perplexity | retention of the r = 16 gain |')
        print('|---|---|---|')
        for n, p in rows:
            print(f'| {n} | {p:.4f} | {100 * (base - p) / (base - r16):.1f}% |')
i = 0
while i < len(args):
    if not args[i].endswith('.txt'):
        flush()
        label, rows, base, r16 = args[i], [], None, None
        i += 1
        continue
    b, found = perplexities(args[i])
    if b is not None:
        base, r16 = b, found.pop('r16')
    for n, p in found.items():
        owner = next((l for l in labels if n.startswith(l + '-')), None)
        if owner is None or owner == label:
            rows.append((n[len(label) + 1:] if owner else n, p))
    i += 1
flush()
