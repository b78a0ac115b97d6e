#!/bin/bash
# usage: ab.sh OUT ROUNDS "nameA:flagsA" "nameB:flagsB" ...   (JDK 25, one thread, --suite lora)
out=$1; rounds=$2; shift 2
mkdir -p $out
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
CP=${CP:-/tmp/exp-classes:/work/main/lowrank-bench/target/lowrank-bench.jar}
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for r in $(seq 1 $rounds); do
  for spec in "$@"; do
    name=${spec%%:*}; flags=${spec#*:}
    (cd /work/main && $J --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xmx8g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 $flags -cp $CP org.lowrank4j.bench.BenchMain --suite lora --out $out/$name-$r.json > $out/$name-$r.log 2>&1)
    echo "$name-$r load $(cut -d' ' -f1 /proc/loadavg): $(grep -h 'full: median\|LoRA: median' $out/$name-$r.log | awk '{print $3}' | tr '\n' ' ') $(grep -h 'LoRA / full' $out/$name-$r.log | awk '{print $4}')"
  done
done
