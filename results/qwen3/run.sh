#!/bin/bash
# Qwen3's per-head query/key norms through the whole path, on a random model of Qwen3's layout (qwen3-small.json: head_dim
# 128 with 4 heads over a width of 256, as Qwen3 sets head_dim apart from the width; byte vocabulary): generate, compress
# (plain SVD, ratio 0.3), export both, the checks in ONNX Runtime, and transformers.js's greedy texts against lowrank
# generate's. Random weights: the texts are noise, so this checks the plumbing and the numbers, not the language.
# Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/qwen3 results/qwen3/run.sh > results/qwen3/run-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/qwen3
js=results/onnx-export/transformers-js
rm -rf "$out" && mkdir -p "$out"
java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java $here/qwen3-small.json models/sotu-decoder/tokenizer.json "$out/qwen3" --perturb
bin/lowrank compress --model "$out/qwen3" --method svd --ratio 0.3 --out "$out/qwen3-svd" 2>/dev/null | tail -1
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
for m in qwen3 qwen3-svd; do
  bin/lowrank export --model "$out/$m" --out "$out/$m-onnx" 2>/dev/null | tail -2
  node $js/generate.mjs "$out/$m-onnx" 40 < results/onnx-export/prompts.txt > "$out/$m-js.txt"
  $js/jvm-greedy.sh "$out/$m" 40 < results/onnx-export/prompts.txt > "$out/$m-jvm.txt"
  python3 -c 'import sys; a=open(sys.argv[1]).read().splitlines(); b=open(sys.argv[2]).read().splitlines(); print(sys.argv[3] + ": transformers.js and lowrank generate give the same greedy text for", sum(x==y for x,y in zip(a,b)), "of", len(a), "prompts")' \
    "$out/$m-js.txt" "$out/$m-jvm.txt" $m
done
