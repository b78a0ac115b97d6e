#!/bin/bash
# OLMo 2 through the whole path, on a random model of its layout (olmo2-small.json: 4 layers of width 256, 8 heads,
# post-norms without pre-norms, q/k norms over the whole projections, RoPE base 5·10⁵, untied head, byte vocabulary),
# and the same weights as an OLMo 3 with a window of 16 on its sliding layers (0–2): compress (plain SVD, ratio 0.3),
# export both, the check in ONNX Runtime, and (OLMo 2 only: transformers.js 3.8.1 has no olmo3) transformers.js's
# greedy texts and token ids against lowrank generate's.
# Random weights: the texts are noise, so this checks the plumbing and the numbers, not the language. Run from the
# repository root after `mvn -B -q install -DskipTests`:
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
# OLMo 3: the same weights as model_type olmo3, its default pattern (every layer but each 4th sliding) over 16 positions
cp -r "$out/olmo2" "$out/olmo3-w16"
python3 -c "
import json, sys
c = json.load(open(sys.argv[1])); c['model_type'] = 'olmo3'; c['architectures'] = ['Olmo3ForCausalLM']; c['sliding_window'] = 16
json.dump(c, open(sys.argv[1], 'w'), indent=2)" "$out/olmo3-w16/config.json"
bin/lowrank compress --model "$out/olmo3-w16" --method svd --ratio 0.3 --out "$out/olmo3-w16-svd" 2>/dev/null | tail -1
for v in olmo2 olmo2-svd; do
  $js/export-compare.sh "$out/$v" $v
done
for v in olmo3-w16 olmo3-w16-svd; do # transformers.js 3.8.1 has no olmo3 model type: the export's own check in ONNX Runtime
  bin/lowrank export --model "$out/$v" --out "$out/$v-onnx" 2>/dev/null | tail -2
done
