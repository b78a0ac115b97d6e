#!/usr/bin/env bash
# RMM (issue 14 item 4) on two real adapters of models/sotu-decoder: one trained on Moby Dick, one on SOTU 1946-2021
# (LoRA r = 8 on q, k, v, o, 30 steps, as results/lora-decoder and results/lora-comparison). Stored as k = 2 (exact) and
# k = 1 basis adapters, each task reverted and scored on its own held-out bytes; against task arithmetic (the two
# adapters summed, `adapter combine`) scored on both. From the repository root; $OUT a scratch folder.
set -euo pipefail
: "${OUT:?set OUT to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
mkdir -p "$OUT"
common=(--model models/sotu-decoder --targets q_proj,k_proj,v_proj,o_proj --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000
        --seed 42 --rank 8 --alpha 16 --force)
"$lowrank" finetune "${common[@]}" --data ../shared/data/moby-dick --out "$OUT/moby" | tail -1
"$lowrank" finetune "${common[@]}" --data ../shared/data/sotu --from 1946 --to 2021 --out "$OUT/sotu" | tail -1
for k in 1 2; do
  "$lowrank" adapter rmm --adapter moby="$OUT/moby" --adapter sotu="$OUT/sotu" --bases $k --out "$OUT/rmm-k$k" --force
  for task in moby sotu; do
    "$lowrank" adapter revert --merged "$OUT/rmm-k$k" --task $task --out "$OUT/rmm-k$k-$task" --force
  done
done
"$lowrank" adapter combine --adapter "$OUT/moby" --adapter "$OUT/sotu" --out "$OUT/sum" --force
score() { # name adapter data...
  local name=$1 adapter=$2; shift 2
  echo "$name: $("$lowrank" adapter perplexity --model models/sotu-decoder --adapter "$adapter" "$@" --eval-bytes 20000 --no-base | tail -1)"
}
moby=(--data ../shared/data/moby-dick)
sotu=(--data ../shared/data/sotu --from 1946 --to 2021)
"$lowrank" adapter perplexity --model models/sotu-decoder "${moby[@]}" --eval-bytes 20000 | tail -1 | sed 's/^/base on moby: /'
"$lowrank" adapter perplexity --model models/sotu-decoder "${sotu[@]}" --eval-bytes 20000 | tail -1 | sed 's/^/base on sotu: /'
for task in moby sotu; do
  if [ $task = moby ]; then data=("${moby[@]}"); else data=("${sotu[@]}"); fi
  score "$task, its own adapter" "$OUT/$task" "${data[@]}"
  score "$task, reverted from k = 2" "$OUT/rmm-k2-$task" "${data[@]}"
  score "$task, reverted from k = 1" "$OUT/rmm-k1-$task" "${data[@]}"
  score "$task, task arithmetic (sum)" "$OUT/sum" "${data[@]}"
done
