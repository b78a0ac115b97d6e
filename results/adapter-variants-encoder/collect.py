#!/usr/bin/env python3
"""Table of results/adapter-variants-encoder from the run folders: python3 collect.py OUT > table.md"""
import json, os, sys

out = sys.argv[1]
print("| run | method | trainable | bytes on disk | held-out accuracy | macro-F1 | training state (B) | s/step |")
print("|---|---|---|---|---|---|---|---|")
for name in sys.argv[2:] or sorted(os.listdir(out)):
    rec = os.path.join(out, name, "finetune.json")
    if not os.path.isfile(rec):
        continue
    r = json.load(open(rec))
    mem = r.get("memory_bytes", {}).get("training_state", "")
    print(f"| {name} | `{r.get('method')}` | {r['trainable_parameters']:,} | {r.get('bytes_on_disk', '')} | {r['after']['accuracy']:.4f} "
          f"| {r['after']['macro_f1']:.4f} | {mem:,} | {r.get('seconds_per_step', 0):.2f} |")
