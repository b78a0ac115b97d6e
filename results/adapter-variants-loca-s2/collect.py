#!/usr/bin/env python3
"""Builds table.csv and table.md from the runs of run.sh: python3 results/adapter-variants-loca-s2/collect.py OUT [DEST]
(OUT: the folder run.sh wrote; DEST: where the table and each run's record, config, log, printout and load are copied)."""
import csv, json, os, re, shutil, sys

out = sys.argv[1]
dest = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
runs = ["loca-budget", "loca-1000", "loca-budget-lr3e-2", "loca-budget-locations", "loca-budget-locations-lr3e-2", "loca-1000-lr3e-2", "s2lora-budget", "s2lora-budget-s2", "s2lora-r8", "s2lora-r8-sparse"]
rows = []
for name in runs:
    folder = os.path.join(out, name)
    record_file = os.path.join(folder, "finetune.json")
    if not os.path.exists(record_file):
        continue
    rec = json.load(open(record_file))
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in ("adapter_config.json", "adapter_model.safetensors"))
    note = ""
    for line in rec.get("report", []):
        if line.startswith("LoCA locations moved") or line.startswith("S2-LoRA non-zero"):
            note = line.split(": ", 1)[1]
    rows.append({
        "run": name, "adapter": rec["method"], "lr": rec["learning_rate"], "steps": rec["steps"], "trainable": rec["trainable_parameters"],
        "bytes_on_disk": size, "base_ppl": round(rec["before"]["perplexity"], 4), "adapted_ppl": round(rec["after"]["perplexity"], 4),
        "reduction_pct": round(100 * rec["perplexity_reduction"], 2), "bits_per_byte": round(rec["after"]["bits_per_byte"], 4),
        "seconds_per_step": round(rec["train_seconds_this_call"] / rec["steps"], 1), "note": note})
    keep = os.path.join(dest, name)
    os.makedirs(keep, exist_ok=True)
    for f in ("finetune.json", "adapter_config.json", "finetune-log.csv"):
        shutil.copy(os.path.join(folder, f), keep)
    for f in (os.path.join(keep, "adapter_config.json"), os.path.join(keep, "finetune.json")):  # keep paths repository-relative
        text = re.sub(r'"([^"]*?/)?(models/[^"]*)"', r'"\2"', open(f).read()).replace(out, "$WORK/adapter-variants-loca-s2")
        text = re.sub(r'"[^"]*?/shared/data/', '"../shared/data/', text)
        open(f, "w").write(text)
    if os.path.exists(folder + ".stdout.txt"):
        text = open(folder + ".stdout.txt").read().replace("\r", "\n")
        lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("finetune ")]
        open(os.path.join(keep, "stdout.txt"), "w").write("\n".join(lines).replace(out, "$WORK/adapter-variants-loca-s2") + "\n")
    if os.path.exists(folder + ".uptime.txt"):
        shutil.copy(folder + ".uptime.txt", os.path.join(keep, "uptime.txt"))
with open(os.path.join(dest, "table.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
with open(os.path.join(dest, "table.md"), "w") as f:
    f.write("| run | adapter | lr | trainable | bytes on disk | held-out perplexity base -> adapted | reduction | bits/byte | s/step | locations moved / non-zero λ |\n")
    f.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        f.write(f"| {r['run']} | `{r['adapter']}` | {r['lr']} | {r['trainable']:,} | {r['bytes_on_disk']:,} | {r['base_ppl']} -> {r['adapted_ppl']} | "
                f"{r['reduction_pct']}% | {r['bits_per_byte']} | {r['seconds_per_step']} | {r['note']} |\n")
print(open(os.path.join(dest, "table.md")).read())
