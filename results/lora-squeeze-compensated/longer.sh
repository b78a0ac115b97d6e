#!/usr/bin/env bash
# Longer tuning towards the original on the two adapters where 50 steps stayed under 95% (unseen, sotu): the compensated
# squeeze to the 25% budget, then 150 and 300 steps (adapter squeeze --tune-steps, as in distil.sh), each timed.
# usage (repository root): longer.sh WORK OUT   (WORK holds unseen/r16, unseen/perldiag.txt and sotu/r16 as in this README)
set -euo pipefail
work=${1:?folder of the r = 16 adapters}
out=${2:?scratch folder}
mkdir -p "$out"
score() { printf '%-28s ' "$1"; bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/$1" "${@:2}" --eval-bytes 20000 --no-base | grep 'held-out'; }
for n in 150 300; do
  for name in unseen sotu; do
    if [ $name = unseen ]; then data=(--data "$work/unseen/perldiag.txt"); else data=(--data ../shared/data/sotu --from 1946 --to 2021); fi
    start=$(date +%s)
    bin/lowrank adapter squeeze --adapter "$work/$name/r16" --budget 25% --model models/sotu-decoder "${data[@]}" --calibration-windows 64 --compensate \
      --tune-steps $n --tune-lr 2e-3 --tune-batch 4 --seed 7 --out "$out/$name-distil$n" --force 2>&1 | tr '\r' '\n' | grep '^then'
    echo "$name $n took $(( $(date +%s) - start )) s"
    score $name-distil$n "${data[@]}"
  done
done
