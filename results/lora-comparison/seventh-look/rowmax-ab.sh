#!/bin/bash
# The causal softmax (Soft: one head, T = 256) and one attention layer (Att) with the row maximum in Math.max
# ($JARS/base.jar, the bench at 043ea33) and in plain comparisons ($JARS/new.jar), alternating three times, one thread.
# usage (repository root): JARS=folder WORK=folder results/lora-comparison/seventh-look/rowmax-ab.sh
set -e
cd "$(dirname "$0")/../../.."
here=results/lora-comparison/seventh-look
mkdir -p "$WORK"
javac -cp "$JARS/base.jar" -d "$WORK" $here/Soft.java $here/Att.java
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for i in 1 2 3; do
  for j in base new; do
    echo "$j: $(java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$JARS/$j.jar":"$WORK" Soft | tail -1)"
    echo "$j: $(java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$JARS/$j.jar":"$WORK" Att)"
  done
done
