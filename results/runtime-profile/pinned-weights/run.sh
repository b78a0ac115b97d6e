#!/bin/bash
# Decoding with and without pinned weights (lowrank-bench --suite decoders: each round runs every folder copied and
# pinned, in alternating order; medians of 7 rounds), one thread, two JVM runs. usage: JAR=lowrank-bench.jar
# WORK=folder-with-wide-decoder run.sh > output.txt   (the wide decoder: see results/lora-comparison, "A fourth look")
cd "$(dirname "$0")/../../.."
out=results/runtime-profile/pinned-weights
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for run in 1 2; do
  java -Xmx6g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -jar "$JAR" --suite decoders --threads 1 \
    --folders "models/sotu-decoder,$WORK/wide-decoder" --out "$out/decoders-$run.json" | grep tokens/s | sed "s|$WORK|\$WORK|g"
done
sed -i "s|$WORK|\$WORK|g" "$out"/decoders-*.json
