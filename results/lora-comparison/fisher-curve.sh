#!/usr/bin/env bash
# The squeeze curve of issue 14 item 6, again with the calibrated squeezes: run-more.sh's r = 16 LoRA adapter (SOTU
# 1946-2021, seed 42, 30 steps) retrained, then squeezed to the sizes of ranks 12, 8, 4, 2 and 1 plain (--rank), Fisher-weighted
# at that rank, and Fisher-weighted to that budget of stored values (ranks chosen across modules); calibrated on the head of
# the same 1946-2021 text (its held-out tail left out); each scored on the same 20,000 held-out bytes as the table above.
# usage (repository root, after mvn install): OUT=folder results/lora-comparison/fisher-curve.sh
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
data=(--data ../shared/data/sotu --from 1946 --to 2021)
bin/lowrank finetune --model models/sotu-decoder "${data[@]}" --targets q_proj,k_proj,v_proj,o_proj --steps 30 --batch 4 --warmup 3 \
  --eval-bytes 20000 --seed 42 --lr 3e-3 --rank 16 --alpha 32 --out "$out/lora-r16" --force 2>&1 | tr '\r' '\n' | grep 'held-out perplexity'
score() {
  printf '%-22s ' "$1"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/$1" "${data[@]}" --eval-bytes 20000 --no-base | grep 'held-out'
}
for share in 75:12 50:8 25:4 12.5:2 6.25:1; do
  p=${share%%:*}; r=${share##*:}
  bin/lowrank adapter squeeze --adapter "$out/lora-r16" --rank "$r" --out "$out/plain-r$r" --force
  bin/lowrank adapter squeeze --adapter "$out/lora-r16" --rank "$r" --model models/sotu-decoder "${data[@]}" --out "$out/fisher-r$r" --force
  bin/lowrank adapter squeeze --adapter "$out/lora-r16" --budget "$p%" --model models/sotu-decoder "${data[@]}" --out "$out/fisher-budget-r$r" \
    --force
  for a in plain-r$r fisher-r$r fisher-budget-r$r; do score "$a"; done
done
