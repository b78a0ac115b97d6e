#!/usr/bin/env bash
# Issue 22, HierarchicalPrune combined with 4-bit quantization on all-MiniLM-L6-v2: drop the most dispensable block
# (sensitivity order), then EoRA 4-bit (groups of 32, int4 embedding tables) at a byte budget; against EoRA alone at the
# same bytes (its g32 and g128 forms). Default calibration (the vendored mix). From the repository root; $M the MiniLM
# folder; $OUT a scratch folder; LOWRANK overrides bin/lowrank.
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${OUT:?set OUT to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
mkdir -p "$OUT"
tok=(--tokenizer "$M/tokenizer.json")
"$lowrank" compress --model "$M/model.onnx" "${tok[@]}" --method hierarchical-prune:blocks=1 --out "$OUT/prune1.onnx" --force
for size in 18MB 13.6MB; do
  "$lowrank" compress --model "$OUT/prune1.onnx" "${tok[@]}" --method eora:bits=4:group=32:embeddings=int4 --target-size $size \
    --out "$OUT/prune1-eora-$size.onnx" --force
  "$lowrank" eval --reference "$M/model.onnx" --candidate "$OUT/prune1-eora-$size.onnx" "${tok[@]}" --out "$OUT/prune1-eora-$size-eval.json" --force
done
"$lowrank" compress --model "$M/model.onnx" "${tok[@]}" --method eora:bits=4:group=32:embeddings=int4 --target-size 18MB \
  --out "$OUT/eora-18MB.onnx" --force
"$lowrank" eval --reference "$M/model.onnx" --candidate "$OUT/eora-18MB.onnx" "${tok[@]}" --out "$OUT/eora-18MB-eval.json" --force
"$lowrank" compress --model "$M/model.onnx" "${tok[@]}" --method eora:bits=4:group=128:embeddings=int4 --target-size 13.6MB \
  --out "$OUT/eora-g128-13.6MB.onnx" --force
"$lowrank" eval --reference "$M/model.onnx" --candidate "$OUT/eora-g128-13.6MB.onnx" "${tok[@]}" --out "$OUT/eora-g128-13.6MB-eval.json" --force
