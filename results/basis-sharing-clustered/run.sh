#!/usr/bin/env bash
# Issue 19, item 1: Basis Sharing with error-constrained clustered grouping against the paper's consecutive grouping and
# per-layer whitening, at 0.1-0.5 removed, on all-MiniLM-L6-v2 and on models/sotu-decoder. compare records which blocks share
# a basis. From the repository root; $M the MiniLM folder; $OUT a scratch folder; LOWRANK overrides bin/lowrank.
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${OUT:?set OUT to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
methods=basis-sharing:grouping=clustered,basis-sharing,whitened
"$lowrank" compare --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --methods $methods --allocations uniform \
  --ratios 0.1,0.2,0.3,0.4,0.5 --out "$OUT/compare-minilm" --force
"$lowrank" compare --model models/sotu-decoder --methods $methods --allocations uniform --ratios 0.1,0.2,0.3,0.4,0.5 \
  --max-bytes 30000 --out "$OUT/compare-decoder" --force
# At the default eps (0.1) the clustering on MiniLM grouped nothing; looser error constraints, at two ratios:
"$lowrank" compare --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" \
  --methods basis-sharing:grouping=clustered:eps=0.3,basis-sharing:grouping=clustered:eps=0.6 --allocations uniform \
  --ratios 0.2,0.4 --out "$OUT/compare-minilm-eps" --force
# The decoder's groups (the record names them since this session; the clustered rows above are reproduced at 0.1):
"$lowrank" compare --model models/sotu-decoder --methods basis-sharing:grouping=clustered --allocations uniform --ratios 0.1 \
  --max-bytes 30000 --out "$OUT/compare-decoder-groups" --force
