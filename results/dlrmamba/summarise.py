"""Collects results/dlrmamba's JSON files into summary.csv (one row per model) and prints it."""
import csv, json, os, sys

out = sys.argv[1]
def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)

compress = load("compress-record.json")
rows = []
for name, label, objective in [("teacher", "full (teacher)", "-"), ("lowrank", "low-rank, no training", "-"),
                               ("distilled", "low-rank + distillation (λ=1)", "CE + 4·KL(τ=2) + 1·state"),
                               ("logits-only", "low-rank + logits-only distillation (λ=0)", "CE + 4·KL(τ=2)"),
                               ("cross-entropy", "low-rank + plain fine-tuning", "CE")]:
    p = load(f"perplexity-{name}.json")
    params = compress["parameters_model_before"] if name == "teacher" else compress["parameters_model_after"]
    steps = "" if name in ("teacher", "lowrank") else load(f"recover-{name}.json")["steps"]
    rows.append({"model": label, "objective": objective, "steps": steps, "parameters": params, "bytes_float32": 4 * params,
                 "perplexity": round(p["perplexity"], 4), "bits_per_byte": round(p["bits_per_byte"], 4), "held_out_bytes": p["bytes"]})
teacher = rows[0]["perplexity"]
for r in rows:
    r["perplexity_gap_to_teacher"] = round(r["perplexity"] - teacher, 4)
with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
for r in rows:
    print(r)
