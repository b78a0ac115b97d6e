#!/bin/bash
# Decoder folders exported to ONNX: makes a low-rank and two 4-bit folders of models/sotu-decoder, exports the four
# folders with `lowrank export` (each checked in ONNX Runtime against the JVM runtime), times them in ONNX Runtime
# against the JVM runtime (lowrank-bench --suite onnx-decoders), and, when Node.js is here, continues prompts.txt greedily
# in transformers.js from the exported folders and compares the texts with `lowrank generate`.
# usage (repository root, after mvn install; ../shared/data/sotu for calibration): OUT=/tmp/onnx-export results/onnx-export/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/onnx-export
out=${OUT:?OUT=folder for the model folders}
mkdir -p "$out"
sotu=../shared/data/sotu
calib=(--calib $sotu --calib-from 1790 --calib-to 1945 --calib-windows 16)
bin/lowrank compress --model models/sotu-decoder "${calib[@]}" --ratio 0.4 --method whitened --allocation global --out "$out/sotu-w40" --force
bin/lowrank compress --model models/sotu-decoder "${calib[@]}" --method rtn:bits=4:group=32 --out "$out/sotu-rtn4" --force
bin/lowrank compress --model models/sotu-decoder "${calib[@]}" --method svdquant:bits=4:group=32:rank=16 --out "$out/sotu-svdq" --force
cp -r models/sotu-decoder "$out/sotu-dense"
for m in sotu-dense sotu-w40 sotu-rtn4 sotu-svdq; do
  bin/lowrank export --model "$out/$m" --out "$out/$m-onnx" --force 2>/dev/null
done | tee "$here/export-output.txt"
: > "$here/bench-output.txt"
for threads in 2 1; do
  java -jar lowrank-bench/target/lowrank-bench.jar --suite onnx-decoders --threads $threads \
    --folders "$out/sotu-dense,$out/sotu-w40,$out/sotu-rtn4,$out/sotu-svdq" --out "$here/bench-onnx-decoders-threads$threads.json" 2>/dev/null \
    | tee -a "$here/bench-output.txt"
done
if command -v node >/dev/null; then
  (cd $here/transformers-js && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
  : > "$here/texts-output.txt"
  for m in sotu-dense sotu-w40 sotu-rtn4 sotu-svdq; do
    node $here/transformers-js/generate.mjs "$out/$m-onnx" 200 < $here/prompts.txt > "$out/$m-js.txt"
    : > "$out/$m-jvm.txt"
    while IFS= read -r prompt; do
      bin/lowrank generate --model "$out/$m" --prompt "$prompt" --temperature 0 --max-tokens 200 2>/dev/null \
        | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().rstrip("\n"), ensure_ascii=False))' >> "$out/$m-jvm.txt"
    done < $here/prompts.txt
    same=$(python3 -c 'import sys; a=open(sys.argv[1]).read().splitlines(); b=open(sys.argv[2]).read().splitlines(); print(sum(x==y for x,y in zip(a,b)), "of", len(a))' "$out/$m-js.txt" "$out/$m-jvm.txt")
    echo "$m: transformers.js and lowrank generate give the same greedy text (up to 200 new tokens, within the context) for $same prompts" | tee -a "$here/texts-output.txt"
    head -1 "$out/$m-js.txt" >> "$here/texts-output.txt"
  done
fi
