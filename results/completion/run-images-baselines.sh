#!/usr/bin/env bash
# Soft-impute against alternating minimisation on three photos at 70% hidden, and rank 5 at 90% hidden (all photos).
set -euo pipefail
out=${OUT:-/tmp/lowrank-completion}
mkdir -p "$out"
for img in acanthus-mollis airplane-from-above allium-oreophilum black-canyon dust-bowl-home locomotion-house-cat locomotion-nude-male march-pastoral; do
  printf '%s hide=0.9 rank=5 ' "$img"
  bin/lowrank complete --image ../shared/data/images/$img.jpg --hide 0.9 --rank 5 --iterations 25 --seed 1 --out "$out/$img-0.9-r5.png" --force | head -1
done
for img in dust-bowl-home locomotion-house-cat march-pastoral; do
  printf '%s hide=0.7 rank=10 soft-impute ' "$img"
  bin/lowrank complete --image ../shared/data/images/$img.jpg --hide 0.7 --rank 10 --iterations 25 --soft-impute --soft-impute-rank 40 --seed 1 \
    --out "$out/$img-0.7-soft.png" --force | head -1
done
