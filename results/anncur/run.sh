#!/usr/bin/env bash
# ANNCUR (issue 18, spec 16) on State of the Union sentences: a MiniLM cross-encoder fine-tuned here, a CUR index of
# anchor queries' exact scores, recall of the exact top-k at equal cross-encoder budgets against dual-encoder + re-rank.
# From the repository root, after `mvn -B -ntp -o -q -DskipTests package`; $M is the all-MiniLM-L6-v2 folder
# (model.onnx + tokenizer.json), $WORK a scratch folder, $SOTU the addresses (../shared/data/sotu).
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${WORK:?set WORK to a scratch folder}" "${SOTU:?set SOTU to ../shared/data/sotu}"
export OPENBLAS_NUM_THREADS=1 LOWRANK_JAVA_OPTS="-Xmx4g -Dlowrank.threads=1"

# 0. Sentences (8-30 words) dealt out disjointly: 1,000 items, 100 anchor queries, 100 test queries, and cross-encoder
#    training pairs from the remaining 35,454 sentences ("next": a sentence and the one after it; "other": a sentence
#    and one of another address). The first attempt (--positive same) is step 1a.
python3 results/anncur/prepare-data.py "$SOTU" "$WORK/data-next" --items 1000 --anchors 100 --tests 100 --pairs 4000 --positive next
python3 results/anncur/prepare-data.py "$SOTU" "$WORK/data" --items 1000 --anchors 100 --tests 100 --pairs 2000 --positive same

# 1. The cross-encoder: MiniLM reading [CLS] a [SEP] b [SEP] (token types 0/1), LoRA r = 8 on query, value and the
#    feed-forward layers + a two-class head on the mean-pooled output; 25% of each class held out.
nice bin/lowrank finetune --task classify --pairs --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" \
    --labels "$WORK/data-next/pairs.tsv" --out "$WORK/ce-next" --max-length 64 --rank 8 --alpha 16 \
    --targets query,value,intermediate.dense,output.dense --steps 300 --batch 16 --lr 1e-3 --warmup 15 --held-out 0.25 \
    --seed 18 --checkpoint-every 50 --force
# 1a. (first attempt, same address or not: held-out accuracy at chance, not used further)
nice bin/lowrank finetune --task classify --pairs --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" \
    --labels "$WORK/data/pairs.tsv" --out "$WORK/ce-r8" --max-length 64 --rank 8 --alpha 16 \
    --targets query,value,intermediate.dense,output.dense --steps 120 --batch 16 --lr 1e-3 --warmup 10 --held-out 0.25 \
    --seed 18 --checkpoint-every 20 --force

# 2. The adapter merged into model.onnx (ONNX Runtime runs the cross-encoder from here on), checked against the JVM
#    encoder running the adapter on the same pairs.
nice bin/lowrank adapter merge --model "$M/model.onnx" --adapter "$WORK/ce-next" --out "$WORK/ce-next.onnx" --force
M="$M" WORK="$WORK" nice jshell -J-Xmx3g --class-path lowrank-cli/target/lowrank.jar results/anncur/pair-check.jsh \
    > results/anncur/pair-check.json

# 3. Items and queries of the evaluation (subsets of step 0's, to fit the CPU budget: see README).
head -n "${ITEMS:-500}" "$WORK/data-next/items.txt" > "$WORK/items.txt"
head -n "${ANCHORS:-100}" "$WORK/data-next/anchor-queries.txt" > "$WORK/anchor-queries.txt"
head -n "${TESTS:-50}" "$WORK/data-next/test-queries.txt" > "$WORK/test-queries.txt"
CE=(--model "$WORK/ce-next.onnx" --tokenizer "$M/tokenizer.json" --classifier "$WORK/ce-next" --positive next --max-length 64)

# 4. Offline index (k_q x |I| calls) and the test queries' exact rows (|Q| x |I| calls, the ground truth), run side by
#    side; both are cached on disk and continue where they stopped when run again.
nice bin/lowrank anncur index "${CE[@]}" --items "$WORK/items.txt" --queries "$WORK/anchor-queries.txt" --out "$WORK/index" --resume &
nice bin/lowrank anncur evaluate "${CE[@]}" --index "$WORK/index" --items "$WORK/items.txt" --queries "$WORK/test-queries.txt" \
    --exact-scores "$WORK/test-exact.safetensors" --dual-encoder "$M/model.onnx" --out "$WORK/warm.json" --force 2>/dev/null || true
wait
# 5. The comparison (exact rows read from the cache; 5 anchor-item draws per setting).
bin/lowrank anncur evaluate "${CE[@]}" --index "$WORK/index" --items "$WORK/items.txt" --queries "$WORK/test-queries.txt" \
    --exact-scores "$WORK/test-exact.safetensors" --dual-encoder "$M/model.onnx" --budgets 25,50,100 \
    --anchor-items 10,20,40,80 --k 1,10,25 --seeds 5 --out results/anncur/evaluate.json --force > results/anncur/evaluate-stdout.txt
# 6. One live search (anchor calls + re-rank through ONNX Runtime).
bin/lowrank anncur search "${CE[@]}" --index "$WORK/index" --items "$WORK/items.txt" \
    --query "We must reduce the deficit and balance the federal budget." --anchor-items 20 --budget 50 --k 10 \
    > results/anncur/search-stdout.txt
# 7. How much of the test score matrix is an item prior (numpy).
python3 results/anncur/item-prior.py "$WORK/test-exact.safetensors" > results/anncur/item-prior.json
