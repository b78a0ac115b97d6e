#!/usr/bin/env bash
# The measurements of results/lora-squeeze-inits/README.md, from the repository root (data in ../shared/data).
# Build first: mvn -B -ntp -o -q -DskipTests package
set -euo pipefail
WORK=${1:-/tmp/lora-squeeze-inits}
mkdir -p "$WORK"
moby=(--model models/sotu-decoder --data ../shared/data/moby-dick --batch 4 --eval-bytes 20000 --seed 42)

# 1. LoRA-Squeeze: the r = 16 adapter of results/lora-decoder, squeezed post hoc to r = 4, then tuned a few steps at r = 4
bin/lowrank finetune "${moby[@]}" --targets q_proj,k_proj,v_proj,o_proj --steps 30 --lr 3e-3 --warmup 3 --rank 16 --alpha 32 \
  --out "$WORK/moby-r16" --force
bin/lowrank adapter squeeze --adapter "$WORK/moby-r16" --rank 4 --out "$WORK/moby-r16-to-r4" --force
bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$WORK/moby-r16-to-r4" --data ../shared/data/moby-dick \
  --eval-bytes 20000 --no-base
for n in 5 10; do for lr in 3e-4 1e-3 3e-3; do
  bin/lowrank finetune "${moby[@]}" --init-adapter "$WORK/moby-r16-to-r4" --steps $n --lr $lr --warmup 0 \
    --out "$WORK/cont-n$n-lr$lr" --force
done; done
# controls: the r = 16 adapter tuned the same 5 extra steps without squeezing; r = 4 trained directly for 35 steps
bin/lowrank finetune "${moby[@]}" --init-adapter "$WORK/moby-r16" --steps 5 --lr 3e-3 --warmup 0 --out "$WORK/r16-plus5-lr3e-3" --force
bin/lowrank finetune "${moby[@]}" --targets q_proj,k_proj,v_proj,o_proj --rank 4 --alpha 8 --steps 35 --lr 3e-3 --warmup 3 \
  --out "$WORK/moby-r4-35" --force

# 2. a LoRA step against a full fine-tuning step (benchmark; JSON out). bench-lora-run1.json was written by this command
#    with the build of commit "lowrank-bench --suite lora" (wall times only; later builds add CPU times)
java -jar lowrank-bench/target/lowrank-bench.jar --suite lora --text ../shared/data/moby-dick/chapter_1.txt \
  --out results/lora-squeeze-inits/bench-lora-run1.json
# run 2, with the build that also records CPU time per step
java -jar lowrank-bench/target/lowrank-bench.jar --suite lora --quick --text ../shared/data/moby-dick/chapter_1.txt \
  --out results/lora-squeeze-inits/bench-lora-run2.json
