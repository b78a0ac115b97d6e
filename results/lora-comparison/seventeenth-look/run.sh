#!/bin/bash
# The seventeenth look: what attention costs inside a step and whether a fused attention in the Vector API could cut it.
# Runs, per JDK (25, then 17) and RUNS times, at one thread: AttnParts (one layer's attention core), Pieces (its parts),
# SProbe (a Vector API causal-scores kernel against BLAS), Peak (the Vector API's in-cache FMA rate), BlasRate (OpenBLAS's
# rate on a linear product), and the sixteenth look's StepParts (full / LoRA / backward-only / forward-only steps) for the
# steps these belong to.
# usage (repository root, after mvn install): WORK=folder results/lora-comparison/seventeenth-look/run.sh [RUNS]
set -e
cd "$(dirname "$0")/../../.."
work=${WORK:?work folder}
runs=${1:-2}
jar=lowrank-bench/target/lowrank-bench.jar
here=results/lora-comparison/seventeenth-look
mkdir -p "$work"
javac --add-modules jdk.incubator.vector -cp $jar -d "$work" $here/*.java results/lora-comparison/sixteenth-look/StepParts.java 2>&1 \
  | grep -v -e "incubat" -e "^1 warning" || true
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
export OPENBLAS_NUM_THREADS=1
for r in $(seq 1 "$runs"); do
  for jdk in 25 17; do
    java=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}; flags=(--add-modules jdk.incubator.vector)
    [ $jdk = 25 ] && java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} && flags+=(--enable-native-access=ALL-UNNAMED)
    one=("${flags[@]}" -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -Xmx8g -cp $jar:"$work")
    echo "== JDK $jdk, run $r, load $(cut -d' ' -f1 /proc/loadavg)"
    for probe in "AttnParts 40" "Pieces 40" "SProbe 60" "Peak" "BlasRate 40" "StepParts models/sotu-decoder 15"; do
      echo "-- $probe"
      "$java" "${one[@]}" $probe 2>&1 | grep -v WARNING
    done
  done
done
