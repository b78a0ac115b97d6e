#!/usr/bin/env bash
# The bge-small part of the comparison, cut for time: 1 and 2 blocks, sensitivity order only (position order not run on bge), whitened
# low rank at the bytes of each pruned file. Same variables as run.sh.
set -euo pipefail
WORK=${WORK:?set WORK to a scratch folder}
BGE=${BGE:-$WORK/bge}
CALIB=${CALIB:-../shared/data/sotu}
name=bge; model=$BGE/bge-small-en-v1.5.onnx; tok=$BGE/bge-small-en-v1.5-tokenizer.json; pool=cls
for k in ${KS:-1 2}; do
  p=$WORK/$name-prune$k-sensitivity.onnx
  bin/lowrank compress --model "$model" --tokenizer "$tok" --calib "$CALIB" --pooling "$pool" --force \
    --method hierarchical-prune:blocks=$k --out "$p" 2>&1 | grep -v '\[' | tee -a $WORK/$name.log
  bin/lowrank eval --reference "$model" --candidate "$p" --tokenizer "$tok" --pooling "$pool" --force \
    --out $WORK/$name-prune$k-sensitivity-eval.json 2>&1 | tail -3 | tee -a $WORK/$name.log
  bytes=$(stat -c %s "$p")
  lr=$WORK/$name-whitened-as-prune$k.onnx
  bin/lowrank compress --model "$model" --tokenizer "$tok" --calib "$CALIB" --pooling "$pool" --force \
    --method whitened --target-size ${bytes}B --out "$lr" 2>&1 | grep -v '\[' | tee -a $WORK/$name.log
  bin/lowrank eval --reference "$model" --candidate "$lr" --tokenizer "$tok" --pooling "$pool" --force \
    --out $WORK/$name-whitened-as-prune$k-eval.json 2>&1 | tail -3 | tee -a $WORK/$name.log
done
