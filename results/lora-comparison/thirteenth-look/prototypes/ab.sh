#!/bin/bash
# The prototypes' A/B runs: --suite lora at JDK 25, one thread, each named setting in turn over ROUNDS rounds.
# usage (repository root): CLASSES=<prototype classes> OUT=folder prototypes/ab.sh ROUNDS "nameA:flagsA" "nameB:flagsB" ...
# CLASSES (the prototype classes, compiled from a scratch tree) go in front of the bench jar on the class path.
cd "$(dirname "$0")/../../../.."
out=${OUT:?output folder}; rounds=${1:?rounds}; shift
classes=${CLASSES:?folder of prototype classes}
java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$out"
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for r in $(seq 1 "$rounds"); do
  for spec in "$@"; do
    name=${spec%%:*}; flags=${spec#*:}
    "$java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xmx8g -Dlowrank.threads=1 \
      -XX:ActiveProcessorCount=1 $flags -cp "$classes:lowrank-bench/target/lowrank-bench.jar" org.lowrank4j.bench.BenchMain \
      --suite lora --out "$out/$name-$r.json" > "$out/$name-$r.log" 2>&1
    echo "$name-$r: $(grep -h 'full: median\|LoRA: median' "$out/$name-$r.log" | awk '{print $3}' | tr '\n' ' ')"
  done
done
