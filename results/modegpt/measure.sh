#!/usr/bin/env bash
# MoDeGPT on the SOTU decoder (issue 13): run from the repository root; $WORK is a scratch folder.
# Perplexity protocol of results/quantized-decoder: calibration SOTU 1790-1945 (16 windows), evaluation SOTU 1981-2021, first 5,120 bytes.
set -euo pipefail
WORK=${WORK:?set WORK to a scratch folder}
R=results/modegpt
CAL="--calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 16"
EVAL="--text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 5120"
ppl() { bin/lowrank perplexity --model "$1" $EVAL --json "$WORK/perplexity-$2.json" --force 2>&1 | grep -v "^\s*$" | tail -1
        sed "s#$WORK#\$WORK#g" "$WORK/perplexity-$2.json" > "$R/perplexity-$2.json"; }
ppl models/sotu-decoder fp32
for r in 0.1 0.2 0.3; do
  for m in modegpt modegpt:allocation=uniform svd-llm whitened; do
    n=$(echo "$m" | sed 's/:allocation=uniform/-uniform/')$r
    bin/lowrank compress --model models/sotu-decoder --method $m --ratio $r $CAL --out $WORK/$n --force 2>&1 | grep -E "wrote|sparsity" || true
    sed "s#$WORK#\$WORK#g; s#$PWD/##g" $WORK/$n.json > $R/compress-$n.json
    ppl $WORK/$n $n
  done
done
