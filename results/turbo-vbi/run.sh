#!/usr/bin/env bash
# Turbo-VBI pruning of models/sotu-decoder's MLPs against magnitude pruning at the same zeros (results/turbo-vbi).
# Run from the repository root after `mvn -q -DskipTests package`, with the SOTU data in ../shared/data/sotu.
# WORK: a scratch folder for the pruned models; LOWRANK: the launcher (default bin/lowrank).
set -euo pipefail
WORK="${WORK:?set WORK to a scratch folder}"
LR="${LOWRANK:-bin/lowrank}"
R=results/turbo-vbi
DATA=../shared/data/sotu
TRAIN=(--data "$DATA" --from 1790 --to 1945)            # the decoder's own training years
STEPS=20; BATCH=4; RATE=2e-4                             # a short fine-tune: 20 steps x 4 windows x 256 bytes
EVAL=(--text "$DATA" --from 1981 --to 2021 --max-bytes 20000)   # held-out years, first 20,000 bytes
mkdir -p "$WORK"

ppl() { # name folder
  [ -f "$R/perplexity-$1.json" ] || "$LR" perplexity --model "$2" "${EVAL[@]}" --json "$R/perplexity-$1.json" --force
}
prune() { # folder args...
  local out="$1"; shift
  [ -f "$out/pruning.json" ] || "$LR" bayes-prune --out "$out" --force "$@"
}

ppl original models/sotu-decoder
# Turbo-VBI: a Bayesian fine-tune of the MLPs (default priors), pruned by q(s) < 0.5 and the neuron indicators
prune "$WORK/vbi" --model models/sotu-decoder --method turbo-vbi "${TRAIN[@]}" --steps $STEPS --batch $BATCH --lr $RATE --warmup 5 --update-every 5
cp "$WORK/vbi/pruning.json" "$R/pruning-vbi.json"; cp "$WORK/vbi/train-log.csv" "$R/train-log-vbi.csv"
ppl vbi "$WORK/vbi"
# the same zeros per projection, by magnitude (per weight, and whole neurons), without and with an equal fine-tune
magnitude() { # method steps name
  prune "$WORK/$3" --model models/sotu-decoder --method $1 --match "$R/pruning-vbi.json" "${TRAIN[@]}" --steps $2 --batch $BATCH --lr $RATE --warmup 5
  ppl $3 "$WORK/$3"
  cp "$WORK/$3/pruning.json" "$R/pruning-$3.json"
}
magnitude magnitude 0 magnitude
magnitude magnitude $STEPS magnitude-ft
magnitude magnitude-neuron 0 magnitude-neuron
# Turbo-VBI's pruned model with the same short fine-tune (zeros kept)
prune "$WORK/vbi-ft" --model "$WORK/vbi" --method keep-zeros "${TRAIN[@]}" --steps $STEPS --batch $BATCH --lr $RATE --warmup 5
ppl vbi-ft "$WORK/vbi-ft"
magnitude magnitude-neuron $STEPS magnitude-neuron-ft
# one table: perplexity and sparsity pattern per model (summary.csv)
python3 - "$R" <<'PY'
import json, os, sys
r = sys.argv[1]
rows = [("original", None), ("vbi", "vbi"), ("vbi-ft", "vbi"), ("magnitude", "magnitude"), ("magnitude-ft", "magnitude"),
        ("magnitude-neuron", "magnitude-neuron"), ("magnitude-neuron-ft", "magnitude-neuron")]
with open(os.path.join(r, "summary.csv"), "w") as out:
    out.write("model,perplexity,bits_per_byte,sparsity,zero_runs,mean_zero_run,neurons_removed,neurons\n")
    for name, pattern in rows:
        f = os.path.join(r, f"perplexity-{name}.json")
        if not os.path.exists(f):
            continue
        p = json.load(open(f))
        s = json.load(open(os.path.join(r, f"pruning-{pattern}.json"))) if pattern else None
        cols = [name, f"{p['perplexity']:.4f}", f"{p['bits_per_byte']:.4f}"]
        cols += [f"{s['sparsity']:.4f}", str(s['zero_runs']), f"{s['mean_zero_run']:.2f}", str(s['neurons_removed']), str(s['neurons'])] if s else ["0", "0", "0", "0", ""]
        out.write(",".join(cols) + "\n")
PY
# paths of the scratch models as $WORK (results/README.md)
sed -i "s#\"$WORK#\"\$WORK#g" "$R"/perplexity-*.json
