#!/bin/bash
# In-place products under every HotSpot collector: three threads multiply random float matrices (plain, transposed B,
# and triangular) through OpenBLAS and check each result against the plain-Java backend, while a fourth thread churns
# the heap so that collections run during the calls. Prints products done, wrong results and collections per collector.
# usage (repository root, after mvn install): [JAVA25=…/bin/java] results/heap-blas/stress/run.sh WORK [SECONDS]
set -e
cd "$(dirname "$0")/../../.."
work=${1:?work folder}
seconds=${2:-15}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
jar=lowrank-bench/target/lowrank-bench.jar
mkdir -p "$work"
javac -cp $jar -d "$work" results/heap-blas/stress/Stress.java
for gc in UseSerialGC UseParallelGC UseG1GC UseZGC UseShenandoahGC; do
  echo "== $gc"
  "$java25" --enable-native-access=ALL-UNNAMED -Xmx1g -XX:+$gc -Xlog:gc:file="$work/gc-$gc.log" -cp $jar:"$work" Stress "$seconds" \
    > "$work/out-$gc.txt" 2>&1 && status=0 || status=$?
  grep -v SLF4J "$work/out-$gc.txt"
  echo "exit $status, collections: $(grep -c 'GC(' "$work/gc-$gc.log")"
done
