#!/bin/bash
# The triangular-product probe of the eighth look, one thread, JDK 25 (products in place), row blocks of 32, 64, 128.
# usage (repository root, after mvn install): [JAVA25=…/bin/java] results/lora-comparison/eighth-look/triangular-probe/run.sh WORK
set -e
cd "$(dirname "$0")/../../../.."
work=${1:?work folder}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
jar=lowrank-bench/target/lowrank-bench.jar
mkdir -p "$work"
javac -cp $jar -d "$work" results/lora-comparison/eighth-look/triangular-probe/Tri.java
for nb in 32 64 128; do
  OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 "$java25" --enable-native-access=ALL-UNNAMED -Dlowrank.threads=1 \
    -cp $jar:"$work" Tri $nb 2>&1 | grep -v SLF4J
done
