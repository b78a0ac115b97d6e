#!/usr/bin/env bash
# After fisher-curve.sh: the three rank-4-sized squeezes tuned on for 5 and for 10 steps at the run's settings (continued
# tuning), and the r = 16 adapter tuned on for 10 steps as the reference; scored on the same held-out bytes.
# usage (repository root, after fisher-curve.sh with the same OUT): OUT=folder [LR=3e-3] results/lora-comparison/fisher-curve-tuned.sh
set -euo pipefail
out=${OUT:?set OUT to the folder of fisher-curve.sh}
common=(--model models/sotu-decoder --data ../shared/data/sotu --from 1946 --to 2021 --batch 4 --warmup 1 --eval-bytes 20000
        --seed 42 --lr ${LR:-3e-3} --force)
for start in plain-r4 fisher-r4 fisher-budget-r4 lora-r16; do
  for n in 5 10; do
    [ $start = lora-r16 ] && [ $n = 5 ] && continue
    printf '%-22s +%-3s ' "$start" "$n"
    bin/lowrank finetune "${common[@]}" --init-adapter "$out/$start" --steps $n --out "$out/$start-t$n-lr${LR:-3e-3}" 2>&1 | tr '\r' '\n' \
      | grep 'adapted held-out perplexity'
  done
done
