#!/usr/bin/env bash
# squeeze.sh's r = 16 adapter squeezed to a quarter of its size after training, calibrated on the text's head (the scored tail
# left out): by the inputs or Fisher-weighted, to rank 4 or to a budget of 25% of its stored values; then each tuned on at
# the smaller size with finetune's defaults (LoRA-Squeeze's continued tuning). As references: the r = 16 adapter tuned on for
# the same 100 steps, and r = 4 trained directly for 400. Every line scores the same held-out bytes.
# usage (repository root, after squeeze.sh WORK): results/lora-decoder/unseen-text/continued.sh WORK
set -euo pipefail
work=${1:?work folder of squeeze.sh}
text=$work/perldiag.txt
squeeze() { # NAME, then squeeze's options
  local name=$1; shift
  bin/lowrank adapter squeeze --adapter "$work/r16" "$@" --out "$work/$name" --force
  printf '%-24s ' "$name"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$work/$name" --data "$text" --no-base | grep 'held-out'
}
tune() { # NAME, then finetune's options
  local name=$1; shift
  echo "== $name"
  bin/lowrank finetune --model models/sotu-decoder --data "$text" "$@" --out "$work/$name" --force 2>&1 | tr '\r' '\n' \
    | grep 'adapted held\|lower'
}
calibrate=(--model models/sotu-decoder --data "$text")
squeeze r16-aware-rank4 --rank 4 "${calibrate[@]}" --weighting inputs   # as squeeze.sh; its factors now come out balanced
squeeze r16-fisher-rank4 --rank 4 "${calibrate[@]}" --weighting fisher
squeeze r16-budget4 --budget 25%
squeeze r16-aware-budget4 --budget 25% "${calibrate[@]}" --weighting inputs
squeeze r16-fisher-budget4 --budget 25% "${calibrate[@]}" --weighting fisher
for n in 50 100 150; do tune "r16-rank4-t$n" --init-adapter "$work/r16-rank4" --steps $n; done
tune r16-aware-rank4-t100 --init-adapter "$work/r16-aware-rank4" --steps 100
for n in 50 100; do tune "r16-fisher-rank4-t$n" --init-adapter "$work/r16-fisher-rank4" --steps $n; done
for n in 50 100; do tune "r16-fisher-budget4-t$n" --init-adapter "$work/r16-fisher-budget4" --steps $n; done
tune r16-t100 --init-adapter "$work/r16" --steps 100
tune r4-400 --rank 4 --alpha 8 --steps 400
