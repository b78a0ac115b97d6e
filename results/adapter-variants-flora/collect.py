#!/usr/bin/env python3
"""Builds table.csv and table.md from the runs of run.sh: python3 results/adapter-variants-flora/collect.py OUT [DEST]
(OUT: the folder run.sh wrote; DEST: where the table and each run's record, config, log and printout are copied).
The LoRA r = 8 row is read from results/adapter-variants/table.csv (cited, not rerun)."""
import csv, json, os, re, shutil, sys

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
dest = sys.argv[2] if len(sys.argv) > 2 else here
runs = ["heads-budget", "matrix-budget", "heads-small", "matrix-r8", "heads-budget-s0.5", "matrix-budget-s0.5"]
rows = []
for r in csv.DictReader(open(os.path.join(here, "..", "adapter-variants", "table.csv"))):
    if r["run"] == "lora-r8":
        rows.append({"run": "lora-r8 (cited)", "adapter": r["adapter"], "view_and_ranks": "[out, in], B A of rank 8",
                     "trainable": int(r["trainable"]), "bytes_on_disk": int(r["bytes_on_disk"]), "base_ppl": r["base_ppl"],
                     "adapted_ppl": r["adapted_ppl"], "reduction_pct": r["reduction_pct"], "bits_per_byte": r["bits_per_byte"],
                     "seconds_per_step": r["seconds_per_step"], "load_before_after": "35-45 (other table)"})
for name in runs:
    folder = os.path.join(out, name)
    record_file = os.path.join(folder, "finetune.json")
    if not os.path.exists(record_file):
        continue
    rec = json.load(open(record_file))
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in ("adapter_config.json", "adapter_model.safetensors"))
    views = rec["adapter_config"]["views"]
    kinds = {}
    for path, v in views.items():
        role = path.rsplit(".", 1)[-1]
        kinds.setdefault(role, "[" + ", ".join(f"{m} {s}" for m, s in zip(v["modes"], v["sizes"])) + "] ranks " + str(v["ranks"]))
    load = ""
    up = folder + ".uptime.txt"
    if os.path.exists(up):
        load = " / ".join(re.findall(r"load average: ([\d.]+)", open(up).read()))
    rows.append({
        "run": name, "adapter": rec["method"], "view_and_ranks": "; ".join(f"{k}: {v}" for k, v in kinds.items()),
        "trainable": rec["trainable_parameters"], "bytes_on_disk": size, "base_ppl": round(rec["before"]["perplexity"], 4),
        "adapted_ppl": round(rec["after"]["perplexity"], 4), "reduction_pct": round(100 * rec["perplexity_reduction"], 2),
        "bits_per_byte": round(rec["after"]["bits_per_byte"], 4), "seconds_per_step": round(rec["train_seconds_this_call"] / rec["steps"], 1),
        "load_before_after": load})
    keep = os.path.join(dest, name)
    os.makedirs(keep, exist_ok=True)
    for f in ("finetune.json", "adapter_config.json", "finetune-log.csv"):
        text = open(os.path.join(folder, f)).read().replace(out, "$WORK/adapter-variants-flora")
        text = re.sub(r'"(base_model_name_or_path|model)" : "[^"]*?/?(models/[^"]*)"', r'"\1" : "\2"', text)
        open(os.path.join(keep, f), "w").write(text)
    if os.path.exists(folder + ".stdout.txt"):
        text = open(folder + ".stdout.txt").read().replace("\r", "\n")
        lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("finetune ")]
        open(os.path.join(keep, "stdout.txt"), "w").write("\n".join(lines).replace(out, "$WORK/adapter-variants-flora") + "\n")
with open(os.path.join(dest, "table.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[-1].keys()))
    w.writeheader()
    w.writerows(rows)
with open(os.path.join(dest, "table.md"), "w") as f:
    f.write("| run | adapter | trainable | bytes on disk | held-out perplexity base -> adapted | reduction | bits/byte | s/step | load before / after |\n")
    f.write("|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        f.write(f"| {r['run']} | `{r['adapter']}` | {r['trainable']:,} | {r['bytes_on_disk']:,} | {r['base_ppl']} -> {r['adapted_ppl']} | "
                f"{r['reduction_pct']}% | {r['bits_per_byte']} | {r['seconds_per_step']} | {r['load_before_after']} |\n")
print(open(os.path.join(dest, "table.md")).read())
for r in rows:
    print(r["run"], "|", r["view_and_ranks"])
