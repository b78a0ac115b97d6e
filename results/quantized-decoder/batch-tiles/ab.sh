#!/bin/bash
# Tiles as wide as the input (QuantizedWeight.rowsPerTile): alternating $JARS/base.jar (the bench before the change) and
# $JARS/new.jar (after it), ROUNDS rounds, one thread, on a 4-bit copy of the SOTU decoder at $WORK/sotu-decoder-int4
# (written by results/lora-decoder/qlora.sh): LoRA r = 8 training steps over the frozen codes (Steps, 15 steps of 4 x 256
# tokens, median). A prompt of up to ~200 tokens is not affected: below the default tile rows (65,536 / in) nothing changes.
# usage (repository root): JARS=folder WORK=folder results/quantized-decoder/batch-tiles/ab.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -cp "$JARS/new.jar" -d "$classes" results/lora-comparison/seventh-look/Steps.java
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for ((i = 1; i <= ${1:-3}; i++)); do
  for j in base new; do
    echo "== $j, round $i, load $(cut -d' ' -f1 /proc/loadavg)"
    java -Xmx6g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$JARS/$j.jar:$classes" Steps lora "$WORK/sotu-decoder-int4" 15
  done
done
