#!/usr/bin/env python3
"""Prints the results table of results/quantized-decoder from its JSON records (run from the repository root)."""
import json, os
R = "results/quantized-decoder"
fp = json.load(open(f"{R}/perplexity-fp32.json"))
fp30 = json.load(open(f"{R}/perplexity30k-fp32.json"))
def p30(name):
    f = f"{R}/perplexity30k-{name}.json"
    if not os.path.exists(f):
        return "— | —"
    v = json.load(open(f))["perplexity"]
    return f"{v:.4f} | {100*(v/fp30['perplexity']-1):+.2f}%"
print(f"| row | method spec | bytes of model.safetensors | bits per weight (block projections) | branch ranks (sum over 42 sites) | perplexity, 5,120 bytes | vs fp32 | perplexity, 30,000 bytes | vs fp32 |")
print("|---|---|---|---|---|---|---|---|---|")
print(f"| fp32 | — | 27,629,720 | 32 | — | {fp['perplexity']:.4f} | — | {fp30['perplexity']:.4f} | — |")
for b in (4, 3):
    for m in ("rtn", "gptq", "eora", "lqlora"):
        name = f"{m}{b}"
        if not os.path.exists(f"{R}/perplexity-{name}.json"):
            continue
        p = json.load(open(f"{R}/perplexity-{name}.json"))
        c = json.load(open(f"{R}/compress-{name}.json"))
        man = json.load(open(f"{R}/manifest-{name}.json"))
        ranks = sum(s["rank"] for s in man["sites"].values())
        print(f"| {name} | `{c['method']}` | {c['bytes_after']:,} | {man['bits_per_weight_targeted']:.3f} | {ranks} | {p['perplexity']:.4f} | {100*(p['perplexity']/fp['perplexity']-1):+.2f}% | {p30(name)} |")
