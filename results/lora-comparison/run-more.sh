#!/usr/bin/env bash
# Issue 14 item 6a, continued: two more seeds for the adapters whose figures are close, and the squeeze curve of one
# adapter (LoRA r = 16 on the same task, squeezed post hoc to r = 1, 2, 4, 8, 12 and scored on the same held-out bytes).
# Same settings and variables as run.sh.
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
lowrank=${LOWRANK:-bin/lowrank}
export LOWRANK_JAVA_OPTS="-Xmx3g"
common=(--model models/sotu-decoder --data ../shared/data/sotu --from 1946 --to 2021 --targets q_proj,k_proj,v_proj,o_proj
        --steps 30 --batch 4 --warmup 3 --eval-bytes 20000 --force)
run() { local name=$1; shift; "$lowrank" finetune "${common[@]}" --out "$out/$name" "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"; tail -1 "$out/$name.stdout"; }
for seed in 43 44; do
  run lora-s$seed      --seed $seed --lr 3e-3 --rank 8 --alpha 16
  run pissa-s$seed     --seed $seed --lr 3e-3 --rank 8 --alpha 16 --init pissa
  run salt-s$seed      --seed $seed --lr 3e-3 --adapter salt:rank=8:lora-rank=8
  run full-3e-4-s$seed --seed $seed --lr 3e-4 --adapter full
done
run lora-r16 --seed 42 --lr 3e-3 --rank 16 --alpha 32
for r in 1 2 4 8 12; do
  "$lowrank" adapter squeeze --adapter "$out/lora-r16" --rank $r --out "$out/lora-r16-to-r$r" --force > "$out/lora-r16-to-r$r.stdout"
  "$lowrank" adapter perplexity --model models/sotu-decoder --adapter "$out/lora-r16-to-r$r" --data ../shared/data/sotu --from 1946 --to 2021 \
    --eval-bytes 20000 --no-base > "$out/lora-r16-to-r$r.perplexity"
  echo "r16 -> r$r: $(cat "$out/lora-r16-to-r$r.perplexity")"
done
