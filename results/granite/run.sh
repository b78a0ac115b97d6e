#!/bin/bash
# Granite through the whole path, on a random model of its layout (granite-small.json: embeddings ×12, scores ×1/32 in
# place of head_dim^-1/2, each attention and MLP output ×0.22 before its residual add, logits ÷8, the multipliers of the
# Granite 3.x configs but the attention's, which is 1/64 there for heads of 64; 4 layers, byte vocabulary): compress
# (plain SVD, ratio 0.3), export both, the check in ONNX Runtime, and transformers.js's greedy texts and token ids against
# lowrank generate's. Random weights: the texts are noise, so this checks the plumbing and the numbers, not the language.
# Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/granite results/granite/run.sh > results/granite/run-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/granite
js=results/onnx-export/transformers-js
rm -rf "$out" && mkdir -p "$out"
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java $here/granite-small.json models/sotu-decoder/tokenizer.json \
  "$out/granite" --perturb
bin/lowrank compress --model "$out/granite" --method svd --ratio 0.3 --out "$out/granite-svd" 2>/dev/null | tail -1
for v in granite granite-svd; do
  $js/export-compare.sh "$out/$v" $v
done
