#!/bin/bash
# Per JDK at one thread, RUNS times: MaskProbe.java (one branch's dropout work the way before and now, interleaved), then
# LoRA steps with lora_dropout 0 and P alternated in one JVM (DropoutSteps.java) on OLD_JAR (a checkout before the one-pass
# mask) and on this build.
# usage (repository root, after mvn install): OLD_JAR=<checkout>/lowrank-bench/target/lowrank-bench.jar WORK=folder \
#   results/lora-comparison/seventeenth-look/dropout/ab.sh [RUNS] [P]
set -e
cd "$(dirname "$0")/../../../.."
work=${WORK:?work folder}
old=${OLD_JAR:?the earlier build\'s lowrank-bench.jar}
runs=${1:-2}
p=${2:-0.05}
jar=lowrank-bench/target/lowrank-bench.jar
mkdir -p "$work/new" "$work/old"
javac -cp $jar -d "$work/new" results/lora-comparison/seventeenth-look/dropout/DropoutSteps.java
javac -cp "$old" -d "$work/old" results/lora-comparison/seventeenth-look/dropout/DropoutSteps.java
javac -cp $jar -d "$work/new" results/lora-comparison/seventeenth-look/dropout/MaskProbe.java
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
export OPENBLAS_NUM_THREADS=1
for r in $(seq 1 "$runs"); do
  for jdk in 25 17; do
    java=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}; flags=(--add-modules jdk.incubator.vector)
    [ $jdk = 25 ] && java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} && flags+=(--enable-native-access=ALL-UNNAMED)
    echo "JDK $jdk, run $r, MaskProbe, load $(cut -d' ' -f1 /proc/loadavg)"
    "$java" "${flags[@]}" -XX:ActiveProcessorCount=1 -cp "$jar:$work/new" org.lowrank4j.adapt.lora.MaskProbe 60 2>&1 | grep -v WARNING
    for build in old new; do
      cp=$jar; [ $build = old ] && cp=$old
      echo "JDK $jdk, run $r, $build build, load $(cut -d' ' -f1 /proc/loadavg)"
      "$java" "${flags[@]}" -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -Xmx8g -cp "$cp:$work/$build" DropoutSteps models/sotu-decoder 11 "$p" 2>&1 | grep -v WARNING
    done
  done
done
