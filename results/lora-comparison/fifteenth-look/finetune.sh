#!/usr/bin/env bash
# What StepBuffers gives a user: `finetune` on models/sotu-decoder (SOTU 1946-2021, as results/lora-comparison/run.sh),
# LoRA r = 8 on q, k, v, o (60 steps) and full fine-tuning (30 steps), 4 windows of 256 bytes a step, with the launcher
# at fb59a8a (OLD_LOWRANK) and this build's (bin/lowrank), alternated ROUNDS times; both at the machine's two threads
# and bin/lowrank's defaults. Prints each run's wall seconds, its training throughput and held-out perplexity after.
# usage (repository root, after mvn install here and mvn package in a checkout of fb59a8a):
#   OUT=folder OLD_LOWRANK=<checkout at fb59a8a>/bin/lowrank results/lora-comparison/fifteenth-look/finetune.sh [ROUNDS]
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
old=${OLD_LOWRANK:?the launcher of a checkout at fb59a8a, built}
rounds=${1:-2}
mkdir -p "$out"
common=(--model models/sotu-decoder --data ../shared/data/sotu --from 1946 --to 2021 --batch 4 --warmup 3 --eval-bytes 20000
        --seed 42 --force)
for r in $(seq 1 "$rounds"); do
  for kind in lora full; do
    for build in old new; do
      lowrank=bin/lowrank; [ $build = old ] && lowrank=$old
      args=(--targets q_proj,k_proj,v_proj,o_proj --rank 8 --alpha 16 --lr 3e-3 --steps 60)
      [ $kind = full ] && args=(--adapter full --lr 3e-4 --steps 30)
      name=$kind-$build-$r
      start=$(date +%s.%N)
      "$lowrank" finetune "${common[@]}" "${args[@]}" --out "$out/$name" > "$out/$name.stdout" 2> "$out/$name.stderr"
      end=$(date +%s.%N)
      python3 - "$out/$name/finetune.json" "$name" "$start" "$end" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
after = d['after']
ppl = after.get('perplexity', after) if isinstance(after, dict) else after
print(f"{sys.argv[2]:12s} wall {float(sys.argv[4]) - float(sys.argv[3]):6.1f} s  training {d['train_seconds_this_call']:6.1f} s"
      f"  {d['seconds_per_step']:.3f} s/step  last loss {d['last_loss']:.6f}  after {json.dumps(ppl)}")
PY
    done
  done
done
