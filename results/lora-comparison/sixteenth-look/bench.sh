#!/bin/bash
# The bench (--suite lora, defaults) of this build RUNS times per JDK at THREADS threads (default 1), beside parts.sh's runs.
# usage (repository root, after mvn install): [THREADS=2] OUT=folder results/lora-comparison/sixteenth-look/bench.sh [RUNS]
set -e
cd "$(dirname "$0")/../../.."
out=${OUT:?output folder}
runs=${1:-2}
mkdir -p "$out"
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
threads=${THREADS:-1}
export OPENBLAS_NUM_THREADS=$threads
for r in $(seq 1 "$runs"); do
  for jdk in 25 17; do
    java=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}; flags=(--add-modules jdk.incubator.vector)
    [ $jdk = 25 ] && java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} && flags+=(--enable-native-access=ALL-UNNAMED)
    [ "$threads" = 1 ] && flags+=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
    name=jdk$jdk-$r
    "$java" "${flags[@]}" -Xmx8g -jar lowrank-bench/target/lowrank-bench.jar --suite lora \
      --out "$out/$name.json" > "$out/$name.log" 2>&1
    printf '%-10s load %s  full %s  LoRA %s  ratio %s\n' $name "$(cut -d' ' -f1 /proc/loadavg)" \
      "$(grep -h 'full: median' "$out/$name.log" | awk '{print $3}')" "$(grep -h 'LoRA: median' "$out/$name.log" | awk '{print $3}')" \
      "$(grep -h 'LoRA / full' "$out/$name.log" | awk '{print $5}')  $(grep -h 'bootstrap' "$out/$name.log" | awk '{print $NF}')"
  done
done
