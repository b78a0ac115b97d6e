#!/usr/bin/env python3
"""Table of results/adapter-variants-decoder from the run folders: python3 collect.py OUT [names] > table.md"""
import json, os, sys

out = sys.argv[1]
print("| run | method | trainable | bytes on disk | held-out perplexity base -> adapted | reduction | training state (B) | s/step | diagnostic |")
print("|---|---|---|---|---|---|---|---|---|")
for name in sys.argv[2:] or sorted(os.listdir(out)):
    folder = os.path.join(out, name)
    rec = os.path.join(folder, "finetune.json")
    if not os.path.isfile(rec):
        continue
    r = json.load(open(rec))
    files = ["model.safetensors", "config.json"] if r.get("method") == "full" else ["adapter_config.json", "adapter_model.safetensors"]
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in files if os.path.isfile(os.path.join(folder, f)))
    cfg_path = os.path.join(folder, "adapter_config.json")
    diag = ""
    if os.path.isfile(cfg_path):
        cfg = json.load(open(cfg_path))
        for key in ("kept_ranks", "remaining_rank", "layer_budgets", "budgets", "sparsity"):
            if key in cfg:
                v = cfg[key]
                diag = f"{key}: {sum(v.values()) if isinstance(v, dict) else v}"
                break
    mem = r.get("memory_bytes", {}).get("training_state", 0)
    print(f"| {name} | `{r.get('method')}` | {r['trainable_parameters']:,} | {size:,} | {r['before']['perplexity']:.4f} -> "
          f"{r['after']['perplexity']:.4f} | {100 * r['perplexity_reduction']:.2f}% | {mem:,} | {r.get('seconds_per_step', 0):.3f} | {diag} |")
