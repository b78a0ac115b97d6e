#!/bin/bash
# Decoding with and without pinned weights (lowrank-bench --suite decoders: each round runs every folder copied and
# pinned, in alternating order; medians of 7 rounds), one thread, two JVM runs, on the SOTU decoder, the width-1,024
# decoder (see results/lora-comparison, "A fourth look") and a random decoder with a 32,000-token vocabulary
# (BigVocab.java, written here when missing). usage: JAR=lowrank-bench.jar WORK=folder run.sh > output.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=results/runtime-profile/pinned-weights
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
if [ ! -f "$WORK/bigvocab-decoder/config.json" ]; then
  classes=$(mktemp -d)
  javac -cp "$JAR" -d "$classes" "$out/BigVocab.java"
  java -cp "$JAR:$classes" BigVocab "$WORK/bigvocab-decoder" > /dev/null
  rm -rf "$classes"
fi
for run in 1 2; do
  java -Xmx6g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -jar "$JAR" --suite decoders --threads 1 \
    --folders "models/sotu-decoder,$WORK/wide-decoder,$WORK/bigvocab-decoder" --out "$out/decoders-$run.json" \
    | grep tokens/s | sed "s|$WORK|\$WORK|g"
done
sed -i "s|$WORK|\$WORK|g" "$out"/decoders-*.json
