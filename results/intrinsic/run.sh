#!/usr/bin/env bash
# The measurements of results/intrinsic/README.md, from the repository root (photos in ../shared/data/images).
# Usage: results/intrinsic/run.sh [WORK]   (scratch folder for the ordinal checkpoint and the training logs; default /tmp)
# The model is written to results/intrinsic/model (about 0.5 MB); STEP=merge reruns from the saved ordinal phase in
# WORK, STEP=evaluate or STEP=photos skips the training. The first (history) run is in the README.
set -euo pipefail
work=${1:-${WORK:-/tmp}}
here=results/intrinsic
model=$here/model
# one BLAS thread: on a shared 2-core machine a multi-threaded GEMM of these small products is several times slower
export OPENBLAS_NUM_THREADS=1 LOWRANK_JAVA_OPTS="-Xmx2500m -Dlowrank.threads=1"
if [[ -z "${STEP:-}" ]]; then
  # phase 1: the ordinal network alone (SSI loss), saved as a checkpoint (its merge network is untrained and unused)
  nice -n 5 bin/lowrank intrinsic train --out "$work/ordinal" --scenes 400 --ordinal-steps 3000 --merge-steps 0 \
      --batch 4 --lr 0.002 --seed 1 --force 2> "$work/intrinsic-ordinal.log" | tee "$here/train-ordinal.txt"
fi
if [[ -z "${STEP:-}" || "${STEP}" == merge ]]; then
  # phase 2: the merge network refining a tuned Retinex shading, on the fixed ordinal network of phase 1
  nice -n 5 bin/lowrank intrinsic train --out "$model" --ordinal-from "$work/ordinal" --retinex-input --scenes 800 \
      --ordinal-steps 0 --merge-steps 3000 --batch 4 --lr 0.002 --seed 1 --force 2> "$work/intrinsic-merge.log" \
      | sed "s#$work#\$WORK#" | tee "$here/train-merge.txt"
fi
if [[ -z "${STEP:-}" || "${STEP}" == evaluate ]]; then
  # 50 held-out scenes (seeds 1000000..1000049; training used 0..799, validation 500000..500049); Retinex tuned on seeds 0..15
  bin/lowrank intrinsic evaluate --model "$model" --first-seed 1000000 --scenes 50 --tuning-scenes 16 --size 128 \
      --json "$here/metrics.json" --force | tee "$here/evaluate.txt"
fi
# every photo in ../shared/data/images, longer side 192 px: input, albedo, shading, recoloured, relit + decomposition.json
for f in ../shared/data/images/*.jpg; do
  name=$(basename "$f" .jpg)
  bin/lowrank intrinsic decompose --model "$model" --image "$f" --out "$here/photos/$name" --size 192 --force
done | sed "s#$(cd ../shared && pwd)#../shared#" | tee "$here/decompose.txt"
