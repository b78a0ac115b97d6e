#!/bin/bash
# Exports a decoder folder (MODEL_DIR-onnx, with the export's own check in ONNX Runtime), then compares transformers.js's
# greedy continuations of results/onnx-export/prompts.txt (40 new tokens) with lowrank generate's, by text and by token
# ids (GreedyIds.java: a byte-level model's random bytes are often not UTF-8, and the two sides render those differently).
# Prints the export's last two lines and one line for each comparison, labelled LABEL; leaves the texts and ids beside
# MODEL_DIR. Run npm install in this folder first.
# usage (repository root): results/onnx-export/transformers-js/export-compare.sh MODEL_DIR LABEL
set -euo pipefail
model=$1 label=$2
js=results/onnx-export/transformers-js
bin/lowrank export --model "$model" --out "$model-onnx" 2>/dev/null | tail -2
node $js/generate.mjs "$model-onnx" 40 < results/onnx-export/prompts.txt > "$model-js.txt"
$js/jvm-greedy.sh "$model" 40 < results/onnx-export/prompts.txt > "$model-jvm.txt"
python3 -c 'import sys; a=open(sys.argv[1]).read().splitlines(); b=open(sys.argv[2]).read().splitlines(); print(sys.argv[3] + ": transformers.js and lowrank generate give the same greedy text for", sum(x==y for x,y in zip(a,b)), "of", len(a), "prompts")' \
  "$model-js.txt" "$model-jvm.txt" "$label"
IDS=1 node $js/generate.mjs "$model-onnx" 40 < results/onnx-export/prompts.txt > "$model-js-ids.jsonl"
java -cp lowrank-cli/target/lowrank.jar $js/GreedyIds.java "$model" "$model-js-ids.jsonl"
