#!/usr/bin/env bash
# Continued tuning after the compensated squeeze to a budget of 25% of the stored values (run.sh's compensated-budget4, which
# must exist in OUT): N steps towards the original r = 16 adapter's next-byte distributions (adapter squeeze --tune-steps N,
# which squeezes again and then tunes), against N steps of finetune's next-byte loss from the same squeezed folder (finetune
# --init-adapter), both with 4 windows a step, peak rate 2e-3, a tenth of the steps of warm-up, seed 7.
# usage (repository root, after run.sh with the same arguments): results/lora-squeeze-compensated/distil.sh ADAPTER OUT [data options...]
set -euo pipefail
adapter=${1:?r = 16 adapter folder}
out=${2:?the scratch folder run.sh wrote into}
shift 2
data=("$@")
test -d "$out/compensated-budget4" || { echo "run run.sh $adapter $out first" >&2; exit 2; }
score() {
  printf '%-24s ' "$1"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/$1" "${data[@]}" --eval-bytes 20000 --no-base | grep 'held-out'
}
for n in 20 50; do
  bin/lowrank adapter squeeze --adapter "$adapter" --budget 25% --model models/sotu-decoder "${data[@]}" --calibration-windows 64 --compensate \
    --tune-steps $n --tune-lr 2e-3 --tune-batch 4 --seed 7 --out "$out/compensated-budget4-distil$n" --force 2>&1 | tr '\r' '\n' | grep '^then'
  bin/lowrank finetune --model models/sotu-decoder "${data[@]}" --init-adapter "$out/compensated-budget4" --steps $n --lr 2e-3 --batch 4 \
    --warmup $((n / 10)) --seed 7 --eval-bytes 20000 --out "$out/compensated-budget4-tune$n" --force > /dev/null 2>&1
  score "compensated-budget4-distil$n"
  score "compensated-budget4-tune$n"
done
