#!/usr/bin/env bash
# Image inpainting with `lowrank complete` (run from the repository root after `mvn -q -DskipTests package`).
# Rank 10 was chosen on french-alpine-landscape at 70% hidden (rank 10 vs 20, ridge 1e-10 vs 0.1); that image is not reported.
set -euo pipefail
out=${OUT:-/tmp/lowrank-completion}
mkdir -p "$out"
for hide in 0.5 0.7 0.9; do
  for img in acanthus-mollis airplane-from-above allium-oreophilum black-canyon dust-bowl-home locomotion-house-cat locomotion-nude-male march-pastoral; do
    printf '%s hide=%s ' "$img" "$hide"
    bin/lowrank complete --image ../shared/data/images/$img.jpg --hide $hide --rank 10 --iterations 25 --seed 1 \
      --out "$out/$img-$hide.png" --force | head -1
  done
done
