#!/usr/bin/env bash
# Held-out bits per byte of a trained run on SOTU 1981–2021 (first 30,000 bytes), exactly as results/lowrank-training/eval.sh.
# Usage (from the repository root): WORK=/some/scratch results/sparse-lowrank-training/eval.sh RUN...
set -euo pipefail
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
for run in "$@"; do
  java -Xmx2g -Dlowrank.threads=1 -jar "$jar" perplexity --model "$WORK/$run" --text ../shared/data/sotu --from 1981 --to 2021 \
    --max-bytes 30000 --json "results/sparse-lowrank-training/perplexity-sotu-1981-2021-$run.json" --force
done
