#!/bin/bash
# OLMo 2 through the whole path, on a random model of its layout (olmo2-small.json: 4 layers of width 256, 8 heads,
# post-norms without pre-norms, q/k norms over the whole projections, RoPE base 5·10⁵, untied head, byte vocabulary):
# compress (plain SVD, ratio 0.3), export both, the check in ONNX Runtime, and transformers.js's greedy texts and token
# ids against lowrank generate's. Random weights: the texts are noise, so this checks the plumbing and the numbers, not
# the language. Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/olmo2 results/olmo2/run.sh > results/olmo2/run-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/olmo2
js=results/onnx-export/transformers-js
rm -rf "$out" && mkdir -p "$out"
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java $here/olmo2-small.json models/sotu-decoder/tokenizer.json \
  "$out/olmo2" --perturb
bin/lowrank compress --model "$out/olmo2" --method svd --ratio 0.3 --out "$out/olmo2-svd" 2>/dev/null | tail -1
for v in olmo2 olmo2-svd; do
  $js/export-compare.sh "$out/$v" $v
done
