#!/bin/bash
# Full, LoRA, backward-only and forward-only steps alternated in one JVM (StepParts.java), RUNS runs per JDK at one thread.
# usage (repository root, after mvn install): WORK=folder results/lora-comparison/sixteenth-look/parts.sh [RUNS]
set -e
cd "$(dirname "$0")/../../.."
work=${WORK:?work folder}
runs=${1:-3}
jar=lowrank-bench/target/lowrank-bench.jar
mkdir -p "$work"
javac -cp $jar -d "$work" results/lora-comparison/sixteenth-look/StepParts.java
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
export OPENBLAS_NUM_THREADS=1
for r in $(seq 1 "$runs"); do
  for jdk in 25 17; do
    java=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}; flags=(--add-modules jdk.incubator.vector)
    [ $jdk = 25 ] && java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} && flags+=(--enable-native-access=ALL-UNNAMED)
    echo "JDK $jdk, run $r, load $(cut -d' ' -f1 /proc/loadavg)"
    "$java" "${flags[@]}" -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -Xmx8g -cp $jar:"$work" StepParts models/sotu-decoder 15 2>&1 | grep -v WARNING
  done
done
