#!/usr/bin/env bash
# LoRA sequence classification on all-MiniLM-L6-v2 (issue 14, encoder side), spam vs ham, against the frozen probe.
# From the repository root, after `mvn -B -ntp -o -q -DskipTests package`; $M is the MiniLM folder, $WORK a scratch folder,
# $DATA the SpamAssassin corpus (../shared/data/spam-assassin: 500 mails per class are read).
set -euo pipefail
: "${M:?set M to the all-MiniLM-L6-v2 folder}" "${WORK:?set WORK to a scratch folder}" "${DATA:?set DATA to the spam-assassin folder}"

# 0. A 4-step run of the same command (its "before" line is the head fitted on the frozen embeddings; the code path
#    up to that line does not depend on --steps, --batch or --lr, so it is the "before" of run 1 too).
nice bin/lowrank finetune --task classify --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --labels "$DATA" \
    --out "$WORK/smoke" --steps 4 --batch 16 --lr 1e-3 --warmup 1 --force

# 1. LoRA r = 8 on query and value of the 6 blocks + a linear head on the mean-pooled output; the head is first fitted
#    on the frozen embeddings (the "before" line), then both train 60 steps of 16 mails. Held out: 30% of each class,
#    split seed 42 (the split eval's probe draws first).
nice bin/lowrank finetune --task classify --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --labels "$DATA" \
    --out "$WORK/spam-r8" --rank 8 --alpha 16 --targets query,value --steps 60 --batch 16 --lr 1e-3 --warmup 5 --seed 42 \
    --checkpoint-every 20 --force
# (This session stopped it at step 52 of 60, the shared cores having slowed a step from ~30 s to ~6 min; its step-40
#  checkpoint folder was copied to $WORK/spam-r8-step40 and scored with step 1b. `--resume` would continue it.)

# 1b. Held-out accuracy and macro-F1 of a classifier folder on the same 300 mails.
M="$M" DATA="$DATA" ADAPTER="$WORK/spam-r8-step40" nice jshell -J-Xmx3g --class-path lowrank-cli/target/lowrank.jar \
    results/lora-encoder/score-classifier.jsh

# 2. The frozen-embedding logistic probe of `lowrank eval` (ONNX Runtime embeddings, LogisticProbe, l2 0.3) on the same
#    texts: on split seed 42 (the same 300 held-out mails) and averaged over eval's 5 splits.
M="$M" DATA="$DATA" nice jshell -J-Xmx3g --class-path lowrank-cli/target/lowrank.jar results/lora-encoder/frozen-probe.jsh

# 3. The adapter merged into model.onnx: a plain ONNX encoder (langchain4j loads it; the head stays in the folder).
nice bin/lowrank adapter merge --model "$M/model.onnx" --adapter "$WORK/spam-r8-step40" --out "$WORK/minilm-spam-r8.onnx" --force

# 4. The merged file against the JVM encoder with the adapter unmerged (ONNX Runtime vs the JVM runtime, 32 mails).
M="$M" DATA="$DATA" ADAPTER="$WORK/spam-r8-step40" MERGED="$WORK/minilm-spam-r8.onnx" nice jshell -J-Xmx3g \
    --class-path lowrank-cli/target/lowrank.jar results/lora-encoder/merged-check.jsh
