#!/usr/bin/env bash
# LoRA-Squeeze by a total budget and during tuning (In-Squeeze), against a fixed rank post hoc, on the setting of
# results/lora-decoder (models/sotu-decoder adapted to Moby Dick, LoRA on q, k, v, o, 30 steps of 4 x 256 bytes).
# usage, from the repository root after `mvn install`: results/lora-squeeze-schedules/run.sh WORK [SEED]
# (data in ../shared/data; prints one line per adapter, `summary.py WORK` makes the table)
set -euo pipefail
work=${1:?work folder}
seed=${2:-42}
mkdir -p "$work"
common=(--model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed "$seed")
score() { # adapter folder -> one line with its held-out perplexity
  printf '%-28s ' "$(basename "$1")"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$1" --data ../shared/data/moby-dick --eval-bytes 20000 --no-base \
    | grep 'held-out perplexity'
}
bin/lowrank finetune "${common[@]}" --rank 16 --alpha 32 --out "$work/r16" --force | tail -3
for r in 2 4 8; do
  bin/lowrank finetune "${common[@]}" --rank $r --alpha $((2 * r)) --out "$work/r$r" --force | tail -1
done
for k in 1 3; do
  bin/lowrank finetune "${common[@]}" --rank 16 --alpha 32 --squeeze-to 4 --squeeze-weighting none --squeeze-events $k --out "$work/in-squeeze-to4-k$k" --force | tail -1
done
for r in 2 4 8; do
  share=$(python3 -c "print($r * 100 / 16)")
  bin/lowrank adapter squeeze --adapter "$work/r16" --rank $r --out "$work/r16-rank$r" --force
  bin/lowrank adapter squeeze --adapter "$work/r16" --budget "$share%" --out "$work/r16-budget$r" --force
done
for a in r16 r2 r4 r8 in-squeeze-to4-k1 in-squeeze-to4-k3 r16-rank2 r16-budget2 r16-rank4 r16-budget4 r16-rank8 r16-budget8; do
  score "$work/$a"
done
