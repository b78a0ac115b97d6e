#!/bin/bash
# transformers.js on an export whose weights stream to onnx/model.onnx_data: a random byte-level LLaMA-style model of
# external-400m.json's shape (406 M parameters, 1.6 GB, over the 1.5 GB line), greedy texts of 40 new tokens for five
# prompts against lowrank generate's. Random weights: the texts are noise. Run from the repository root:
#   OUT=/tmp/ext results/onnx-export/external.sh > results/onnx-export/external-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/onnx-export
rm -rf "$out" && mkdir -p "$out"
java -Xmx10g -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java $here/external-400m.json models/sotu-decoder/tokenizer.json "$out/m"
bin/lowrank export --model "$out/m" --out "$out/m-onnx" 2>/dev/null | tail -2
ls -l "$out/m-onnx/onnx" | awk 'NR > 1 {print $5, $9}'
(cd $here/transformers-js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
node $here/transformers-js/generate.mjs "$out/m-onnx" 40 < $here/prompts.txt > "$out/js.txt"
$here/transformers-js/jvm-greedy.sh "$out/m" 40 < $here/prompts.txt > "$out/jvm.txt"
python3 -c 'import sys; a=open(sys.argv[1]).read().splitlines(); b=open(sys.argv[2]).read().splitlines(); print("transformers.js and lowrank generate give the same greedy text for", sum(x==y for x,y in zip(a,b)), "of", len(a), "prompts")' "$out/js.txt" "$out/jvm.txt"
