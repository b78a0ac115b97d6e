#!/bin/bash
# Prefill of 64 tokens on the 4-bit SOTU decoder ($WORK/sotu-decoder-int4, from results/lora-decoder/qlora.sh), no decoding
# between prefills (vector-decoding/Prefill.java: 12 prefills, the last 6 printed), alternating $JARS/base.jar and
# $JARS/new.jar twice, one thread. usage (repository root): JARS=folder WORK=folder results/quantized-decoder/batch-tiles/prefill-ab.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -cp "$JARS/new.jar" -d "$classes" results/quantized-decoder/vector-decoding/Prefill.java
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for j in base new base new; do
  echo "== $j: $(java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$JARS/$j.jar:$classes" Prefill "$WORK/sotu-decoder-int4" 0 | tail -6 | sed 's/round [0-9]* prefill //' | tr '\n' ' ')"
done
