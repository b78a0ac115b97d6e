#!/usr/bin/env bash
# Every training method on a decoder about 3× the SOTU decoder (hidden 480, 8 layers, 12/6 heads of 40, SwiGLU 1296:
# 20.6 M parameters against 6.9 M), at the same token budget as results/lowrank-training: 150 steps × 4 windows × 256
# tokens = 153,600 tokens, warm-up 10, peak LR 1e-3, cosine to 1e-4. Rank 120 (a quarter of the hidden size) wherever a
# method has one; the other options as in the 6.9 M tables. One BLAS thread per run. Validation (the same 32 batches
# every time) every 50 steps instead of 25: it does not touch training, and it cost ~40% of a run at 25.
# Usage (from the repository root): WORK=/some/scratch results/lowrank-training-3x/run.sh SEED METHOD...
# JAR defaults to lowrank-cli/target/lowrank.jar. Each run is followed by the held-out perplexity on SOTU 1981–2021.
set -euo pipefail
seed="$1"; shift
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
here=results/lowrank-training-3x
model=(--hidden 480 --layers 8 --heads 12 --kv-heads 6 --mlp 1296)
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --batch 4 --warmup 10 --lr 1e-3
        --validate-every 50 --validation-batches 32 --checkpoint-every 50 --seed "$seed" --force)
declare -A spec=(
  [full]="full"
  [galore]="galore:rank=120:gap=50:scale=1"
  [galore-dct]="galore-dct:rank=120:gap=50:scale=1"
  [galore-dct-rotate]="galore-dct:rank=120:gap=50:scale=1:rotate=1"
  [galore-dct-gap1-rotate]="galore-dct:rank=120:gap=1:scale=1:rotate=1"
  [fira]="fira:rank=120:gap=50:scale=1"
  [sltrain]="sltrain:rank=120:density=0.03:alpha=32"
  [lost]="lost:rank=120:density=0.03"
  [sst]="sst:rank=120:period=10"
  [trp]="trp:period=5:energy=0.9:nuclear=3e-4"
  [maestro]="maestro:lambda=5e-3:threshold=1e-5:shrink-every=25"
)
for m in "$@"; do
  run="$m-s$seed"
  java -Xmx3g -Dlowrank.threads=1 -jar "$jar" train "${model[@]}" "${common[@]}" --method "${spec[$m]}" --out "$WORK/$run" \
    > "$WORK/$run.out" 2>&1
  java -Xmx2g -Dlowrank.threads=1 -jar "$jar" perplexity --model "$WORK/$run" --text ../shared/data/sotu --from 1981 --to 2021 \
    --max-bytes 30000 --json "$here/perplexity-sotu-1981-2021-$run.json" --force > "$WORK/$run.perplexity.out" 2>&1
done
