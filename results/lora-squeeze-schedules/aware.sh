#!/usr/bin/env bash
# The activation-aware squeeze of run.sh's r = 16 adapter: calibrated on the head of Moby Dick (the part the adapter
# trained on; the scored tail is left out), to ranks 2, 4, 8 and to the budget of rank 4; scored as run.sh scores.
# usage (repository root, after run.sh WORK): results/lora-squeeze-schedules/aware.sh WORK
set -euo pipefail
work=${1:?work folder of run.sh}
calibrate=(--model models/sotu-decoder --data ../shared/data/moby-dick --calibration-windows 64 --weighting inputs --force)
for r in 2 4 8; do
  bin/lowrank adapter squeeze --adapter "$work/r16" --rank $r "${calibrate[@]}" --out "$work/r16-aware-rank$r"
done
bin/lowrank adapter squeeze --adapter "$work/r16" --budget 25% "${calibrate[@]}" --out "$work/r16-aware-budget4"
for a in r16-aware-rank2 r16-aware-rank4 r16-aware-rank8 r16-aware-budget4; do
  printf '%-28s ' "$a"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$work/$a" --data ../shared/data/moby-dick --eval-bytes 20000 --no-base \
    | grep 'held-out perplexity'
done
