#!/usr/bin/env bash
# Issue 19, item 2: PELA's weight-perturbation term swept at 0.2 and 0.4 removed, on all-MiniLM-L6-v2 (whitened, global allocation,
# default calibration mix; 100 distillation steps) and on models/sotu-decoder (whitened, global, 64 calibration windows;
# 60 steps of 4 windows at lr 1e-4, scored on the first 30,000 bytes of SOTU 1981-2021). Weight 0 is plain distillation.
# Every recovery record holds ‖AB − W‖ per site before and after (weightDistanceBefore/After).
# From the repository root; $M the MiniLM folder; $OUT a scratch folder; LOWRANK overrides bin/lowrank.
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${OUT:?set OUT to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
mkdir -p "$OUT/sotu-1981"
cp ../shared/data/sotu/198[1-9]_*.txt ../shared/data/sotu/199*.txt ../shared/data/sotu/20*.txt "$OUT/sotu-1981/"
for ratio in 0.2 0.4; do
  r=${ratio#0.}0
  "$lowrank" compress --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --method whitened --ratio $ratio \
    --out "$OUT/minilm-w$r.onnx" --force
  for w in 0 10 100; do
    "$lowrank" recover --compressed "$OUT/minilm-w$r.onnx" --original "$M/model.onnx" --tokenizer "$M/tokenizer.json" --steps 100 \
      --pela $w --out "$OUT/minilm-w$r-pela$w.onnx" --force > "$OUT/minilm-w$r-pela$w.log" 2>&1
    tail -2 "$OUT/minilm-w$r-pela$w.log"
  done
  "$lowrank" compress --model models/sotu-decoder --calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 64 \
    --method whitened --ratio $ratio --out "$OUT/decoder-w$r" --force
  for w in 0 10 100; do
    "$lowrank" recover --original models/sotu-decoder --compressed "$OUT/decoder-w$r" --out "$OUT/decoder-w$r-pela$w" --text ../shared/data/sotu \
      --text-from 1790 --text-to 1945 --steps 60 --batch 4 --lr 1e-4 --pela $w --eval-text "$OUT/sotu-1981" --eval-max-bytes 30000 --force \
      > "$OUT/decoder-w$r-pela$w.log" 2>&1
    tail -2 "$OUT/decoder-w$r-pela$w.log"
  done
done
