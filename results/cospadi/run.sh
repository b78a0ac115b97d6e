#!/usr/bin/env bash
# Issue 13, item 3: CoSpaDi (calibration-whitened sparse dictionaries, per layer and per group of two blocks) against
# whitened SVD (SVD-LLM's truncation), SVD-LLM (with its sequential update) and Basis Sharing (whitened SVD with one basis
# per two blocks) at the same counted storage, ratios 0.2 and 0.4, on all-MiniLM-L6-v2 and on models/sotu-decoder.
# From the repository root; $M the MiniLM folder; $WORK a scratch folder; LOWRANK overrides bin/lowrank.
# K-SVD runs 3 iterations here (the default is 10): the shared 2-core machine ran at a load of 15-20 during these runs.
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${WORK:?set WORK to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
methods=whitened,cospadi:iterations=3,svd-llm,cospadi:group=2:iterations=3,basis-sharing:group=2
"$lowrank" compare --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --methods $methods --allocations uniform \
  --ratios 0.2,0.4 --out "$WORK/compare-minilm" --force
"$lowrank" compare --model models/sotu-decoder --methods $methods --allocations uniform --ratios 0.2,0.4 \
  --max-bytes 30000 --calib-windows 64 --out "$WORK/compare-decoder" --force
