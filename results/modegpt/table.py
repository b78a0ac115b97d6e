"""Prints the README's perplexity table from results/modegpt/{compress,perplexity}-*.json (run from the repository root)."""
import json, os

R = "results/modegpt"
fp32 = json.load(open(f"{R}/perplexity-fp32.json"))["perplexity"]
print("| method | ratio asked | ratio achieved (targeted) | whole model | MB | perplexity | vs fp32 | compress s (calibration excl.) |")
print("|---|---|---|---|---|---|---|---|")
print(f"| fp32 (reference) | - | 0 | 0 | {27629720/1e6:.2f} | {fp32:.4f} | - | - |")
for ratio in ("0.1", "0.2", "0.3"):
    for m in ("modegpt", "modegpt-uniform", "svd-llm", "whitened"):
        name = m + ratio
        if not os.path.exists(f"{R}/compress-{name}.json"):
            continue
        c = json.load(open(f"{R}/compress-{name}.json"))
        p = json.load(open(f"{R}/perplexity-{name}.json"))["perplexity"]
        label = {"modegpt": "modegpt (block influence)", "modegpt-uniform": "modegpt:allocation=uniform"}.get(m, m + " (" + c["allocation"] + ")")
        secs = c["compression_wall_seconds"] - c["calibration_seconds"]
        print(f"| {label} | {ratio} | {c['ratio_targeted_layers']:.4f} | {c['ratio_whole_model']:.4f} | {c['bytes_after']/1e6:.2f} | {p:.4f} | {p/fp32:.4f}x | {secs:.1f} |")
