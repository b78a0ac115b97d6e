#!/usr/bin/env python3
"""Table of the LoRA comparison (issue 14, item 6a) from the finetune.json records run.sh and run-more.sh write.

usage: python3 results/lora-comparison/collect.py $OUT > results/lora-comparison/table.md
Copies each record to results/lora-comparison/records/NAME.json (paths made relative to $OUT).
"""
import json
import os
import re
import statistics
import sys

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "records"), exist_ok=True)
runs = {}
for name in sorted(os.listdir(out)):
    record = os.path.join(out, name, "finetune.json")
    if not os.path.isfile(record):
        continue
    text = open(record).read().replace(out, "$OUT")
    open(os.path.join(here, "records", name + ".json"), "w").write(text)
    runs[name] = json.loads(text)

groups = {}
for name, r in runs.items():
    if "-to-r" in name:
        continue
    base = re.sub(r"-s4[34]$", "", name)
    groups.setdefault(base, []).append(r)

print("| run | method | trainable | training state (bytes) | held-out perplexity per byte (seeds) | mean | reduction vs base | s/step (loaded) |")
print("|---|---|---|---|---|---|---|---|")
for base, rs in sorted(groups.items(), key=lambda kv: statistics.mean(r["after"]["perplexity"] for r in kv[1])):
    after = [r["after"]["perplexity"] for r in rs]
    before = rs[0]["before"]["perplexity"]
    state = rs[0].get("memory_bytes", {}).get("training_state")
    print(f"| {base} | {rs[0]['method']} | {rs[0]['trainable_parameters']:,} | {state:,} | "
          f"{' / '.join(f'{a:.4f}' for a in after)} | {statistics.mean(after):.4f} | {100 * (1 - statistics.mean(after) / before):.1f}% | "
          f"{statistics.median(r.get('seconds_per_step', float('nan')) for r in rs):.2f} |")
print()
print(f"Base model (no tuning): {before:.4f} per byte on the same {rs[0]['before']['bytes']:,} held-out bytes.")
