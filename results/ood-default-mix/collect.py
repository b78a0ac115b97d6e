#!/usr/bin/env python3
"""Prints the tables of results/ood-default-mix/README.md from the records in this folder.

usage: python3 results/ood-default-mix/collect.py   (from the repository root)
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def figures(report):
    """(name -> (mean cos, recall@10)) for every set of an eval report."""
    return {s["name"]: (s["fidelity"]["meanCosine"], s["fidelity"]["recallAtK"]) for s in report["sets"]}


def cell(f):
    return "%.4f / %.3f" % f


def eval_table(rows):
    print("| file | held-out SOTU (in-domain) | Moby Dick narrative, ch. 68-135 | Moby Dick speech, ch. 68-135 | worst out-of-domain gap (cos) |")
    print("|---|---|---|---|---|")
    for label, name in rows:
        path = os.path.join(HERE, name)
        if not os.path.exists(path):
            continue
        f = figures(json.load(open(path)))
        held, nar, dia = f["held-out"], f["moby-dick-narrative"], f["moby-dick-dialogue"]
        gap = held[0] - min(nar[0], dia[0])
        print(f"| {label} | {cell(held)} | {cell(nar)} | {cell(dia)} | {gap:+.4f} |")


def compare_table(name):
    path = os.path.join(HERE, name, "results.json")
    if not os.path.exists(path):
        return
    print(f"\n{name}:")
    print("| method / allocation | ratio | held-out SOTU | narrative | speech |")
    print("|---|---|---|---|---|")
    for r in json.load(open(path))["runs"]:
        f = figures(r["eval"])
        print(f"| {r['method']} / {r['allocation']} | {r['ratio_requested']} | {cell(f['held-out'])} | "
              f"{cell(f['moby-dick-narrative'])} | {cell(f['moby-dick-dialogue'])} |")


def runs(prefix):
    """Every compare row of PREFIX and PREFIX-b, keyed by (allocation, ratio) for whitened."""
    out = {}
    for folder in (prefix, prefix + "-b"):
        path = os.path.join(HERE, folder, "results.json")
        if os.path.exists(path):
            for r in json.load(open(path))["runs"]:
                if r["method"] == "whitened":
                    out[(r["allocation"], r["ratio_requested"])] = figures(r["eval"])
    return out


def calibration_table(model, prefix, allocations):
    """Single-domain against mixed calibration at every ratio measured."""
    sotu, mix = runs(prefix + "-sotu"), runs(prefix + "-mix")
    for allocation in allocations:
        for ratio in sorted({k[1] for k in mix if k[0] == allocation}):
            for name, d in (("SOTU 1790–1899 (330 sentences)", sotu), ("the mix (default)", mix)):
                f = d.get((allocation, ratio))
                if f:
                    print(f"| {model}, whitened, {allocation}, {ratio} | {name} | {cell(f['held-out'])} | "
                          f"{cell(f['moby-dick-narrative'])} | {cell(f['moby-dick-dialogue'])} |")


if __name__ == "__main__":
    print("calibration study:")
    calibration_table("MiniLM", "cmp-minilm", ("global", "uniform"))
    calibration_table("bge-small", "cmp-bge", ("global",))
    print()
    eval_table([("MiniLM, whitened + sensitivity-greedy 0.2, SOTU calibration and probe (the recipe before)", "eval-sgS.json"),
                ("the same + `recover` 300 steps on SOTU (results/ood-mix)", "eval-sgA-rec300sotu.json"),
                ("MiniLM, whitened + sensitivity-greedy 0.2, mix calibration and probe (default)", "eval-sgM.json"),
                ("the same + `recover` 800 steps on the mix (the recipe)", "eval-sgM-rec800.json"),
                ("bge-small, whitened 0.2, mix calibration", "eval-bge-w20M.json"),
                ("the same + `recover` 150 steps on the mix", "eval-bge-w20M-rec150.json")])
    for folder in ("cmp-minilm-mix", "cmp-minilm-sotu", "cmp-bge-mix", "cmp-bge-sotu"):
        compare_table(folder)
