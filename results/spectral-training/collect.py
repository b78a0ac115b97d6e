#!/usr/bin/env python3
"""Collects the runs of run.sh (in $WORK) and the baselines already in results/lowrank-training (their copied logs,
records and perplexity files) into summary.json and table.md: held-out loss on the trainer's validation split, bits per
byte on SOTU 1981-2021, memory, tokens/s. Copies each new run's train-log.csv and train-record.json next to them.
Usage (from the repository root): WORK=/some/scratch python3 results/spectral-training/collect.py RUN..."""
import csv, json, math, os, shutil, sys

here, base = "results/spectral-training", "results/lowrank-training"
work = os.environ["WORK"]


def load(run, folder, log_path, record_path):
    record = json.load(open(record_path))
    log = list(csv.DictReader(open(log_path)))
    validation = [(int(r["step"]), float(r["validation_loss"])) for r in log if r["validation_loss"]]
    last_step, last_val = validation[-1]
    speeds = sorted(float(r["tokens_per_s"]) for r in log)
    ppl_path = os.path.join(folder, "perplexity-sotu-1981-2021-%s.json" % run)
    bpb = json.load(open(ppl_path))["bits_per_byte"] if os.path.exists(ppl_path) else None
    mem = record["memory_bytes"]
    return {"run": run, "source": folder, "method_options": record["method_options"], "seed": record["seed"], "steps": last_step,
            "tokens": last_step * record["tokens_per_step"], "heldout_loss_nats_per_byte": last_val,
            "heldout_bits_per_byte": last_val / math.log(2), "sotu_1981_2021_bits_per_byte": bpb,
            "weights_bytes": mem["weights"], "gradients_bytes": mem["gradients"], "optimizer_state_bytes": mem["optimizer_state"],
            "weights_plus_optimizer_bytes": mem["weights_plus_optimizer"], "total_bytes": mem["weights"] + mem["gradients"] + mem["optimizer_state"],
            "tokens_per_s": record.get("tokens_per_s"), "step_tokens_per_s_median": speeds[len(speeds) // 2],
            "seconds": record.get("seconds_this_run"), "optimizer_seconds": record.get("optimizer_seconds", {}),
            "validation_curve": validation}


rows = []
for run in ["full-s1", "galore-s1"]:
    rows.append(load(run, base, "%s/train-log-%s.csv" % (base, run), "%s/train-record-%s.json" % (base, run)))
for run in sys.argv[1:]:
    shutil.copyfile(os.path.join(work, run, "train-log.csv"), "%s/train-log-%s.csv" % (here, run))
    shutil.copyfile(os.path.join(work, run, "train-record.json"), "%s/train-record-%s.json" % (here, run))
    rows.append(load(run, here, "%s/train-log-%s.csv" % (here, run), "%s/train-record-%s.json" % (here, run)))
json.dump(rows, open(here + "/summary.json", "w"), indent=2)
full = rows[0]
with open(here + "/table.md", "w") as out:
    out.write("| run (source) | options | held-out loss (nats/byte) | vs full | bits/byte 1981–2021 | vs full | weights (B) | gradients (B) "
              "| optimizer state (B) | vs full | weights+grads+state (B) | vs full | tokens/s (run; median step) |\n")
    out.write("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        rel = (r["heldout_loss_nats_per_byte"] / full["heldout_loss_nats_per_byte"] - 1) * 100
        b = r["sotu_1981_2021_bits_per_byte"]
        brel = "—" if b is None else "%+.2f%%" % ((b / full["sotu_1981_2021_bits_per_byte"] - 1) * 100)
        out.write("| %s (%s) | `%s` | %.4f | %+.2f%% | %s | %s | %s | %s | %s | %.3f× | %s | %.3f× | %.1f; %.1f |\n" % (
            r["run"], r["source"].split("/")[-1], r["method_options"], r["heldout_loss_nats_per_byte"], rel,
            "—" if b is None else "%.3f" % b, brel, format(r["weights_bytes"], ","), format(r["gradients_bytes"], ","),
            format(r["optimizer_state_bytes"], ","), r["optimizer_state_bytes"] / full["optimizer_state_bytes"],
            format(r["total_bytes"], ","), r["total_bytes"] / full["total_bytes"], r["tokens_per_s"] or float("nan"), r["step_tokens_per_s_median"]))
print(open(here + "/table.md").read())
