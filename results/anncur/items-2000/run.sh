#!/usr/bin/env bash
# ANNCUR at 2,000 items (issue 18 item 3, the brief's "few thousand"): the same recipe as ../run.sh with a new deal of the
# sentences (2,000 items; the cross-encoder's training pairs come from the sentences left, so it is a new cross-encoder
# trained exactly as before), 100 anchor queries, 50 test queries, budgets up to 200 calls (10% of the items).
# From the repository root, after `mvn -B -ntp -o -q -DskipTests package`; $M the all-MiniLM-L6-v2 folder, $WORK a
# scratch folder, $SOTU the addresses (../shared/data/sotu). Measured wall times (one thread each, the other core busy):
# cross-encoder 242 s, index (200,000 pair scores) 35 min, test rows (100,000) 17 min.
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${WORK:?set WORK to a scratch folder}" "${SOTU:?set SOTU to ../shared/data/sotu}"
export OPENBLAS_NUM_THREADS=1 LOWRANK_JAVA_OPTS="-Xmx4g -Dlowrank.threads=1"
out=results/anncur/items-2000
python3 results/anncur/prepare-data.py "$SOTU" "$WORK/data" --items 2000 --anchors 100 --tests 100 --pairs 4000 --positive next
bin/lowrank finetune --task classify --pairs --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" \
    --labels "$WORK/data/pairs.tsv" --out "$WORK/ce" --max-length 64 --rank 8 --alpha 16 \
    --targets query,value,intermediate.dense,output.dense --steps 300 --batch 16 --lr 1e-3 --warmup 15 --held-out 0.25 \
    --seed 18 --checkpoint-every 50 --force
bin/lowrank adapter merge --model "$M/model.onnx" --adapter "$WORK/ce" --out "$WORK/ce.onnx" --force
cp "$WORK/data/items.txt" "$WORK/items.txt"
head -n 100 "$WORK/data/anchor-queries.txt" > "$WORK/anchor-queries.txt"
head -n 50 "$WORK/data/test-queries.txt" > "$WORK/test-queries.txt"
CE=(--model "$WORK/ce.onnx" --tokenizer "$M/tokenizer.json" --classifier "$WORK/ce" --positive next --max-length 64)
bin/lowrank anncur index "${CE[@]}" --items "$WORK/items.txt" --queries "$WORK/anchor-queries.txt" --out "$WORK/index" --resume
bin/lowrank anncur evaluate "${CE[@]}" --index "$WORK/index" --items "$WORK/items.txt" --queries "$WORK/test-queries.txt" \
    --exact-scores "$WORK/test-exact.safetensors" --dual-encoder "$M/model.onnx" --budgets 25,50,100,200 \
    --anchor-items 10,20,40,80,160 --k 1,10,25 --seeds 5 --out $out/evaluate.json --force > $out/evaluate-stdout.txt
bin/lowrank anncur search "${CE[@]}" --index "$WORK/index" --items "$WORK/items.txt" \
    --query "We must reduce the deficit and balance the federal budget." --anchor-items 20 --budget 50 --k 10 > $out/search-stdout.txt
python3 results/anncur/item-prior.py "$WORK/test-exact.safetensors" > $out/item-prior.json
mkdir -p $out/ce && cp "$WORK"/ce/{finetune.json,finetune-log.csv,adapter_config.json,classifier.json} $out/ce/
