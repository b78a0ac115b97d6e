#!/bin/bash
# Products on the Java arrays in place (Java 22+) against the copying path, in the same JDK 25, alternated:
# -Dlowrank.heapBlas=false turns the in-place route off. Runs the runtime suite (BERT forward against ONNX Runtime,
# decoder dense against low-rank) and the LoRA-against-full step suite, ROUNDS times each way.
# usage (repository root, after mvn install): JAR=lowrank-bench/target/lowrank-bench.jar OUT=folder results/heap-blas/ab.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../.."
jar=${JAR:-lowrank-bench/target/lowrank-bench.jar}
out=${OUT:?output folder}
rounds=${1:-2}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$out"
export OPENBLAS_CORETYPE=SkylakeX
for r in $(seq 1 "$rounds"); do
  for heap in true false; do
    for suite in runtime lora; do
      echo "round $r, in place $heap, suite $suite, load $(cut -d' ' -f1 /proc/loadavg)"
      "$java25" --enable-native-access=ALL-UNNAMED -Xmx8g -Dlowrank.heapBlas=$heap -jar "$jar" --suite $suite \
        --out "$out/$suite-inplace-$heap-$r.json" > "$out/$suite-inplace-$heap-$r.log" 2>&1
    done
  done
done
