#!/bin/bash
# LoRA fine-tuning of the random Gemma 3 270M-sized model that size.sh wrote (vocabulary 262,144), given a real Hugging
# Face tokenizer.json (all-MiniLM-L6-v2's WordPiece, 30,522 ids: the only one on this machine; the build copies it out of
# the langchain4j jar): 2 steps of 4 windows of 512 tokens, so 2,048 rows of 262,144 logits a step (2.1 GB as one float32
# tensor), with this build and with OLD_JAR (a lowrank.jar from before finetune read tokenizers and scored the loss a few
# rows at a time, e.g. at d563f2c), each with bin/lowrank's default 8 GB heap, then this build with 4 GB. Prints each
# run's last lines, wall time and peak resident memory. Run from the repository root after size.sh (same OUT):
#   OUT=/tmp/g270 OLD_JAR=/tmp/old/lowrank-cli/target/lowrank.jar results/gemma/finetune-memory.sh > results/gemma/finetune-memory-output.txt
set -euo pipefail
out=${OUT:?the folder size.sh wrote}
old=${OLD_JAR:?a lowrank.jar from before the row-by-row loss}
export OPENBLAS_CORETYPE=SkylakeX # as bin/lowrank sets on this AMD machine
cp lowrank-nn/target/test-models/all-minilm-l6-v2-tokenizer.json "$out/gemma3-270m/tokenizer.json"
for run in "$old 8g" "lowrank-cli/target/lowrank.jar 8g" "lowrank-cli/target/lowrank.jar 4g"; do
  read -r jar heap <<< "$run"
  rm -rf "$out/lora"
  echo "== $jar, -Xmx$heap"
  /usr/bin/time -f "%e s wall, %M KB peak resident" java -Xmx$heap -jar "$jar" finetune --model "$out/gemma3-270m" --data ../shared/data/sotu \
    --from 2021 --to 2021 --held-out 0.1 --steps 2 --batch 4 --context 512 --out "$out/lora" 2>&1 \
    | tr '\r' '\n' | grep -E "finetune:|trainable|held-out perplexity|lower|ran out of memory|OutOfMemory|wall" || true
done
