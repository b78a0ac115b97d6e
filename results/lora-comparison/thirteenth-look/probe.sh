#!/bin/bash
# The softmax and exponential probe (probe/org/.../SoftmaxProbe.java) at one thread under JDK 17 and JDK 25.
# usage (repository root, after mvn install): results/lora-comparison/thirteenth-look/probe.sh WORK_FOLDER
set -e
cd "$(dirname "$0")/../../.."
work=${1:?work folder}
jar=lowrank-bench/target/lowrank-bench.jar
java17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$work"
javac --add-modules jdk.incubator.vector -nowarn -cp $jar -d "$work" \
  results/lora-comparison/thirteenth-look/probe/org/lowrank4j/nn/tensor/SoftmaxProbe.java 2>&1 | grep -v incubat || true
for java in "$java17" "$java25"; do
  "$java" --add-modules jdk.incubator.vector -XX:ActiveProcessorCount=1 -cp "$work:$jar" org.lowrank4j.nn.tensor.SoftmaxProbe 2>&1 \
    | grep -v "^WARNING: Using incubator"
done
