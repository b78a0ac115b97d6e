#!/usr/bin/env python3
"""Table of run.sh's printout: held-out perplexity and retention of the r = 16 adapter's gain, per adapter.
usage: summary.py OUTPUT.txt [MORE.txt ...] WORK  (WORK/r16/finetune.json gives the base's perplexity; trainable values from
the folders; the printouts of run.sh first, then those of calibrated.sh (inputs, then fisher) for the same WORK)"""
import json, os, re, struct, sys

outs, work = sys.argv[1:-1], sys.argv[-1]
base = json.load(open(os.path.join(work, 'r16', 'finetune.json')))['before']['perplexity']
scores = {}
for out in outs:
    for line in open(out, errors='replace'):
        m = re.match(r'(\S+)\s+adapted held-out perplexity ([\d.]+) per byte', line)
        if m:
            scores[m.group(1)] = float(m.group(2))

def values(folder):  # stored values of an adapter folder, from its safetensors header
    with open(os.path.join(work, folder, 'adapter_model.safetensors'), 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
    total = 0
    for k, v in header.items():
        if k != '__metadata__':
            p = 1
            for d in v['shape']:
                p *= d
            total += p
    return total

ref = scores['r16']
print(f'base perplexity {base:.4f}; r = 16 adapter {ref:.4f}')
print('| adapter | stored values | held-out perplexity | retention of the r = 16 gain |')
print('|---|---|---|---|')
for name, ppl in scores.items():
    print(f'| {name} | {values(name):,} | {ppl:.4f} | {100 * (base - ppl) / (base - ref):.1f}% |')
