#!/bin/bash
# Two reshapings not built, per JDK at one thread, RUNS times: SVariants (S = s·Q·Kᵀ for one layer per head, per query
# group, and in causal row blocks of 128, 64 and 32, interleaved) and Batched (the q, k and v branches' three products on
# their shared input: three calls of width 8 against one of width 24, interleaved).
# usage (repository root, after mvn install): WORK=folder results/lora-comparison/seventeenth-look/shapes.sh [RUNS]
set -e
cd "$(dirname "$0")/../../.."
work=${WORK:?work folder}
runs=${1:-2}
jar=lowrank-bench/target/lowrank-bench.jar
mkdir -p "$work"
javac -cp $jar -d "$work" results/lora-comparison/seventeenth-look/SVariants.java results/lora-comparison/seventeenth-look/Batched.java
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
export OPENBLAS_NUM_THREADS=1
for r in $(seq 1 "$runs"); do
  for jdk in 25 17; do
    java=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}; flags=()
    [ $jdk = 25 ] && java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} && flags+=(--enable-native-access=ALL-UNNAMED)
    echo "== JDK $jdk, run $r, load $(cut -d' ' -f1 /proc/loadavg)"
    for probe in "SVariants 40" "Batched 200"; do
      "$java" "${flags[@]}" -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp $jar:"$work" $probe 2>&1 | grep -v WARNING
    done
  done
done
