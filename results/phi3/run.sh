#!/bin/bash
# Phi-3 through the whole path, on a random model of its layout (phi3-small.json: 4 layers of width 256, 8 heads over 4
# key/value heads, checkpoints with fused qkv_proj and gate_up_proj, a sliding window of 2,047 on every layer as in
# Phi-3-mini-4k, untied head, byte vocabulary) and the same weights with a window of 16 (which the prompts and their
# continuations run past): compress (plain SVD, ratio 0.3), export both, the check in ONNX Runtime, and transformers.js's
# greedy texts and token ids against lowrank generate's. Random weights: the texts are noise, so this checks the plumbing
# and the numbers, not the language. Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/phi3 results/phi3/run.sh > results/phi3/run-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/phi3
js=results/onnx-export/transformers-js
rm -rf "$out" && mkdir -p "$out"
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java $here/phi3-small.json models/sotu-decoder/tokenizer.json \
  "$out/phi3" --perturb
cp -r "$out/phi3" "$out/phi3-w16"
sed -i 's/"sliding_window": 2047/"sliding_window": 16/' "$out/phi3-w16/config.json"
grep -q '"sliding_window": 16' "$out/phi3-w16/config.json"
for m in phi3 phi3-w16; do
  bin/lowrank compress --model "$out/$m" --method svd --ratio 0.3 --out "$out/$m-svd" 2>/dev/null | tail -1
  for v in $m $m-svd; do
    $js/export-compare.sh "$out/$v" $v
  done
done
