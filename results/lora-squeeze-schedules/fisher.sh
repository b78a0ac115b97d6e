#!/usr/bin/env bash
# The Fisher-weighted squeeze of run.sh's r = 16 adapter (--weighting fisher: each module's inputs and the loss's gradients
# at its outputs, over 64 windows of Moby Dick's head, the scored tail left out), to ranks 2, 4 and 8 and to the budget of
# rank 4 (25% of the stored values, the ranks chosen across modules by the Fisher-weighted σ²); scored as run.sh scores.
# usage (repository root, after run.sh WORK): results/lora-squeeze-schedules/fisher.sh WORK
set -euo pipefail
work=${1:?work folder of run.sh}
calibrate=(--model models/sotu-decoder --data ../shared/data/moby-dick --calibration-windows 64 --weighting fisher --force)
for r in 2 4 8; do
  bin/lowrank adapter squeeze --adapter "$work/r16" --rank $r "${calibrate[@]}" --out "$work/r16-fisher-rank$r"
done
bin/lowrank adapter squeeze --adapter "$work/r16" --budget 25% "${calibrate[@]}" --out "$work/r16-fisher-budget4"
for a in r16-fisher-rank2 r16-fisher-rank4 r16-fisher-rank8 r16-fisher-budget4; do
  printf '%-28s ' "$a"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$work/$a" --data ../shared/data/moby-dick --eval-bytes 20000 --no-base \
    | grep 'held-out perplexity'
done
