#!/usr/bin/env bash
# Issue 16 item 2 / spec 21 test 5: WeLore's LRC fine-tuning on the project's decoder compressed with the WeLore allocation
# at 30% and 50% removed, against (a) no fine-tuning, (c) full fine-tuning of the compressed model and (d) LoRA on it, at
# equal steps (60 of 4 windows x 256 bytes) on the model's own domain (SOTU 1790-1945; the last 10% held out, its first
# 20,000 bytes scored). From the repository root; $OUT a scratch folder; LOWRANK overrides bin/lowrank.
set -euo pipefail
: "${OUT:?set OUT to a scratch folder}"
lowrank=${LOWRANK:-bin/lowrank}
export LOWRANK_JAVA_OPTS="-Xmx3g"
mkdir -p "$OUT"
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 60 --batch 4 --warmup 5 --eval-bytes 20000 --seed 42 --force)
for ratio in 0.3 0.5; do
  r=${ratio#0.}0
  "$lowrank" compress --model models/sotu-decoder --calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 64 \
    --method svd --allocation welore --ratio $ratio --out "$OUT/welore-$r" --force > "$OUT/welore-$r.stdout"
  for run in "lrc-1e-4 --adapter lrc --lr 1e-4" "lrc-3e-4 --adapter lrc --lr 3e-4" "full-1e-4 --adapter full --lr 1e-4" \
             "full-3e-4 --adapter full --lr 3e-4" "lora-3e-3 --rank 8 --alpha 16 --lr 3e-3"; do
    set -- $run
    name=$1; shift
    "$lowrank" finetune --model "$OUT/welore-$r" "${common[@]}" --out "$OUT/welore-$r-$name" "$@" > "$OUT/welore-$r-$name.stdout" 2>&1
    echo "$ratio $name: $(tail -1 "$OUT/welore-$r-$name.stdout")"
  done
done
