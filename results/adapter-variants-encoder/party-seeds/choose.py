# Picks the head-start penalty from LoRA r = 8's validation runs: validation accuracy after, then macro-F1, then the smaller penalty.
import json, sys
best = None
for d in sys.argv[1:]:
    r = json.load(open(d + '/finetune.json'))
    l2 = float(d.rsplit('-', 1)[1])
    key = (r['validation']['after']['accuracy'], r['validation']['after']['macro_f1'], -l2)
    print(f"{d}: head_start {r['head_start']}, validation {r['validation']['before']['accuracy']:.4f} -> {r['validation']['after']['accuracy']:.4f} (F1 {r['validation']['after']['macro_f1']:.4f}); held-out {r['before']['accuracy']:.4f} -> {r['after']['accuracy']:.4f}", file=sys.stderr)
    best = max(best or key, key)
print(-best[2])
