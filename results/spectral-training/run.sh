#!/usr/bin/env bash
# SST and TRP on the setup of results/lowrank-training/run.sh (SOTU decoder configuration: hidden 320, 6 layers, 8/4
# heads, SwiGLU 864, context 256; 150 steps × 4 windows × 256 tokens = 153,600 tokens; warm-up 10, peak LR 1e-3, cosine
# to 1e-4; seed given), one BLAS thread, one run after the other.
# Usage (from the repository root): WORK=/some/scratch results/spectral-training/run.sh SEED METHOD...
# JAR defaults to lowrank-cli/target/lowrank.jar (the runs used a copy of it in $WORK, so rebuilding did not disturb them).
set -euo pipefail
seed="$1"; shift
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --batch 4 --warmup 10 --lr 1e-3
        --validate-every 25 --validation-batches 32 --checkpoint-every 50 --seed "$seed" --force)
declare -A spec=(
  [sst]="sst:rank=80:period=10"
  [trp]="trp:period=5:energy=0.9:nuclear=3e-4"
)
for m in "$@"; do
  java -Xmx2g -Dlowrank.threads=1 -jar "$jar" train "${common[@]}" --method "${spec[$m]}" --out "$WORK/$m-s$seed" \
    > "$WORK/$m-s$seed.out" 2>&1
done
