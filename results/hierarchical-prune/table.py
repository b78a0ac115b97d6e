#!/usr/bin/env python3
"""Collects the records (compress) and eval JSONs of this folder into results.md's tables. Run from this folder."""
import json, os, glob

def load(name):
    return json.load(open(name)) if os.path.exists(name) else None

rows = []
for model in ("minilm", "bge"):
    for k in (1, 2, 3):
        for label, stem in ((f"prune {k} (sensitivity)", f"{model}-prune{k}-sensitivity"),
                            (f"prune {k} (position)", f"{model}-prune{k}-position"),
                            (f"whitened at prune-{k} bytes", f"{model}-whitened-as-prune{k}")):
            rec, ev = load(stem + ".json"), load(stem + "-eval.json")
            if rec is None or ev is None:
                continue
            d = rec.get("details", {})
            f = ev["fidelity"]
            ood = min(s["fidelity"]["meanCosine"] for s in ev["sets"] if not s["inDomain"])
            rows.append((model, label, ev["sizes"]["bytesCandidate"], ev["sizes"]["bytesCandidate"] / ev["sizes"]["bytesReference"],
                         rec["ratio_whole_model"], rec["ratio_targeted_layers"], f["meanCosine"], f["p5Cosine"], f["recallAtK"], ood,
                         ev["latency"]["ratio"], d.get("removed_blocks", "")))
out = ["| model | variant | bytes | × original | whole-model ratio | targeted-layer ratio | mean cos | p5 cos | recall@10 | worst OOD mean cos | latency × original (eval, shared machine) | removed blocks |",
       "|---|---|---|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    out.append("| %s | %s | %s | %.3f | %.4f | %.4f | %.4f | %.4f | %.3f | %.4f | %.2f | %s |" % (r[0], r[1], format(r[2], ","), r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]))
print("\n".join(out))

# distillation: before/after recover (80 steps) on the two 0.842x-byte files; pruning alone for reference
print()
print("| variant (MiniLM, ≤ 76,153,663 bytes) | recover steps | mean cos before | after | p5 cos before | after | recall@10 before | after | worst OOD mean cos before | after |")
print("|---|---|---|---|---|---|---|---|---|---|")
ev = load("minilm-prune2-sensitivity-eval.json")
if ev:
    f = ev["fidelity"]
    ood = min(x["fidelity"]["meanCosine"] for x in ev["sets"] if not x["inDomain"])
    print("| prune 2 blocks [2, 3] (no factors: recover cannot train it) | — | %.4f | — | %.4f | — | %.3f | — | %.4f | — |" % (f["meanCosine"], f["p5Cosine"], f["recallAtK"], ood))
for label, stem in (("prune 1 block [2] + whitened (sensitivity-guided distillation)", "minilm-d-prune1-whitened"),
                    ("whitened alone", "minilm-whitened-as-prune2")):
    for rec in sorted(glob.glob(stem + "-rec*.json")):
        r = json.load(open(rec))
        b, a = r["before"], r["after"]
        steps = r.get("endStep", "?")
        ob = min(o["before"]["meanCosine"] for o in r["outOfDomain"])
        oa = min(o["after"]["meanCosine"] for o in r["outOfDomain"])
        print("| %s | %s | %.4f | %.4f | %.4f | %.4f | %.3f | %.3f | %.4f | %.4f |" % (label, steps, b["meanCosine"], a["meanCosine"], b["p5Cosine"],
              a["p5Cosine"], b["recallAtK"], a["recallAtK"], ob, oa))
