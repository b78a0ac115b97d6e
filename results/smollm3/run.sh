#!/bin/bash
# SmolLM3 through the whole path, on a random model of its layout (smollm3-small.json: 8 layers, layers 3 and 7 without
# RoPE by the default no_rope_layer_interval of 4, RoPE base 5·10⁶, byte vocabulary) and the same weights with
# use_sliding_window and a window of 16 (which goes to the layers without RoPE; the prompts and their continuations run
# past it): compress (plain SVD, ratio 0.3), export both, the check in ONNX Runtime, and transformers.js's greedy texts and
# token ids against lowrank generate's. Random weights: the texts are noise, so this checks the plumbing and the numbers,
# not the language. Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/smollm3 results/smollm3/run.sh > results/smollm3/run-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/smollm3
js=results/onnx-export/transformers-js
rm -rf "$out" && mkdir -p "$out"
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
for m in smollm3 smollm3-w16; do
  if [ $m = smollm3-w16 ]; then
    cp -r "$out/smollm3" "$out/$m"
    sed -i 's/"use_sliding_window": false/"use_sliding_window": true/; s/"sliding_window": null/"sliding_window": 16/' "$out/$m/config.json"
    grep -q '"sliding_window": 16' "$out/$m/config.json"
  else
    java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java $here/smollm3-small.json models/sotu-decoder/tokenizer.json \
      "$out/$m" --perturb
  fi
  bin/lowrank compress --model "$out/$m" --method svd --ratio 0.3 --out "$out/$m-svd" 2>/dev/null | tail -1
  for v in $m $m-svd; do
    $js/export-compare.sh "$out/$v" $v
  done
done
