#!/bin/bash
# After tune.sh (same OUT): the LLaMA-3-scaled and YaRN-scaled decoders (1,024 positions, LoRA merged) exported to ONNX,
# and transformers.js's greedy texts (past position 256) against `lowrank generate`'s; then a random model of a long-context
# shape (long-context.json: 16 layers, head 64, 131,072 positions) exported, with OLD_JAR (a lowrank.jar built before the
# blocks shared their RoPE tables) beside this build when it is set. Run from the repository root:
#   OUT=/tmp/ctx [OLD_JAR=/tmp/old/lowrank-cli/target/lowrank.jar] results/rope-scaling/export.sh > results/rope-scaling/export-output.txt
set -euo pipefail
out=${OUT:?the folder tune.sh wrote}
here=results/rope-scaling
js=results/onnx-export/transformers-js
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
for v in llama3-4 yarn-4; do
  bin/lowrank export --model "$out/$v-tuned" --out "$out/$v-onnx" --force 2>/dev/null | tail -1
  node $js/generate.mjs "$out/$v-onnx" 600 < results/onnx-export/prompts.txt > "$out/$v-js.txt"
  $js/jvm-greedy.sh "$out/$v-tuned" 600 < results/onnx-export/prompts.txt > "$out/$v-jvm.txt"
  python3 - "$out/$v-js.txt" "$out/$v-jvm.txt" "$v" <<'PY'
import json, sys
a, b = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read().splitlines()
lengths = [len(json.loads(x).encode()) for x in b]
print(f"{sys.argv[3]}: transformers.js and lowrank generate give the same greedy text for {sum(x == y for x, y in zip(a, b))} of {len(a)}"
      f" prompts ({min(lengths)}-{max(lengths)} bytes each, prompt included)")
PY
done
rm -rf "$out/long-context"
java -cp lowrank-cli/target/lowrank.jar $here/RandomLlama.java $here/long-context.json models/sotu-decoder/tokenizer.json "$out/long-context"
for jar in ${OLD_JAR:-} lowrank-cli/target/lowrank.jar; do
  rm -rf "$out/long-context-onnx"
  /usr/bin/time -f "%e s, %M KB resident" java -Xmx8g -jar $jar export --model "$out/long-context" --out "$out/long-context-onnx" 2>&1 \
    | grep -E "projections|resident" | sed "s|^|$jar: |"
done
