#!/usr/bin/env bash
# After fisher-curve.sh: the three rank-4-sized squeezes tuned on for STEPS steps (default 5 and 10) at the run's settings
# (continued tuning), and the r = 16 adapter tuned on for the same steps (all but the first count) as the reference;
# scored on the same held-out bytes. SEED (default 42, the run's own) orders the training windows: with the run's seed the
# continuation starts again from the windows the adapter saw first.
# usage (repository root, after fisher-curve.sh with the same OUT):
#   OUT=folder [LR=3e-3] [SEED=42] [STEPS="5 10"] results/lora-comparison/fisher-curve-tuned.sh
set -euo pipefail
out=${OUT:?set OUT to the folder of fisher-curve.sh}
common=(--model models/sotu-decoder --data ../shared/data/sotu --from 1946 --to 2021 --batch 4 --warmup 1 --eval-bytes 20000
        --seed ${SEED:-42} --lr ${LR:-3e-3} --force)
steps=(${STEPS:-5 10})
for start in plain-r4 fisher-r4 fisher-budget-r4 lora-r16; do
  for n in "${steps[@]}"; do
    [ $start = lora-r16 ] && [ $n = "${steps[0]}" ] && [ ${#steps[@]} -gt 1 ] && continue
    printf '%-22s +%-3s ' "$start" "$n"
    bin/lowrank finetune "${common[@]}" --init-adapter "$out/$start" --steps $n --out "$out/$start-t$n-lr${LR:-3e-3}-seed${SEED:-42}" 2>&1 | tr '\r' '\n' \
      | grep 'adapted held-out perplexity'
  done
done
