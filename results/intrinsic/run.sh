#!/usr/bin/env bash
# The measurements of results/intrinsic/README.md, from the repository root (photos in ../shared/data/images).
# Usage: results/intrinsic/run.sh [WORK]   (scratch folder for the training log; WORK defaults to /tmp)
# The model is written to results/intrinsic/model (about 0.5 MB); STEP=evaluate or STEP=photos skips the training.
set -euo pipefail
work=${1:-${WORK:-/tmp}}
here=results/intrinsic
model=$here/model
# one BLAS thread: on a shared 2-core machine a multi-threaded GEMM of these small products is several times slower
export OPENBLAS_NUM_THREADS=1 LOWRANK_JAVA_OPTS="-Xmx1500m -Dlowrank.threads=1"
if [[ -z "${STEP:-}" ]]; then
  uptime > "$here/train-uptime.txt"
  /usr/bin/time -f "%e s wall, %U s user" nice -n 5 bin/lowrank intrinsic train --out "$model" --scenes 200 \
      --ordinal-steps 700 --merge-steps 450 --batch 4 --lr 0.002 --seed 1 --force 2> "$work/intrinsic-train.log" | tee "$here/train.txt"
  uptime >> "$here/train-uptime.txt"
fi
if [[ -z "${STEP:-}" || "${STEP}" == evaluate ]]; then
  # 50 held-out scenes (seeds 1000000..1000049; training used 0..199); Retinex tuned on seeds 0..15
  bin/lowrank intrinsic evaluate --model "$model" --first-seed 1000000 --scenes 50 --tuning-scenes 16 --size 128 \
      --json "$here/metrics.json" --force | tee "$here/evaluate.txt"
fi
# every photo in ../shared/data/images, longer side 192 px: input, albedo, shading, recoloured, relit + decomposition.json
for f in ../shared/data/images/*.jpg; do
  name=$(basename "$f" .jpg)
  bin/lowrank intrinsic decompose --model "$model" --image "$f" --out "$here/photos/$name" --size 192 --force
done | sed "s#$(cd ../shared && pwd)#../shared#" | tee "$here/decompose.txt"
