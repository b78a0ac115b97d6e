#!/usr/bin/env python3
"""Collects the runs of run.sh (in $WORK) with the full / GaLore / Fira / DCT rows of results/lowrank-training (same setup)
into summary.json and table.md: held-out loss and bits per byte, memory, tokens/s; copies each run's log and record here
and writes $WORK instead of the scratch path into the perplexity files.
Usage (from the repository root): WORK=/some/scratch python3 results/sparse-lowrank-training/collect.py RUN..."""
import csv, json, math, os, shutil, sys

work = os.environ["WORK"].rstrip("/")
here = "results/sparse-lowrank-training"
ref = "results/lowrank-training"


def row(run, record, log, perplexity):
    validation = [(int(r["step"]), float(r["validation_loss"])) for r in log if r["validation_loss"]]
    last_step, last_val = validation[-1]
    mem = record["memory_bytes"]
    speeds = sorted(float(r["tokens_per_s"]) for r in log)
    return {
        "run": run, "method_options": record["method_options"], "seed": record["seed"], "steps": last_step,
        "learning_rate": record["learning_rate"], "tokens": last_step * record["tokens_per_step"],
        "heldout_loss_nats_per_byte": last_val, "heldout_bits_per_byte": last_val / math.log(2),
        "sotu_1981_2021_bits_per_byte": perplexity["bits_per_byte"] if perplexity else None,
        "weights_bytes": mem["weights"], "gradients_bytes": mem["gradients"], "optimizer_state_bytes": mem["optimizer_state"],
        "weights_plus_optimizer_bytes": mem["weights_plus_optimizer"],
        "step_tokens_per_s_median": speeds[len(speeds) // 2], "seconds": record.get("seconds_this_run"),
        "validation_curve": validation,
    }


def load_json(path):
    return json.load(open(path)) if os.path.exists(path) else None


rows = []
for run in ["full-s1", "galore-s1", "fira-s1", "galore-dct-s1"]:
    rows.append(row(run, json.load(open(f"{ref}/train-record-{run}.json")), list(csv.DictReader(open(f"{ref}/train-log-{run}.csv"))),
                    load_json(f"{ref}/perplexity-sotu-1981-2021-{run}.json")))
for run in sys.argv[1:]:
    shutil.copyfile(os.path.join(work, run, "train-record.json"), f"{here}/train-record-{run}.json")
    shutil.copyfile(os.path.join(work, run, "train-log.csv"), f"{here}/train-log-{run}.csv")
    ppl_path = f"{here}/perplexity-sotu-1981-2021-{run}.json"
    ppl = load_json(ppl_path)
    if ppl and ppl["model"].startswith(work):
        ppl["model"] = "$WORK" + ppl["model"][len(work):]
        with open(ppl_path, "w") as f:
            f.write(json.dumps(ppl, indent=2) + "\n")
    rows.append(row(run, json.load(open(f"{here}/train-record-{run}.json")), list(csv.DictReader(open(f"{here}/train-log-{run}.csv"))), ppl))
json.dump(rows, open(f"{here}/summary.json", "w"), indent=2)
full = rows[0]
with open(f"{here}/table.md", "w") as out:
    out.write("| run | options (LR) | held-out loss (a), nats/byte | bits/byte (a) | vs full | bits/byte (b) 1981–2021 | vs full "
              "| weights, bytes | optimizer state, bytes | weights + optimizer, bytes | vs full | tokens/s (median step) |\n")
    out.write("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        rel = (r["heldout_loss_nats_per_byte"] / full["heldout_loss_nats_per_byte"] - 1) * 100
        b = r["sotu_1981_2021_bits_per_byte"]
        brel = "—" if b is None else "%+.2f%%" % ((b / full["sotu_1981_2021_bits_per_byte"] - 1) * 100)
        out.write("| %s | `%s` (%g) | %.4f | %.3f | %+.2f%% | %s | %s | %s | %s | %s | %.3f× | %.1f |\n" % (
            r["run"], r["method_options"], r["learning_rate"], r["heldout_loss_nats_per_byte"], r["heldout_bits_per_byte"], rel,
            "—" if b is None else "%.3f" % b, brel, format(r["weights_bytes"], ","), format(r["optimizer_state_bytes"], ","),
            format(r["weights_plus_optimizer_bytes"], ","), r["weights_plus_optimizer_bytes"] / full["weights_plus_optimizer_bytes"],
            r["step_tokens_per_s_median"]))
print(open(f"{here}/table.md").read())
