#!/bin/bash
# OPT through the whole path on random models of its layout (opt-small.json: 3 layers of width 64, 4 heads, ReLU MLP of
# 256, positions read two rows into a table of 128 + 2, tied head, byte vocabulary; the same shape with the exact GELU
# and an untied head, as Galactica's configs have; and OPT-350M's layout, opt-350m-small.json: norms after the residual
# adds, no final norm, 32-wide token rows projected in and out): compress (plain SVD, ratio 0.3), export each, the export's check
# in ONNX Runtime, and transformers.js's (its OPTForCausalLM) greedy texts and token ids against lowrank generate's.
# Random weights: the texts are noise, so this checks the plumbing and the numbers, not the language. Run from the
# repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/opt results/opt/run.sh > results/opt/run-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/opt
js=results/onnx-export/transformers-js
rm -rf "$out" && mkdir -p "$out"
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
python3 -c "
import json, sys
c = json.load(open(sys.argv[1])); c['activation_function'] = 'gelu'; c['tie_word_embeddings'] = False
json.dump(c, open(sys.argv[2], 'w'), indent=2)" $here/opt-small.json "$out/opt-gelu-untied.json"
java -cp lowrank-cli/target/lowrank.jar $here/RandomOpt.java $here/opt-small.json models/sotu-decoder/tokenizer.json "$out/opt"
java -cp lowrank-cli/target/lowrank.jar $here/RandomOpt.java "$out/opt-gelu-untied.json" models/sotu-decoder/tokenizer.json "$out/opt-gelu-untied"
java -cp lowrank-cli/target/lowrank.jar $here/RandomOpt.java $here/opt-350m-small.json models/sotu-decoder/tokenizer.json "$out/opt-350m"
for v in opt opt-gelu-untied opt-350m; do
  bin/lowrank compress --model "$out/$v" --method svd --ratio 0.3 --out "$out/$v-svd" 2>/dev/null | grep '^wrote' | sed "s|$out/||"
done
for v in opt opt-svd opt-gelu-untied opt-gelu-untied-svd opt-350m opt-350m-svd; do
  $js/export-compare.sh "$out/$v" $v | sed "s|$out/||"
done
