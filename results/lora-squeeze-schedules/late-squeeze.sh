#!/usr/bin/env bash
# In-Squeeze with one late squeeze: 35 steps, r = 16 squeezed to 4 after step 30, then 5 steps at r = 4 — the single-run
# form of "squeeze, then 5 more steps" (results/lora-squeeze-inits). Same setting as run.sh.
# usage (repository root): results/lora-squeeze-schedules/late-squeeze.sh WORK [SEED]
set -euo pipefail
work=${1:?work folder}
seed=${2:-42}
mkdir -p "$work"
bin/lowrank finetune --model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj \
  --steps 35 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed "$seed" --rank 16 --alpha 32 \
  --squeeze-to 4 --squeeze-weighting none --squeeze-events 1 --squeeze-until 0.857 --out "$work/in-squeeze-to4-late" --force 2>&1 | tr '\r' '\n' | grep -v '^finetune '
