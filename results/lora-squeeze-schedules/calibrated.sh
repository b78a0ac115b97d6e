#!/usr/bin/env bash
# The calibrated squeezes of run.sh's r = 16 adapter, calibrated on 64 windows of the head of Moby Dick (the part the
# adapter trained on; the scored tail is left out), to ranks 2, 4 and 8 and to the budget of rank 4 (25% of the stored
# values, the ranks chosen across modules); scored as run.sh scores. WEIGHTING is inputs (activation-aware; folders
# r16-aware-*) or fisher (the loss's output gradients too; folders r16-fisher-*).
# usage (repository root, after run.sh WORK): results/lora-squeeze-schedules/calibrated.sh WORK inputs|fisher
set -euo pipefail
work=${1:?work folder of run.sh}
weighting=${2:?inputs or fisher}
name=$([ "$weighting" = inputs ] && echo aware || echo "$weighting")
calibrate=(--model models/sotu-decoder --data ../shared/data/moby-dick --calibration-windows 64 --weighting "$weighting" --force)
for r in 2 4 8; do
  bin/lowrank adapter squeeze --adapter "$work/r16" --rank $r "${calibrate[@]}" --out "$work/r16-$name-rank$r"
done
bin/lowrank adapter squeeze --adapter "$work/r16" --budget 25% "${calibrate[@]}" --out "$work/r16-$name-budget4"
for a in r16-$name-rank2 r16-$name-rank4 r16-$name-rank8 r16-$name-budget4; do
  printf '%-28s ' "$a"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$work/$a" --data ../shared/data/moby-dick --eval-bytes 20000 --no-base \
    | grep 'held-out perplexity'
done
