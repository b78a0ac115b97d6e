#!/usr/bin/env bash
# Issue 13, item 3: what ran for results/cospadi (2026-12-05, the shared 2-core machine at a load of 15-20).
# CoSpaDi (per layer; per group of two blocks on the decoder) against whitened SVD (SVD-LLM's truncation), SVD-LLM (with
# its sequential update) and Basis Sharing (one basis per two blocks) at the same counted storage.
# From the repository root; $M the MiniLM folder; $WORK a scratch folder; LOWRANK overrides bin/lowrank.
# K-SVD ran 3 iterations (the default is 10) because it is slow on this machine.
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${WORK:?set WORK to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
for r in 0.2 0.4; do  # one compare per ratio, run side by side
  "$lowrank" compare --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --methods whitened,cospadi:iterations=3 \
    --allocations uniform --ratios $r --out "$WORK/compare-minilm-$r" --force
done
# stopped during svd-llm's 0.4 row (its 0.2 row and every other row are in rows.jsonl)
"$lowrank" compare --model models/sotu-decoder --methods whitened,cospadi:iterations=3,svd-llm --allocations uniform \
  --ratios 0.2,0.4 --max-bytes 30000 --calib-windows 64 --out "$WORK/compare-decoder" --force
"$lowrank" compare --model models/sotu-decoder --methods cospadi:group=2:iterations=3,basis-sharing:group=2 --allocations uniform \
  --ratios 0.2 --max-bytes 30000 --calib-windows 64 --out "$WORK/compare-decoder-group" --force
java -cp lowrank-cli/target/lowrank.jar results/cospadi/SiteAblation.java ../shared/data/sotu block_2_attention.output > results/cospadi/site-ablation.md
python3 results/cospadi/table.py results/cospadi/compare-minilm-0.2/rows.jsonl,results/cospadi/compare-minilm-0.4/rows.jsonl \
  results/cospadi/compare-decoder/rows.jsonl,results/cospadi/compare-decoder-group/rows.jsonl
