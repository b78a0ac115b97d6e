#!/usr/bin/env python3
"""Collects the runs of run.sh into summary.json and table.md: held-out loss and bits per byte, memory, tokens/s,
projection seconds. Usage (from the repository root): WORK=/some/scratch python3 results/lowrank-training/collect.py RUN..."""
import csv, json, math, os, sys

work = os.environ["WORK"]
rows = []
for run in sys.argv[1:]:
    record = json.load(open(os.path.join(work, run, "train-record.json")))
    log = list(csv.DictReader(open(os.path.join(work, run, "train-log.csv"))))
    validation = [(int(r["step"]), float(r["validation_loss"])) for r in log if r["validation_loss"]]
    last_step, last_val = validation[-1]
    train_tail = [float(r["loss"]) for r in log[-10:]]
    mem = record["memory_bytes"]
    speeds = sorted(float(r["tokens_per_s"]) for r in log)
    median_speed = speeds[len(speeds) // 2]
    rows.append({
        "run": run, "method_options": record["method_options"], "seed": record["seed"], "steps": last_step,
        "tokens": last_step * record["tokens_per_step"],
        "heldout_loss_nats_per_byte": last_val, "heldout_bits_per_byte": last_val / math.log(2),
        "train_loss_mean_last10": sum(train_tail) / len(train_tail),
        "weights_bytes": mem["weights"], "gradients_bytes": mem["gradients"], "optimizer_state_bytes": mem["optimizer_state"],
        "weights_plus_optimizer_bytes": mem["weights_plus_optimizer"],
        "tokens_per_s": record.get("tokens_per_s"), "step_tokens_per_s_median": median_speed, "seconds": record.get("seconds_this_run"),
        "projection_choice_s": record.get("optimizer_seconds", {}).get("projection_choice"),
        "projection_apply_s": record.get("optimizer_seconds", {}).get("projection_apply"),
        "validation_curve": validation,
    })
json.dump(rows, open("results/lowrank-training/summary.json", "w"), indent=2)
full = next((r for r in rows if r["run"].startswith("full")), None)
with open("results/lowrank-training/table.md", "w") as out:
    out.write("| run | options | held-out loss (nats/byte) | bits/byte | vs full | optimizer state (bytes) | vs full | weights+optimizer (bytes) | tokens/s (run; median step) | projection choice / apply (s) |\n")
    out.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        rel = (r["heldout_loss_nats_per_byte"] / full["heldout_loss_nats_per_byte"] - 1) * 100 if full else float("nan")
        mrel = r["optimizer_state_bytes"] / full["optimizer_state_bytes"] if full else float("nan")
        proj = "—" if r["projection_choice_s"] is None else "%.1f / %.1f" % (r["projection_choice_s"], r["projection_apply_s"])
        out.write("| %s | `%s` | %.4f | %.4f | %+.2f%% | %s | %.3f× | %s | %.1f; %.1f | %s |\n" % (
            r["run"], r["method_options"], r["heldout_loss_nats_per_byte"], r["heldout_bits_per_byte"], rel,
            format(r["optimizer_state_bytes"], ","), mrel, format(r["weights_plus_optimizer_bytes"], ","), r["tokens_per_s"] or float("nan"), r["step_tokens_per_s_median"], proj))
print(open("results/lowrank-training/table.md").read())
