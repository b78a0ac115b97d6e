#!/usr/bin/env bash
# One trained r = 16 adapter squeezed to a quarter of its size (rank 4, and a budget of 25% of its stored values), Fisher-weighted
# one module at a time (as session 14) and compensated (each module fitted, in the model's order, to the outputs the original
# adapter gave, from the inputs the modules squeezed before it now give); every folder scored on the same held-out bytes.
# usage (repository root, after mvn install): results/lora-squeeze-compensated/run.sh ADAPTER OUT [data options...]
#   data options as finetune took them, e.g. --data ../shared/data/moby-dick, or --data ../shared/data/sotu --from 1946 --to 2021
set -euo pipefail
adapter=${1:?r = 16 adapter folder}
out=${2:?scratch folder for the squeezed adapters}
shift 2
data=("$@")
mkdir -p "$out"
calibrate=(--model models/sotu-decoder "${data[@]}" --calibration-windows 64)
score() {
  printf '%-24s ' "$1"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$2" "${data[@]}" --eval-bytes 20000 "${@:3}" | grep 'held-out'
}
squeeze() { # NAME, then squeeze's options
  local name=$1; shift
  bin/lowrank adapter squeeze --adapter "$adapter" "$@" --out "$out/$name" --force 2>&1 | tr '\r' '\n' | grep -v '^squeezed [0-9]* of'
}
squeeze fisher-rank4 --rank 4 "${calibrate[@]}"
squeeze fisher-budget4 --budget 25% "${calibrate[@]}"
squeeze compensated-rank4 --rank 4 "${calibrate[@]}" --compensate
squeeze compensated-budget4 --budget 25% "${calibrate[@]}" --compensate
score r16 "$adapter"
for a in fisher-rank4 fisher-budget4 compensated-rank4 compensated-budget4; do
  score "$a" "$out/$a" --no-base
done
