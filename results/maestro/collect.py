#!/usr/bin/env python3
"""Collects the Maestro runs (in $WORK) and the full-AdamW baseline of results/lowrank-training into summary.json and
table.md: held-out loss on the trainer's validation split, bits per byte on SOTU 1981-2021, the same after plain SVD
compression at each ratio, memory, tokens/s, kept ranks. Copies each run's train-log.csv and train-record.json here.
Usage (from the repository root): WORK=/some/scratch python3 results/maestro/collect.py "RATIO..." RUN..."""
import csv, json, math, os, shutil, sys

here, base = "results/maestro", "results/lowrank-training"
work = os.environ["WORK"]
ratios = [round(float(r) * 100) for r in sys.argv[1].split()]
# block matrix shapes of the SOTU decoder configuration (hidden 320, 8/4 heads of 40, SwiGLU 864): (out, in) per site kind
shapes = {"attention.query": (320, 320), "attention.key": (160, 320), "attention.value": (160, 320), "attention.output": (320, 320),
          "mlp.gate": (864, 320), "mlp.up": (864, 320), "mlp.down": (320, 864)}


def bpb(tag):
    path = "%s/perplexity-sotu-1981-2021-%s.json" % (here, tag)
    return json.load(open(path))["bits_per_byte"] if os.path.exists(path) else None


def load(run, log_path, record_path):
    record = json.load(open(record_path))
    log = list(csv.DictReader(open(log_path)))
    validation = [(int(r["step"]), float(r["validation_loss"])) for r in log if r["validation_loss"]]
    speeds = sorted(float(r["tokens_per_s"]) for r in log)
    mem = record["memory_bytes"]
    row = {"run": run, "method_options": record["method_options"], "seed": record["seed"], "steps": validation[-1][0],
           "heldout_loss_nats_per_byte": validation[-1][1], "sotu_1981_2021_bits_per_byte": bpb(run),
           "after_svd": {str(r): bpb("%s-svd%d" % (run, r)) for r in ratios},
           "weights_bytes": mem["weights"], "gradients_bytes": mem["gradients"], "optimizer_state_bytes": mem["optimizer_state"],
           "total_bytes": mem["weights"] + mem["gradients"] + mem["optimizer_state"], "tokens_per_s": record.get("tokens_per_s"),
           "step_tokens_per_s_median": speeds[len(speeds) // 2], "validation_curve": validation}
    ranks = record.get("site_ranks")
    if ranks:
        kept = sum(k * sum(shapes[s.split(" ", 2)[2]]) for s, k in ranks.items())
        dense = sum(shapes[s.split(" ", 2)[2]][0] * shapes[s.split(" ", 2)[2]][1] for s in ranks)
        full_rank = sum(min(shapes[s.split(" ", 2)[2]]) for s in ranks)
        row["site_ranks"] = ranks
        row["kept_components"] = sum(ranks.values())
        row["kept_fraction_of_min_dims"] = sum(ranks.values()) / full_rank
        row["kept_factor_params_over_dense"] = kept / dense
    return row


rows = [load("full-s1", "%s/train-log-full-s1.csv" % base, "%s/train-record-full-s1.json" % base)]
for run in sys.argv[2:]:
    shutil.copyfile(os.path.join(work, run, "train-log.csv"), "%s/train-log-%s.csv" % (here, run))
    shutil.copyfile(os.path.join(work, run, "train-record.json"), "%s/train-record-%s.json" % (here, run))
    rows.append(load(run, "%s/train-log-%s.csv" % (here, run), "%s/train-record-%s.json" % (here, run)))
json.dump(rows, open(here + "/summary.json", "w"), indent=2)
full = rows[0]
with open(here + "/table.md", "w") as out:
    out.write("| run | options | held-out loss (nats/byte) | vs full | bits/byte 1981–2021 | vs full | "
              + " | ".join("after svd --ratio 0.%02d (cost)" % r for r in ratios)
              + " | kept components (of min dims) | weights+grads+state (B) | vs full | tokens/s (run; median step) |\n")
    out.write("|---" * (10 + len(ratios)) + "|\n")
    for r in rows:
        b = r["sotu_1981_2021_bits_per_byte"]
        cells = []
        for k in ratios:
            a = r["after_svd"][str(k)]
            cells.append("—" if a is None or b is None else "%.3f (%+.2f%%)" % (a, (a / b - 1) * 100))
        kept = "—" if "kept_components" not in r else "%d (%.1f%%)" % (r["kept_components"], 100 * r["kept_fraction_of_min_dims"])
        out.write("| %s | `%s` | %.4f | %+.2f%% | %.3f | %+.2f%% | %s | %s | %s | %.3f× | %.1f; %.1f |\n" % (
            r["run"], r["method_options"], r["heldout_loss_nats_per_byte"],
            (r["heldout_loss_nats_per_byte"] / full["heldout_loss_nats_per_byte"] - 1) * 100, b,
            (b / full["sotu_1981_2021_bits_per_byte"] - 1) * 100, " | ".join(cells), kept, format(r["total_bytes"], ","),
            r["total_bytes"] / full["total_bytes"], r["tokens_per_s"] or float("nan"), r["step_tokens_per_s_median"]))
print(open(here + "/table.md").read())
for r in rows[1:]:
    if "kept_components" in r:
        print(r["run"], "kept factor parameters / dense parameters of the block matrices: %.3f" % r["kept_factor_params_over_dense"])
