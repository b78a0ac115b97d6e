#!/usr/bin/env bash
# LoRA over a 4-bit copy of the decoder (QLoRA's setting: the codes frozen, the adapters in float32) beside LoRA over the
# float decoder, on the acceptance task of README.md (Moby Dick, r = 8 on q, k, v, o, 30 steps). From the repository root.
set -euo pipefail
out=${1:-/tmp/qlora}
mkdir -p "$out"
bin/lowrank compress --model models/sotu-decoder --method rtn:bits=4:group=32 --out "$out/sotu-decoder-int4" --force
common=(--data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed 42 --rank 8 --alpha 16)
/usr/bin/time -f "%e s wall, %U s user" bin/lowrank finetune --model "$out/sotu-decoder-int4" "${common[@]}" --out "$out/moby-r8-int4" --force
/usr/bin/time -f "%e s wall, %U s user" bin/lowrank finetune --model models/sotu-decoder "${common[@]}" --out "$out/moby-r8-float" --force
