#!/usr/bin/env bash
# Block pruning + sensitivity-guided distillation against low rank + the same distillation, at the bytes of MiniLM with
# two blocks pruned (76,152,592 bytes): (a) prune the least sensitive block, factorise the rest with whitened SVD down to
# that size, recover 200 steps with the block map of the pruned file; (b) whitened SVD alone at that size (run.sh's
# minilm-whitened-as-prune2.onnx), recover 200 steps. LOWRANK = the CLI (bin/lowrank at the commit that adds this file).
set -euo pipefail
M=${M:-$HOME/.cache/lowrank4j/models/all-minilm-l6-v2}
WORK=${WORK:?set WORK}
LOWRANK=${LOWRANK:-bin/lowrank}
CALIB=${CALIB:-../shared/data/sotu}
STEPS=${STEPS:-200}
TARGET=$(stat -c %s $WORK/minilm-prune2-sensitivity.onnx)
$LOWRANK compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib $CALIB --force \
  --method hierarchical-prune:blocks=1 --out $WORK/minilm-d-prune1.onnx 2>&1 | grep -v '\['
$LOWRANK compress --model $WORK/minilm-d-prune1.onnx --tokenizer $M/tokenizer.json --calib $CALIB --force \
  --method whitened --target-size ${TARGET}B --out $WORK/minilm-d-prune1-whitened.onnx 2>&1 | grep -v '\['
$LOWRANK eval --reference $M/model.onnx --candidate $WORK/minilm-d-prune1-whitened.onnx --tokenizer $M/tokenizer.json --force \
  --out $WORK/minilm-d-prune1-whitened-eval.json 2>&1 | tail -3
for f in minilm-d-prune1-whitened minilm-whitened-as-prune2; do
  $LOWRANK recover --original $M/model.onnx --compressed $WORK/$f.onnx --tokenizer $M/tokenizer.json --steps $STEPS --force \
    --out $WORK/$f-rec$STEPS.onnx 2>&1 | tr '\r' '\n' | grep -v '\[' | grep -v SLF4J
done
