#!/bin/bash
# transformers.js 3.8.1 on size.sh's export of the random Gemma 3 270M-sized model (1.14 GB): greedy token ids for the
# 5 prompts of results/onnx-export/prompts.txt, 20 new tokens each, against the JVM runtime's greedy ids for the same
# prompt ids (GreedyIds.java). Wall time and peak resident memory of each side. Run from the repository root after
# size.sh (same OUT):
#   OUT=/tmp/g270 results/gemma/size-js.sh > results/gemma/size-js-output.txt
set -euo pipefail
out=${OUT:?the folder size.sh wrote}
js=results/onnx-export/transformers-js
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
/usr/bin/time -f "transformers.js: %e s wall, %M KB peak resident" \
  bash -c "IDS=1 node $js/generate.mjs '$out/gemma3-270m-onnx' 20 < results/onnx-export/prompts.txt > '$out/js-ids.jsonl'"
/usr/bin/time -f "JVM: %e s wall, %M KB peak resident" \
  java -Xmx8g -cp lowrank-cli/target/lowrank.jar results/onnx-export/transformers-js/GreedyIds.java "$out/gemma3-270m" "$out/js-ids.jsonl"
