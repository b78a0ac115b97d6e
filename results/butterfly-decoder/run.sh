#!/usr/bin/env bash
# Issue 18 item 4 (second half), spec 17 test 5: a linear layer of the project's decoder replaced by a butterfly product,
# against a truncated SVD of equal size. Each named projection (the attention outputs, 320x320; the MLP down projections,
# 864 -> 320) becomes 2 butterfly blocks of 512 or 1024 points fitted to its weight (500 Adam steps on ||M - W||_F), or
# the SVD at the rank holding as many values; then the replacements alone train for 150 steps of 4 x 256 bytes on the
# model's own domain (SOTU 1790-1945, the last 10% held out, its first 20,000 bytes scored), lr 3e-3 for both forms,
# fixed before any run. From the repository root; $OUT a scratch folder; LOWRANK overrides bin/lowrank.
set -euo pipefail
: "${OUT:?set OUT to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
export LOWRANK_JAVA_OPTS="${LOWRANK_JAVA_OPTS:--Xmx3g}"   # add -Dlowrank.threads=1 on a busy machine
mkdir -p "$OUT"
common=(--model models/sotu-decoder --data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --batch 4 --warmup 10 --lr 3e-3
        --eval-bytes 20000 --seed 42 --force)
for sites in ${SITES:-output down}; do
  for form in butterfly low-rank; do
    name=$sites-$form
    nice -n 5 /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$lowrank" finetune "${common[@]}" \
      --adapter butterfly:sites=$sites:blocks=2:form=$form --out "$OUT/$name" > "$OUT/$name.stdout" 2> "$OUT/$name.stderr"
    echo "$name: $(grep -E 'dense model' "$OUT/$name.stdout")"; grep -E "perplexity" "$OUT/$name.stdout" | tail -2
  done
done
