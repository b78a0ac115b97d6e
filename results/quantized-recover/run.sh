#!/usr/bin/env bash
# Issue 13, item 5: recovery with the quantized base frozen (EoRA's fine-tuned setting) on models/sotu-decoder.
# For 2- and 3-bit codes (groups of 32): EoRA with a rank-16 float branch per site (GPTQ base, 16 calibration windows of
# SOTU 1790-1945), then `recover` trains only the branches (60 steps of 4 windows of 256 bytes at lr 1e-4 on SOTU
# 1790-1945, distilled against the fp32 model) and writes a quantized folder again. RTN at the same code width is the
# floor. Perplexity on the first 30,000 bytes of SOTU 1981-2021 (held out of calibration and recovery).
# From the repository root; $OUT a scratch folder; LOWRANK overrides bin/lowrank.
set -euo pipefail
: "${OUT:?set OUT to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
mkdir -p "$OUT/sotu-1981"
cp ../shared/data/sotu/198[1-9]_*.txt ../shared/data/sotu/199*.txt ../shared/data/sotu/20*.txt "$OUT/sotu-1981/"
ppl() { "$lowrank" perplexity --model "$1" --text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 30000 --json "$2" > /dev/null; }
for b in ${BITS:-2 3}; do
  "$lowrank" compress --model models/sotu-decoder --method rtn:bits=$b:group=32 --out "$OUT/rtn$b" --force > "$OUT/rtn$b.log" 2>&1
  ppl "$OUT/rtn$b" "$OUT/perplexity-rtn$b.json"
  "$lowrank" compress --model models/sotu-decoder --method eora:bits=$b:group=32:rank=16 --calib ../shared/data/sotu --calib-from 1790 \
    --calib-to 1945 --calib-windows 16 --out "$OUT/eora$b" --force > "$OUT/eora$b.log" 2>&1
  ppl "$OUT/eora$b" "$OUT/perplexity-eora$b.json"
  "$lowrank" recover --original models/sotu-decoder --compressed "$OUT/eora$b" --out "$OUT/eora$b-rec" --text ../shared/data/sotu \
    --text-from 1790 --text-to 1945 --steps 60 --batch 4 --lr 1e-4 --eval-text "$OUT/sotu-1981" --eval-max-bytes 30000 --force \
    > "$OUT/eora$b-rec.log" 2>&1
  tail -3 "$OUT/eora$b-rec.log"
  ppl "$OUT/eora$b-rec" "$OUT/perplexity-eora$b-rec.json"
  cp "$OUT/eora$b-rec/quantized.json" "$OUT/manifest-eora$b-rec.json"
done
