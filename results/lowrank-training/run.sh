#!/usr/bin/env bash
# Equal-token comparison of the training methods on the SOTU decoder's configuration (hidden 320, 6 layers, 8/4 heads,
# SwiGLU 864, context 256 — the defaults of `lowrank train`), reduced to 150 steps × 4 windows × 256 tokens = 153,600
# tokens per run, aimed at ~10 minutes a run on quiet cores (four at once on the loaded shared machine took ~50 minutes each).
# Usage (from the repository root): WORK=/some/scratch results/lowrank-training/run.sh SEED METHOD...
# JAR defaults to lowrank-cli/target/lowrank.jar (the runs below used a copy of it, so rebuilding did not disturb them).
set -euo pipefail
seed="$1"; shift
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --batch 4 --warmup 10 --lr 1e-3
        --validate-every 25 --validation-batches 32 --checkpoint-every 50 --seed "$seed" --force)
declare -A spec=(
  [full]="full"
  [galore]="galore:rank=80:gap=50:scale=1"
  [galore-dct]="galore-dct:rank=80:gap=50:scale=1"
  [galore-dct-gap1]="galore-dct:rank=80:gap=1:scale=1"   # the DCT paper's default: a new choice every step
  [galore-dct-rotate]="galore-dct:rank=80:gap=50:scale=1:rotate=1"        # moments carried into each new choice
  [galore-dct-gap1-rotate]="galore-dct:rank=80:gap=1:scale=1:rotate=1"
  [galore-dct-r96-gap1-rotate]="galore-dct:rank=96:gap=1:scale=1:rotate=1"  # GaLore's rank-80 optimizer bytes
  [galore-dct-r96-gap10-rotate]="galore-dct:rank=96:gap=10:scale=1:rotate=1"
  [fira]="fira:rank=80:gap=50:scale=1"
)
for m in "$@"; do
  java -Xmx2g -Dlowrank.threads=1 -jar "$jar" train "${common[@]}" --method "${spec[$m]}" --out "$WORK/$m-s$seed" \
    > "$WORK/$m-s$seed.out" 2>&1
done
