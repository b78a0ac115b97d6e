#!/usr/bin/env bash
# --tune-lr against distil.sh's 2e-3: moby7 tuned 20 steps towards the original at 5e-4 and 1e-3, unseen 50 steps at 1e-3
# (compensated squeeze to the 25% budget as in distil.sh). usage (repository root): tune-lr.sh WORK OUT
#   WORK holds moby7/r16, unseen/r16 and unseen/perldiag.txt as in this folder's README
set -euo pipefail
work=${1:?folder of the r = 16 adapters}
out=${2:?scratch folder}
mkdir -p "$out"
one() { # NAME ADAPTER STEPS LR data...
  local name=$1 adapter=$2 steps=$3 lr=$4; shift 4
  bin/lowrank adapter squeeze --adapter "$adapter" --budget 25% --model models/sotu-decoder "$@" --calibration-windows 64 --compensate \
    --tune-steps "$steps" --tune-lr "$lr" --out "$out/$name" --force 2>&1 | tr '\r' '\n' | grep '^then'
  printf '%-24s ' "$name"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/$name" "$@" --eval-bytes 20000 --no-base | grep 'held-out'
}
one moby7-distil20-lr5e-4 "$work/moby7/r16" 20 5e-4 --data ../shared/data/moby-dick
one moby7-distil20-lr1e-3 "$work/moby7/r16" 20 1e-3 --data ../shared/data/moby-dick
one unseen-distil50-lr1e-3 "$work/unseen/r16" 50 1e-3 --data "$work/unseen/perldiag.txt"
