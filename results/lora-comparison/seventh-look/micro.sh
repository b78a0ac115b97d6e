#!/bin/bash
# The attention micro-measurements of the seventh look: one attention layer forward + backward against its projections
# alone (Att), one head's operations at T = 256, d = 40 (Core), the softmax per kept entry (Soft) and FloatExp per value
# over one range, over rows and over causal rows (ExpProbe, in FloatExp's package); one thread.
# usage (repository root, after mvn install): results/lora-comparison/seventh-look/micro.sh WORK_FOLDER
set -e
cd "$(dirname "$0")/../../.."
work=${1:?work folder}
mkdir -p "$work"
jar=lowrank-bench/target/lowrank-bench.jar
here=results/lora-comparison/seventh-look
javac -cp $jar -d "$work" $here/Att.java $here/Core.java $here/Soft.java
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
javac -cp $jar -d "$work/pk" $here/org/lowrank4j/nn/tensor/ExpProbe.java
for c in Att Core Soft; do
  for i in 1 2; do java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp $jar:"$work" $c; done
done
for i in 1 2; do java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$work/pk":$jar org.lowrank4j.nn.tensor.ExpProbe; done
