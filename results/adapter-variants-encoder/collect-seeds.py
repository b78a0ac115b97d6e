#!/usr/bin/env python3
"""Table of the party probe over split seeds: python3 collect-seeds.py W NAME... (W holds s1/, s2/, ... from run.sh).

Per row: held-out accuracy after training on each seed, its mean, the mean of the plain frozen-feature probe on the same
splits ("before"; the same for every row of a seed), and on how many seeds the row ends above / level with / below it."""
import json, os, sys

w, names = sys.argv[1], sys.argv[2:]
seeds = sorted(d for d in os.listdir(w) if d.startswith("s") and d[1:].isdigit())
print(f"| run | trainable | held-out accuracy after ({', '.join(seeds)}) | mean after | mean probe | above / level / below the probe |")
print("|---|---|---|---|---|---|")
for name in names:
    after, before, trainable = [], [], None
    for s in seeds:
        rec = os.path.join(w, s, name, "finetune.json")
        if not os.path.isfile(rec):
            continue
        r = json.load(open(rec))
        after.append(r["after"]["accuracy"]); before.append(r["before"]["accuracy"]); trainable = r["trainable_parameters"]
    if not after:
        continue
    above = sum(a > b + 1e-9 for a, b in zip(after, before)); below = sum(a < b - 1e-9 for a, b in zip(after, before))
    print(f"| {name} | {trainable:,} | {' / '.join(f'{a:.4f}' for a in after)} | {sum(after) / len(after):.4f} "
          f"| {sum(before) / len(before):.4f} | {above} / {len(after) - above - below} / {below} |")
