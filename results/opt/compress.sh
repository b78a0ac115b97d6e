#!/usr/bin/env bash
# compress on an OPT folder, as results/gpt2-cli/run.sh does on GPT-2: train a tiny byte-level OPT on SOTU 1790–1945
# (train-tiny-opt.jsh: GPT-2's shape, data and schedule, ReLU MLP), compress it with svd, whitened and asvd at 0.2
# (uniform allocation; 64 calibration windows from SOTU 1790–1945), and score the original and each low-rank folder with
# perplexity on SOTU 1981–2021 (first 200,000 bytes).
# Run from the repository root after `mvn -q -DskipTests install`; WORK is a scratch folder:
#   WORK=/tmp/opt-work results/opt/compress.sh
set -euo pipefail
R=results/opt/compress
mkdir -p $R
CP=$(ls -d "$PWD"/lowrank-*/target/classes | tr '\n' ':')$PWD/lowrank-cli/target/lowrank.jar
OUT=$WORK/opt-sotu STEPS=${STEPS:-300} nice jshell --class-path "$CP" results/opt/train-tiny-opt.jsh 2>&1 | tee $R/train.log
ppl() { nice bin/lowrank perplexity --model "$1" --text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 200000 --json "$2" --force 2>&1 | grep -v '\[' ; }
ppl $WORK/opt-sotu $R/ppl-original.json | tee $R/ppl.log
for m in svd whitened asvd; do
  nice bin/lowrank compress --model $WORK/opt-sotu --method $m --ratio 0.2 --allocation uniform --calib ../shared/data/sotu \
    --calib-from 1790 --calib-to 1945 --out $WORK/opt-sotu-$m --force 2>&1 | grep -v '\[' | tee $R/compress-$m.log
  cp $WORK/opt-sotu-$m/lowrank.json $R/opt-sotu-$m.lowrank.json
  ppl $WORK/opt-sotu-$m $R/ppl-$m.json | tee -a $R/ppl.log
done
