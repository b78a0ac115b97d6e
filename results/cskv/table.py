"""Collects results/cskv/perplexity/*.json into results/cskv/summary.json and prints a markdown table."""
import json, pathlib, re

here = pathlib.Path(__file__).parent
full = json.loads((here / "perplexity/full.json").read_text())
rows = []
for f in sorted((here / "perplexity").glob("*.json")):
    r = json.loads(f.read_text())
    m = re.match(r"k([\d.]+)-v([\d.]+)-(svd|asvd)(-w1)?$", f.stem)
    if not m:
        continue
    k, v = float(m.group(1)), float(m.group(2))
    rk, rv = 4 * int(k * 40), 4 * int(v * 40)
    rows.append({"run": f.stem, "k_density": k, "v_density": v, "init": m.group(3), "window": 1 if m.group(4) else 32,
                 "cached_values_per_token_per_layer": rk + rv, "history_ratio_vs_full": (rk + rv) / 320,
                 "perplexity": r["perplexity"], "bits_per_byte": r["bits_per_byte"],
                 "perplexity_change_pct": 100 * (r["perplexity"] / full["perplexity"] - 1)})
rows.sort(key=lambda x: (-x["window"], -(x["k_density"] + x["v_density"]), x["k_density"], x["init"]))
summary = {"model": "models/sotu-decoder", "eval": "first 30,000 bytes of ../shared/data/sotu 1981-2021, windows of 256",
           "full_cache_perplexity": full["perplexity"], "full_cache_bits_per_byte": full["bits_per_byte"], "runs": rows}
(here / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
print("| run | ρ_k / ρ_v | init | window | cached values / token / layer (full 320) | perplexity | Δ vs full |")
print("|---|---|---|---|---|---|---|")
print(f"| full cache | 1 / 1 | — | — | 320 | {full['perplexity']:.4f} | — |")
for x in rows:
    print(f"| {x['run']} | {x['k_density']} / {x['v_density']} | {x['init']} | {x['window']} | {x['cached_values_per_token_per_layer']} "
          f"({x['history_ratio_vs_full']:.3f}×) | {x['perplexity']:.4f} | {x['perplexity_change_pct']:+.2f}% |")
