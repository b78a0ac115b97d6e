#!/usr/bin/env bash
# The comparison harness on a GPT-2 folder (session 27): the tiny GPT-2 of results/gpt2-cli (trained on SOTU
# 1790–1945), compare's defaults otherwise (calibration on SOTU 1790–1945, held-out SOTU 1981–2021),
# svd, asvd, whitened and svd-llm at ratios 0.2 and 0.4 with the uniform allocation (held-out: the first 150,000 bytes, the default).
# Run from the repository root after `mvn -B -q install -DskipTests`:
#   WORK=/tmp/gpt2-compare results/gpt2-compare/run.sh > results/gpt2-compare/run-output.txt
set -euo pipefail
mkdir -p "$WORK"
CP=$(ls -d "$PWD"/lowrank-*/target/classes | tr '\n' ':')$PWD/lowrank-cli/target/lowrank.jar
OUT=$WORK/gpt2-sotu STEPS=300 jshell --class-path "$CP" results/gpt2-cli/train-tiny-gpt2.jsh 2>&1 | tail -2 | sed "s|$WORK/||g"
bin/lowrank compare --model $WORK/gpt2-sotu --methods svd,asvd,whitened,svd-llm --ratios 0.2,0.4 --allocations uniform --no-stats-cache \
  --out $WORK/compare 2>&1 | grep -v '\[' | grep -v incubator | sed "s|$WORK/||g"
cp $WORK/compare/results.md results/gpt2-compare/results.md
