#!/usr/bin/env python3
"""Retention of the r = 16 gain for each In-Squeeze variant in run.sh printouts.

usage: summary.py PRINTOUT... (the printouts of one text; together they must hold an r16 run)
retention = (base - variant) / (base - r16), held-out perplexity per byte as finetune printed it.
"""
import re
import sys

runs, base, took = {}, None, {}
for path in sys.argv[1:]:
    name = None
    for line in open(path):
        m = re.match(r"== (\S+):", line)
        if m:
            name = m.group(1)
        m = re.match(r"base +held-out perplexity ([0-9.]+)", line)
        if m:
            base = float(m.group(1))
        m = re.match(r"adapted held-out perplexity ([0-9.]+)", line)
        if m and name:
            runs[name] = float(m.group(1))
        m = re.match(r"(\S+) took (\d+) s", line)
        if m:
            took[m.group(1)] = int(m.group(2))
if "r16" not in runs or base is None:
    sys.exit("summary.py: the printouts hold no r16 run or no base perplexity")
gain = base - runs["r16"]
print(f"base {base:.4f}, r16 {runs['r16']:.4f}")
print(f"{'variant':<20} {'perplexity':>10} {'retention':>9} {'took':>6}")
for name, ppl in runs.items():
    print(f"{name:<20} {ppl:>10.4f} {100 * (base - ppl) / gain:>8.2f}% {took.get(name, 0):>5} s")
