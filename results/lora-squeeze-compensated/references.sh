#!/usr/bin/env bash
# The reference for distil.sh's next-byte tuning: the r = 16 adapter itself tuned on for the same 20 and 50 steps with the same
# settings (4 windows a step, peak rate 2e-3, a tenth of the steps of warm-up, seed 7), scored on the same held-out bytes.
# usage (repository root): results/lora-squeeze-compensated/references.sh ADAPTER OUT [data options...]
set -euo pipefail
adapter=${1:?r = 16 adapter folder}
out=${2:?scratch folder}
shift 2
data=("$@")
for n in 20 50; do
  bin/lowrank finetune --model models/sotu-decoder "${data[@]}" --init-adapter "$adapter" --steps $n --lr 2e-3 --batch 4 \
    --warmup $((n / 10)) --seed 7 --eval-bytes 20000 --out "$out/r16-tune$n" --force > /dev/null 2>&1
  printf '%-24s ' "r16-tune$n"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/r16-tune$n" "${data[@]}" --eval-bytes 20000 --no-base \
    | grep 'held-out'
done
