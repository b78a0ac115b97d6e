#!/usr/bin/env bash
# Maestro against full-rank AdamW on the setup of results/spectral-training/run.sh (SOTU decoder configuration: hidden 320,
# 6 layers, 8/4 heads, SwiGLU 864, context 256; the schedule of 150 steps × 4 windows × 256 tokens, warm-up 10, peak LR
# 1e-3, cosine to 1e-4; seed given), one BLAS thread, but stopped after STOP steps (--stop-after: the same schedule, cut
# short, so step STOP is comparable with the 150-step runs' logs at that step).
# Usage (from the repository root): WORK=/some/scratch STOP=50 results/maestro/run.sh SEED METHOD...
# JAR defaults to lowrank-cli/target/lowrank.jar (the runs used a copy of it in $WORK, so rebuilding did not disturb them).
set -euo pipefail
seed="$1"; shift
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
stop="${STOP:-150}"
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --stop-after "$stop" --batch 4 --warmup 10 --lr 1e-3
        --validate-every 25 --validation-batches 32 --checkpoint-every 50 --seed "$seed" --force)
declare -A spec=(
  [maestro]="maestro:lambda=5e-3:threshold=1e-5:shrink-every=25"
  [maestro-l1e-4]="maestro:lambda=1e-4:threshold=1e-5:shrink-every=25"
  [maestro-l0]="maestro:lambda=0:threshold=1e-5:shrink-every=25"
  [full]="full"
)
for m in "$@"; do
  nice -n 10 java -Xmx2g -Dlowrank.threads=1 -jar "$jar" train "${common[@]}" --method "${spec[$m]}" --out "$WORK/$m-s$seed" \
    > "$WORK/$m-s$seed.out" 2>&1
done
