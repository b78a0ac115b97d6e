#!/usr/bin/env bash
# FWSVD on an encoder with a task loss (issue 19 item 4) against ASVD, whitening and plain SVD on all-MiniLM-L6-v2.
# Run from the repository root after `mvn -q -DskipTests package`. WORK is a scratch folder for the ONNX files.
# Usage: run.sh ROW...   ROW = METHOD-RATIO, METHOD one of fwsvd-party fwsvd-spam asvd whitened svd, e.g. fwsvd-party-0.2
# Each row: one compress (uniform allocation, every site at the same ratio) and one eval (party probe); with
# SPAM_EVAL=1 a second eval whose probe is the SpamAssassin set.
set -euo pipefail
M=${M:-~/.cache/lowrank4j/models/all-minilm-l6-v2}
R=results/fwsvd-encoder
SPAM=../shared/data/spam-assassin
for name in "$@"; do
  ratio=${name##*-}; method=${name%-*}
  case $method in
    fwsvd-party) opts=(--method fwsvd) ;;                      # Fisher from the vendored SOTU party probe (the default, 200 texts)
    fwsvd-party8) opts=(--method fwsvd --labels $R/party-8.tsv) ;;   # 8 of them (every 50th of each class)
    fwsvd-spam) opts=(--method fwsvd --labels $SPAM) ;;        # Fisher from 400 of the SpamAssassin spam/ham texts
    *) opts=(--method "$method") ;;
  esac
  nice ${LOWRANK:-bin/lowrank} compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib ../shared/data/sotu --pooling mean \
     --threads 2 --allocation uniform --ratio "$ratio" --calib-sequences ${SEQUENCES:-256} "${opts[@]}" --out "$WORK/$name.onnx" --force 2>&1 | grep -v '\[' | tee "$R/$name.log"
  cp "$WORK/$name.json" "$R/$name.json"
  nice ${LOWRANK:-bin/lowrank} eval --reference $M/model.onnx --candidate "$WORK/$name.onnx" --tokenizer $M/tokenizer.json --pooling mean \
    --threads 2 --out "$R/$name-eval.json" --force 2>&1 | grep -v '\[' | tee -a "$R/$name.log"
  if [ "${SPAM_EVAL:-0}" = 1 ]; then
    nice ${LOWRANK:-bin/lowrank} eval --reference $M/model.onnx --candidate "$WORK/$name.onnx" --tokenizer $M/tokenizer.json --pooling mean \
      --threads 2 --probe $SPAM --out "$R/$name-eval-spam.json" --force 2>&1 | grep -v '\[' | tee -a "$R/$name.log"
  fi
done
