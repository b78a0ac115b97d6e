#!/bin/bash
# SoftParts and ExpPad (in FloatExp's package), twice each, one thread.
# usage (repository root): WORK=folder results/lora-comparison/seventh-look/softmax-parts.sh
set -e
cd "$(dirname "$0")/../../.."
here=results/lora-comparison/seventh-look
jar=lowrank-bench/target/lowrank-bench.jar
mkdir -p "$WORK"
javac -cp $jar -d "$WORK" $here/org/lowrank4j/nn/tensor/SoftParts.java $here/org/lowrank4j/nn/tensor/ExpPad.java
for c in SoftParts ExpPad; do
  for i in 1 2; do java -XX:ActiveProcessorCount=1 -cp "$WORK":$jar org.lowrank4j.nn.tensor.$c; done
done
