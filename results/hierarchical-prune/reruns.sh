#!/usr/bin/env bash
# What was rerun after out-of-memory kills on the shared machine (the scripts above stopped part-way), as run:
# 1. run-distill.sh's two recovers, with 80 steps instead of 200 and a 2.5 GB heap (LOWRANK = the CLI built from the
#    commit that makes BertOnnx read block-pruned graphs; the first attempt at the pruned file failed there);
# 2. run-bge.sh's whitened compression for one block, with a 3 GB heap (LOWRANK_JAVA_OPTS=-Xmx3g), and its eval.
set -euo pipefail
M=${M:-$HOME/.cache/lowrank4j/models/all-minilm-l6-v2}
WORK=${WORK:?set WORK}
BGE=${BGE:-$WORK/bge}
LOWRANK=${LOWRANK:-bin/lowrank}
for f in minilm-whitened-as-prune2 minilm-d-prune1-whitened; do
  LOWRANK_JAVA_OPTS=-Xmx2500m $LOWRANK recover --original $M/model.onnx --compressed $WORK/$f.onnx --tokenizer $M/tokenizer.json \
    --steps 80 --force --out $WORK/$f-rec80.onnx
done
bytes=$(stat -c %s $WORK/bge-prune1-sensitivity.onnx)
LOWRANK_JAVA_OPTS=-Xmx3g $LOWRANK compress --model $BGE/bge-small-en-v1.5.onnx --tokenizer $BGE/bge-small-en-v1.5-tokenizer.json \
  --calib ../shared/data/sotu --pooling cls --force --method whitened --target-size ${bytes}B --out $WORK/bge-whitened-as-prune1.onnx
LOWRANK_JAVA_OPTS=-Xmx3g $LOWRANK eval --reference $BGE/bge-small-en-v1.5.onnx --candidate $WORK/bge-whitened-as-prune1.onnx \
  --tokenizer $BGE/bge-small-en-v1.5-tokenizer.json --pooling cls --force --out $WORK/bge-whitened-as-prune1-eval.json
