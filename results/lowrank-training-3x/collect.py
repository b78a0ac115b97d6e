#!/usr/bin/env python3
"""Collects run.sh's runs (one folder per METHOD-sSEED under $WORK) into summary.json and table.md: the trainer's
held-out loss, bits per byte on SOTU 1981–2021 (perplexity-*.json written by run.sh), measured memory and tokens/s.
With several seeds of a method the table gives the mean and the range.
Usage (from the repository root): WORK=/some/scratch python3 results/lowrank-training-3x/collect.py RUN..."""
import csv, json, math, os, statistics, sys

here = os.path.dirname(os.path.abspath(__file__))
work = os.environ["WORK"]
rows = []
for run in sys.argv[1:]:
    record = json.load(open(os.path.join(work, run, "train-record.json")))
    log = list(csv.DictReader(open(os.path.join(work, run, "train-log.csv"))))
    validation = [(int(r["step"]), float(r["validation_loss"])) for r in log if r["validation_loss"]]
    heldout = json.load(open(os.path.join(here, "perplexity-sotu-1981-2021-%s.json" % run)))
    mem = record["memory_bytes"]
    speeds = sorted(float(r["tokens_per_s"]) for r in log[1:])
    rows.append({
        "run": run, "method": run.rsplit("-s", 1)[0], "method_options": record["method_options"], "seed": record["seed"],
        "steps": validation[-1][0], "tokens": validation[-1][0] * record["tokens_per_step"],
        "heldout_loss_nats_per_byte": validation[-1][1], "sotu_1981_2021_bits_per_byte": heldout["bits_per_byte"],
        "weights_bytes": mem["weights"], "gradients_bytes": mem["gradients"], "optimizer_state_bytes": mem["optimizer_state"],
        "weights_plus_optimizer_bytes": mem["weights_plus_optimizer"],
        "tokens_per_s_run": record.get("tokens_per_s"), "tokens_per_s_median_step": speeds[len(speeds) // 2],
        "optimizer_seconds": record.get("optimizer_seconds"), "validation_curve": validation,
    })
json.dump(rows, open(os.path.join(here, "summary.json"), "w"), indent=2)

methods = list(dict.fromkeys(r["method"] for r in rows))
def mean(xs): return sum(xs) / len(xs)
def cell(xs, fmt):
    return fmt % mean(xs) if len(xs) == 1 else (fmt + " (" + fmt + "–" + fmt + ")") % (mean(xs), min(xs), max(xs))
full = [r for r in rows if r["method"] == "full"]
full_loss = mean([r["heldout_loss_nats_per_byte"] for r in full]) if full else float("nan")
full_state = full[0]["optimizer_state_bytes"] if full else float("nan")
with open(os.path.join(here, "table.md"), "w") as out:
    out.write("| method | options | seeds | held-out loss, nats/byte | vs full | bits/byte, SOTU 1981–2021 | optimizer state, bytes | vs full | weights + optimizer, bytes | tokens/s (median step) |\n")
    out.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for m in methods:
        rs = [r for r in rows if r["method"] == m]
        losses = [r["heldout_loss_nats_per_byte"] for r in rs]
        out.write("| %s | `%s` | %s | %s | %+.2f%% | %s | %s | %.3f× | %s | %s |\n" % (
            m, rs[0]["method_options"], ",".join(str(r["seed"]) for r in rs), cell(losses, "%.4f"),
            (mean(losses) / full_loss - 1) * 100, cell([r["sotu_1981_2021_bits_per_byte"] for r in rs], "%.3f"),
            format(rs[0]["optimizer_state_bytes"], ","), rs[0]["optimizer_state_bytes"] / full_state,
            format(rs[0]["weights_plus_optimizer_bytes"], ","), cell([r["tokens_per_s_median_step"] for r in rs], "%.0f")))
print(open(os.path.join(here, "table.md")).read())
