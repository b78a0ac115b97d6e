#!/usr/bin/env python3
"""Tables for results/cospadi/README.md from the compare records (rows.jsonl) of run.sh.
Usage: table.py ENCODER_ROWS[,ENCODER_ROWS...] DECODER_ROWS[,DECODER_ROWS...] (rows.jsonl files of compare)"""
import json, statistics, sys

def rows(paths):
    out = []
    for path in paths.split(","):
        for line in list(open(path))[1:]:
            out.append(json.loads(line)["run"])
    return out

def encoder(path):
    print("| method | ratio (targeted) | counted MB | ONNX file MB | mean cos | p5 cos | recall@10 | compress s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows(path):
        f = r["eval"]["fidelity"]
        # counted storage: the result's targeted count (index storage included) + the untouched parameters, float32
        counted = (r["parameters_model_before"] - r["parameters_targeted_before"] + r["parameters_targeted_after"]) * 4 / 1e6
        print(f"| {r['method']} | {r['ratio_targeted_layers']:.3f} | {counted:.1f} | {r['bytes_after'] / 1e6:.1f} | {f['meanCosine']:.4f} "
              f"| {f['p5Cosine']:.4f} | {f['recallAtK']:.4f} | {r['compress_seconds']:.0f} |")

def decoder(path):
    print("| method | ratio (targeted) | counted MB | perplexity | bits/byte | compress s |")
    print("|---|---|---|---|---|---|")
    for r in rows(path):
        e = r["eval"]
        print(f"| {r['method']} | {r['ratio_targeted_layers']:.3f} | {r['bytes_fp32_after'] / 1e6:.2f} | {e['perplexity']:.4f} "
              f"| {e['bits_per_byte']:.4f} | {r['compress_seconds']:.0f} |")

def losses(path, baseline, candidates):
    """Per-site relative output error on the calibration inputs (each method's own objective, the whitened error)."""
    by = {(r["method"], round(r["ratio_requested"], 2)): {s["site"]: s["relative_loss"] for s in r.get("ranks", [])} for r in rows(path)}
    for (method, ratio), sites in sorted(by.items()):
        if method not in candidates or (baseline, ratio) not in by:
            continue
        base = by[(baseline, ratio)]
        ratios = [sites[s] / base[s] for s in sites if s in base and base[s] > 1e-12]
        wins = sum(1 for x in ratios if x < 1)
        if ratios:
            print(f"- {method} vs {baseline} at {ratio}: relative loss ratio median {statistics.median(ratios):.2f}, "
                  f"lower on {wins} of {len(ratios)} sites (sites where {baseline} is exact left out)")

if __name__ == "__main__":
    enc, dec = sys.argv[1], sys.argv[2]
    encoder(enc)
    print()
    decoder(dec)
    print()
    for p in (enc, dec):
        losses(p, "whitened", {"cospadi:iterations=3"})
        losses(p, "basis-sharing:group=2", {"cospadi:group=2:iterations=3"})
