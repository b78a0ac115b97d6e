#!/usr/bin/env bash
# Wall time of the one-module Fisher squeeze against the compensated one (to the 25% budget, 64 calibration windows), twice each,
# alternating. usage (repository root, nothing else running): results/lora-squeeze-compensated/timing.sh ADAPTER OUT [data options...]
set -euo pipefail
adapter=${1:?r = 16 adapter folder}
out=${2:?scratch folder}
mkdir -p "$out"
shift 2
TIMEFORMAT='%R s'
for round in 1 2; do
  for form in one-module compensated; do
    extra=(); [ "$form" = compensated ] && extra=(--compensate)
    printf '%s, round %s: ' "$form" "$round"
    { time bin/lowrank adapter squeeze --adapter "$adapter" --budget 25% --model models/sotu-decoder "$@" --calibration-windows 64 \
        "${extra[@]}" --out "$out/timing-$form" --force > /dev/null 2>&1; } 2>&1
  done
done
