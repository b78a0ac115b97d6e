#!/usr/bin/env bash
# The LoRA measurements of results/lora-decoder/README.md, from the repository root (data in ../shared/data).
set -euo pipefail
out=${1:-/tmp/lora-decoder}
mkdir -p "$out"
common=(--model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed 42)
# 1. acceptance: r = 8 on the attention projections
bin/lowrank finetune "${common[@]}" --rank 8 --alpha 16 --out "$out/moby-r8" --force
# 2. squeeze: r = 16, then LoRA-Squeeze to r = 4, scored on the same held-out bytes
bin/lowrank finetune "${common[@]}" --rank 16 --alpha 32 --out "$out/moby-r16" --force
bin/lowrank adapter squeeze --adapter "$out/moby-r16" --rank 4 --out "$out/moby-r16-to-r4" --force
bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/moby-r16-to-r4" --data ../shared/data/moby-dick \
  --eval-bytes 20000 --no-base
# 3. a second domain: SOTU 1946-2021 (the base saw 1790-1945); the last 10% of the bytes (the latest addresses) held out
bin/lowrank finetune --model models/sotu-decoder --data ../shared/data/sotu --from 1946 --to 2021 --targets q_proj,k_proj,v_proj,o_proj \
  --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed 42 --rank 8 --alpha 16 --out "$out/sotu-1946-2021-r8" --force
