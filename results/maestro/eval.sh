#!/usr/bin/env bash
# Held-out bits per byte on SOTU 1981–2021 (first 30,000 bytes) of each trained run, then the same plain SVD compression
# (global allocation) of each at the given ratios and the bits per byte of the compressed folders.
# Usage (from the repository root): WORK=/some/scratch results/maestro/eval.sh "RATIO..." RUN...
set -euo pipefail
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
ratios="$1"; shift
here=results/maestro
ppl() {
  nice -n 10 java -Xmx2g -Dlowrank.threads=1 -jar "$jar" perplexity --model "$1" --text ../shared/data/sotu --from 1981 --to 2021 \
    --max-bytes 30000 --json "$here/perplexity-sotu-1981-2021-$2.json" --force
}
for run in "$@"; do
  ppl "$WORK/$run" "$run"
  for r in $ratios; do
    tag="$run-svd$(python3 -c "print(round($r*100))")"
    nice -n 10 java -Xmx2g -Dlowrank.threads=1 -jar "$jar" compress --model "$WORK/$run" --method svd --ratio "$r" --out "$WORK/$tag" --force
    cp "$WORK/$tag.json" "$here/compress-$tag.json"
    ppl "$WORK/$tag" "$tag"
  done
done
