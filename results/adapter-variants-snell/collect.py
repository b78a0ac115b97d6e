#!/usr/bin/env python3
"""Table and per-layer budgets of the runs of run.sh: python3 results/adapter-variants-snell/collect.py OUT [DEST]
(OUT: the folder run.sh wrote; DEST: where table.csv/.md, budgets.csv and each run's record, config, log, printout go)."""
import csv, json, os, re, shutil, sys

out = sys.argv[1]
dest = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
runs = ["snell-budget", "snell-q4", "snella-q8", "snella-q4", "snell-budget-lr3e-2", "snella-q8-lr3e-2", "snell-budget-lr1e-1",
        "snella-q8-lr1e-1", "snell-dense-lr3e-2", "snell-budget-lr3e-1", "snella-q8-lr1e-2", "lora-r8-lr1e-2", "lora-r8-lr3e-2",
        "lora-r8-lr1e-1"]
rows, budgets = [], []
for name in runs:
    folder = os.path.join(out, name)
    if not os.path.exists(os.path.join(folder, "finetune.json")):
        continue
    rec = json.load(open(os.path.join(folder, "finetune.json")))
    cfg = rec.get("adapter_config", {})
    entries = 1843200  # the 24 adapted matrices' entries (q, o 320x320; k, v 160x320; 6 blocks)
    kept = sum(cfg["kept"].values()) if "kept" in cfg else entries  # LoRA: a dense update
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in ("adapter_config.json", "adapter_model.safetensors"))
    load = open(folder + ".load.txt").read().split("load average:")[1].split(",")[0].strip() if os.path.exists(folder + ".load.txt") else ""
    rows.append({
        "run": name, "adapter": rec["method"], "lr": rec["learning_rate"], "trainable": rec["trainable_parameters"],
        "bytes_on_disk": size, "kept_entries": kept, "kept_pct": round(100 * kept / entries, 2),
        "sparse_delta_bytes": 8 * kept, "base_ppl": round(rec["before"]["perplexity"], 4), "adapted_ppl": round(rec["after"]["perplexity"], 4),
        "reduction_pct": round(100 * rec["perplexity_reduction"], 2), "bits_per_byte": round(rec["after"]["bits_per_byte"], 4),
        "seconds_per_step": round(rec["train_seconds_this_call"] / rec["steps"], 1), "load_at_start": load})
    if "scores" in cfg:
        for module, k in cfg["kept"].items():
            size = 102400 if module.endswith(("q_proj", "o_proj")) else 51200
            budgets.append({"run": name, "module": module, "kept": k, "of": size, "sparsity": round(1 - k / size, 4),
                            "score": round(cfg["scores"][module], 5)})
    keep = os.path.join(dest, name)
    os.makedirs(keep, exist_ok=True)
    for f in ("finetune.json", "adapter_config.json", "finetune-log.csv"):
        shutil.copy(os.path.join(folder, f), keep)
    config = os.path.join(keep, "adapter_config.json")  # LoRA records the base as an absolute path: keep it repository-relative
    text = re.sub(r'"base_model_name_or_path" : "[^"]*?/?(models/[^"]*)"', r'"base_model_name_or_path" : "\1"', open(config).read())
    open(config, "w").write(text)
    text = open(folder + ".stdout.txt").read().replace("\r", "\n")
    lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("finetune ")]
    open(os.path.join(keep, "stdout.txt"), "w").write("\n".join(lines).replace(out, "$WORK/adapter-variants-snell") + "\n")
with open(os.path.join(dest, "table.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
if budgets:
    with open(os.path.join(dest, "budgets.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(budgets[0].keys()))
        w.writeheader()
        w.writerows(budgets)
with open(os.path.join(dest, "table.md"), "w") as f:
    f.write("| run | adapter | lr | trainable | bytes on disk | ΔW entries kept | held-out perplexity base -> adapted | reduction | bits/byte | s/step | load |\n")
    f.write("|---|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        f.write(f"| {r['run']} | `{r['adapter']}` | {r['lr']:g} | {r['trainable']:,} | {r['bytes_on_disk']:,} | {r['kept_entries']:,} ({r['kept_pct']}%) | "
                f"{r['base_ppl']} -> {r['adapted_ppl']} | {r['reduction_pct']}% | {r['bits_per_byte']} | {r['seconds_per_step']} | {r['load_at_start']} |\n")
print(open(os.path.join(dest, "table.md")).read())
