#!/usr/bin/env bash
# Issue 14, item 6a: full fine-tuning, LoRA, PiSSA, SVFit, SALT and LoLDU adapting models/sotu-decoder (trained on SOTU
# 1790-1945) to SOTU 1946-2021, the last 10% of those bytes (the latest addresses) held out; the first 20,000 held-out
# bytes are scored before and after. One seed, 30 steps of 4 windows x 256 bytes, the same schedule for every method.
# From the repository root; $OUT a scratch folder; LOWRANK overrides the launcher (default bin/lowrank). Each run is its own
# JVM with the same heap limit, so the peak-heap figures compare.
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
lowrank=${LOWRANK:-bin/lowrank}
export LOWRANK_JAVA_OPTS="-Xmx3g"
common=(--model models/sotu-decoder --data ../shared/data/sotu --from 1946 --to 2021 --targets q_proj,k_proj,v_proj,o_proj
        --steps 30 --batch 4 --warmup 3 --eval-bytes 20000 --seed 42 --force)
run() { local name=$1; shift; "$lowrank" finetune "${common[@]}" --out "$out/$name" "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"; tail -3 "$out/$name.stdout"; }
run lora      --lr 3e-3 --rank 8 --alpha 16
run pissa     --lr 3e-3 --rank 8 --alpha 16 --init pissa
run salt      --lr 3e-3 --adapter salt:rank=8:lora-rank=8
run full-3e-4 --lr 3e-4 --adapter full
run svfit     --lr 3e-3 --rank 160 --alpha 160 --init svfit
run loldu     --lr 3e-3 --adapter loldu:rank=160:alpha=160
run full-3e-3 --lr 3e-3 --adapter full
