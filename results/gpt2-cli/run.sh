#!/usr/bin/env bash
# compress on a GPT-2 folder (issue 19 item 5): train a tiny byte-level GPT-2 on SOTU 1790–1945 (train-tiny-gpt2.jsh),
# compress it with svd, whitened and asvd at 0.2 (uniform allocation; 64 calibration windows from SOTU 1790–1945), and
# score the original and each low-rank folder with perplexity on SOTU 1981–2021 (first 200,000 bytes).
# Run from the repository root after `mvn -q -DskipTests package`; WORK is a scratch folder.
set -euo pipefail
R=results/gpt2-cli
CP=$(ls -d "$PWD"/lowrank-*/target/classes | tr '\n' ':')$PWD/lowrank-cli/target/lowrank.jar
OUT=$WORK/gpt2-sotu STEPS=${STEPS:-300} nice jshell --class-path "$CP" $R/train-tiny-gpt2.jsh 2>&1 | tee $R/train.log
ppl() { nice bin/lowrank perplexity --model "$1" --text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 200000 --json "$2" --force 2>&1 | grep -v '\[' ; }
ppl $WORK/gpt2-sotu $R/ppl-original.json | tee $R/ppl.log
for m in svd whitened asvd; do
  nice bin/lowrank compress --model $WORK/gpt2-sotu --method $m --ratio 0.2 --allocation uniform --calib ../shared/data/sotu \
    --calib-from 1790 --calib-to 1945 --out $WORK/gpt2-sotu-$m --force 2>&1 | grep -v '\[' | tee $R/compress-$m.log
  cp $WORK/gpt2-sotu-$m/lowrank.json $R/gpt2-sotu-$m.lowrank.json
  ppl $WORK/gpt2-sotu-$m $R/ppl-$m.json | tee -a $R/ppl.log
done
