#!/bin/bash
# Prefill and KV-cache decoding of the SOTU decoder (lowrank-bench --suite decoders), the two builds alternating, one
# thread. usage: JARS=folder (base.jar, new.jar) decoders.sh ROUNDS; records decoders-{base,new}-N.json here.
cd "$(dirname "$0")/../../.."
out=results/lora-comparison/vectorised-exp
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for ((i = 1; i <= ${1:-2}; i++)); do
  for j in base new; do
    java -Xmx4g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -jar "$JARS/$j.jar" --suite decoders --threads 1 \
      --folders models/sotu-decoder --out "$out/decoders-$j-$i.json" > /dev/null 2>&1
  done
done
