#!/usr/bin/env python3
"""Builds table.csv and table.md from the runs of run.sh: python3 results/adapter-variants/collect.py OUT [DEST]
(OUT: the folder run.sh wrote; DEST: where the table and each run's record, config, log and printout are copied)."""
import csv, json, os, re, shutil, sys

out = sys.argv[1]
dest = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
runs = ["lora-r8", "nola-equal", "nola-equal-lr3e-3", "nola-128", "sora-r8", "sora-r8-unpruned"]
rows = []
for name in runs:
    folder = os.path.join(out, name)
    record_file = os.path.join(folder, "finetune.json")
    if not os.path.exists(record_file):
        continue
    rec = json.load(open(record_file))
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in ("adapter_config.json", "adapter_model.safetensors"))
    kept = ""
    for line in rec.get("report", []):
        if line.startswith("SoRA ranks kept"):
            kept = line.split(": ")[1]
    rows.append({
        "run": name, "adapter": rec["method"], "steps": rec["steps"], "trainable": rec["trainable_parameters"],
        "bytes_on_disk": size, "base_ppl": round(rec["before"]["perplexity"], 4), "adapted_ppl": round(rec["after"]["perplexity"], 4),
        "reduction_pct": round(100 * rec["perplexity_reduction"], 2), "bits_per_byte": round(rec["after"]["bits_per_byte"], 4),
        "seconds_per_step": round(rec["train_seconds_this_call"] / rec["steps"], 1), "sora_ranks_kept": kept})
    keep = os.path.join(dest, name)
    os.makedirs(keep, exist_ok=True)
    for f in ("finetune.json", "adapter_config.json", "finetune-log.csv"):
        shutil.copy(os.path.join(folder, f), keep)
    config = os.path.join(keep, "adapter_config.json")  # LoRA records the base as an absolute path: keep it repository-relative
    text = re.sub(r'"base_model_name_or_path" : "[^"]*?/?(models/[^"]*)"', r'"base_model_name_or_path" : "\1"', open(config).read())
    open(config, "w").write(text)
    if os.path.exists(folder + ".stdout.txt"):
        text = open(folder + ".stdout.txt").read().replace("\r", "\n")
        lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("finetune ")]
        open(os.path.join(keep, "stdout.txt"), "w").write("\n".join(lines).replace(out, "$WORK/adapter-variants") + "\n")
with open(os.path.join(dest, "table.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
with open(os.path.join(dest, "table.md"), "w") as f:
    f.write("| run | adapter | trainable | bytes on disk | held-out perplexity base -> adapted | reduction | bits/byte | s/step | SoRA ranks kept |\n")
    f.write("|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        f.write(f"| {r['run']} | `{r['adapter']}` | {r['trainable']:,} | {r['bytes_on_disk']:,} | {r['base_ppl']} -> {r['adapted_ppl']} | "
                f"{r['reduction_pct']}% | {r['bits_per_byte']} | {r['seconds_per_step']} | {r['sora_ranks_kept']} |\n")
print(open(os.path.join(dest, "table.md")).read())
