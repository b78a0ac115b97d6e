#!/usr/bin/env python3
"""Tables of the PELA sweep from the recovery records run.sh writes (OUT/*-pela*.json); copies them into records/.

usage: python3 results/pela-sweep/collect.py $OUT > results/pela-sweep/table.md
"""
import json
import os
import statistics
import sys

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "records"), exist_ok=True)


def distances(ds):
    rel = [d["relative"] for d in ds]
    mx = [d["maxEntry"] for d in ds]
    return statistics.mean(rel), max(mx), statistics.mean(mx)


rows = {"minilm": [], "decoder": []}
for name in sorted(os.listdir(out)):
    if not name.endswith(".json") or "-pela" not in name:
        continue
    text = open(os.path.join(out, name)).read().replace(out, "$OUT")
    if os.environ.get("M"):
        text = text.replace(os.environ["M"].rstrip("/"), "$M")
    open(os.path.join(here, "records", name), "w").write(text)
    r = json.loads(text)
    model, rest = name.split("-w", 1)
    ratio = "0." + rest.split("-")[0][:1]
    weight = r["options"]["pelaWeight"]
    before_d, after_d = distances(r["weightDistanceBefore"]), distances(r["weightDistanceAfter"])
    if model == "minilm":
        ood = {s["set"]: s["after"]["meanCosine"] for s in r["outOfDomain"]}
        rows[model].append((ratio, weight, r["before"]["meanCosine"], r["after"]["meanCosine"], r["after"]["recallAtK"],
                            min(ood.values()), before_d, after_d))
    else:
        rows[model].append((ratio, weight, r["before"]["perplexity"], r["after"]["perplexity"], r["originalPerplexity"]["perplexity"],
                            None, before_d, after_d))

print("### all-MiniLM-L6-v2 (whitened, global; 100 steps)\n")
print("| ratio | PELA weight | mean cos before | after | recall@10 after | worst OOD cos after | mean ‖AB−W‖/‖W‖ before → after | largest max abs(AB−W) before → after |")
print("|---|---|---|---|---|---|---|---|")
for ratio, w, b, a, rec, ood, bd, ad in sorted(rows["minilm"]):
    print(f"| {ratio} | {w:g} | {b:.4f} | {a:.4f} | {rec:.3f} | {ood:.4f} | {bd[0]:.4f} → {ad[0]:.4f} | {bd[1]:.3f} → {ad[1]:.3f} |")
print("\n### models/sotu-decoder (whitened, global; 60 steps of 4 windows, lr 1e-4)\n")
print("| ratio | PELA weight | perplexity before | after | dense | mean ‖AB−W‖/‖W‖ before → after | largest max abs(AB−W) before → after |")
print("|---|---|---|---|---|---|---|")
for ratio, w, b, a, dense, _, bd, ad in sorted(rows["decoder"]):
    print(f"| {ratio} | {w:g} | {b:.4f} | {a:.4f} | {dense:.4f} | {bd[0]:.4f} → {ad[0]:.4f} | {bd[1]:.3f} → {ad[1]:.3f} |")
