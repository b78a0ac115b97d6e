#!/bin/bash
# GPT-2 folders exported to ONNX: trains the tiny byte-level GPT-2 of results/gpt2-cli (600 steps), compresses it with
# whitened SVD at 0.2, exports both folders with `lowrank export` (each checked in ONNX Runtime against the JVM runtime),
# and continues the prompts of prompts.txt that fit its 64 positions greedily in transformers.js and with
# `lowrank generate`, comparing the texts.
# usage (repository root, after mvn install; ../shared/data/sotu; Node.js): OUT=/tmp/onnx-export results/onnx-export/gpt2.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/onnx-export
out=${OUT:?OUT=folder for the model folders}
mkdir -p "$out"
CP=$(ls -d "$PWD"/lowrank-*/target/classes | tr '\n' ':')$PWD/lowrank-cli/target/lowrank.jar
rm -rf "$out/gpt2-dense"
OUT="$out/gpt2-dense" STEPS=600 jshell --class-path "$CP" results/gpt2-cli/train-tiny-gpt2.jsh | tee "$here/gpt2-output.txt"
bin/lowrank compress --model "$out/gpt2-dense" --calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 32 --ratio 0.2 \
  --method whitened --out "$out/gpt2-w20" --force 2>/dev/null | tee -a "$here/gpt2-output.txt"
awk 'length($0) <= 32' $here/prompts.txt > "$out/gpt2-prompts.txt"
(cd $here/transformers-js && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
for m in gpt2-dense gpt2-w20; do
  bin/lowrank export --model "$out/$m" --out "$out/$m-onnx" --force 2>/dev/null | tee -a "$here/gpt2-output.txt"
  node $here/transformers-js/generate.mjs "$out/$m-onnx" 200 < "$out/gpt2-prompts.txt" > "$out/$m-js.txt"
  : > "$out/$m-jvm.txt"
  while IFS= read -r prompt; do
    bin/lowrank generate --model "$out/$m" --prompt "$prompt" --temperature 0 --max-tokens 200 2>/dev/null \
      | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().rstrip("\n"), ensure_ascii=False))' >> "$out/$m-jvm.txt"
  done < "$out/gpt2-prompts.txt"
  same=$(python3 -c 'import sys; a=open(sys.argv[1]).read().splitlines(); b=open(sys.argv[2]).read().splitlines(); print(sum(x==y for x,y in zip(a,b)), "of", len(a))' "$out/$m-js.txt" "$out/$m-jvm.txt")
  echo "$m: transformers.js and lowrank generate give the same greedy text (within the 64 positions) for $same prompts" | tee -a "$here/gpt2-output.txt"
  head -1 "$out/$m-js.txt" >> "$here/gpt2-output.txt"
done
