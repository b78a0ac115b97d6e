#!/usr/bin/env bash
# SLTrain and LOST on the same equal-token setup as results/lowrank-training/run.sh (SOTU decoder configuration, 150 steps
# × 4 windows × 256 tokens = 153,600 tokens, warm-up 10, peak LR 1e-3 cosine to 1e-4, one BLAS thread), rank 80 and the
# spec's default density (0.03), so the figures compare with that folder's full / GaLore runs.
# Usage (from the repository root): WORK=/some/scratch results/sparse-lowrank-training/run.sh SEED METHOD...
# LR (default 1e-3, as all runs of results/lowrank-training) changes the peak learning rate; a run with another LR gets "-lrLR"
# appended to its folder name.
# JAR defaults to lowrank-cli/target/lowrank.jar (the runs below used a copy of it, so rebuilding did not disturb them).
set -euo pipefail
seed="$1"; shift
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
lr="${LR:-1e-3}"; suffix=""; [[ "$lr" != 1e-3 ]] && suffix="-lr$lr"
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --batch 4 --warmup 10 --lr "$lr"
        --validate-every 25 --validation-batches 32 --checkpoint-every 50 --seed "$seed" --force)
declare -A spec=(
  [sltrain]="sltrain:rank=80:density=0.03:alpha=32"
  [lost]="lost:rank=80:density=0.03"
)
for m in "$@"; do
  java -Xmx2g -Dlowrank.threads=1 -jar "$jar" train "${common[@]}" --method "${spec[$m]}" --out "$WORK/$m-s$seed$suffix" \
    > "$WORK/$m-s$seed$suffix.out" 2>&1
done
