#!/usr/bin/env bash
# Wall time of the two calibrated squeezes of squeeze.sh's r = 16 adapter (64 windows of 256 bytes, the defaults), the
# machine otherwise idle: by the inputs (a forward per window) and Fisher-weighted (a forward and a backward per window).
# usage (repository root, after squeeze.sh WORK): results/lora-decoder/unseen-text/calibration-time.sh WORK
set -euo pipefail
work=${1:?work folder of squeeze.sh}
for w in inputs fisher inputs fisher; do
  /usr/bin/time -f "--weighting $w: %e s wall, %U s user" bin/lowrank adapter squeeze --adapter "$work/r16" --rank 4 \
    --model models/sotu-decoder --data "$work/perldiag.txt" --weighting $w --out "$work/timed-$w" --force
done
