#!/bin/bash
# A random model of Gemma 3 270M's sizes (gemma3-270m.json: 18 layers of width 640, one key/value head of 256, vocabulary
# 262,144, 32,768 positions, sliding windows of 512 on five layers in six; the sizes as secondary copies of the published
# config give them): write it, score 20,000 bytes of SOTU with it (windows of 2,048 tokens, so past the sliding window),
# export it and run the export's check in ONNX Runtime. Wall time and peak resident memory of each command from
# /usr/bin/time. Random weights: the scores say nothing about language. Run from the repository root after
# `mvn -B -q install -DskipTests`:
#   OUT=/tmp/g270 results/gemma/size.sh > results/gemma/size-output.txt
set -euo pipefail
out=${OUT:?work folder}
rm -rf "$out" && mkdir -p "$out"
source results/gemma/timed.sh # timed LABEL COMMAND...
timed "write the random model" java -Xmx8g -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java \
  results/gemma/gemma3-270m.json models/sotu-decoder/tokenizer.json "$out/gemma3-270m"
du -sh "$out/gemma3-270m/model.safetensors"
timed "perplexity" bin/lowrank perplexity --model "$out/gemma3-270m" --text ../shared/data/sotu --from 2020 --max-bytes 20000
timed "export" bin/lowrank export --model "$out/gemma3-270m" --out "$out/gemma3-270m-onnx"
du -sh "$out/gemma3-270m-onnx/onnx"
