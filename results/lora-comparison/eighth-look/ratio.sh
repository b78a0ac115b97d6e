#!/bin/bash
# The LoRA-against-full step bench (--suite lora, defaults otherwise) under JDK 17 (products copy their operands) and
# JDK 25 (products read the Java arrays in place), at one thread and at two, alternated over ROUNDS rounds.
# usage (repository root, after mvn install): OUT=folder results/lora-comparison/eighth-look/ratio.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../../.."
jar=${JAR:-lowrank-bench/target/lowrank-bench.jar}
out=${OUT:?output folder}
rounds=${1:-2}
java17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$out"
export OPENBLAS_CORETYPE=SkylakeX
for r in $(seq 1 "$rounds"); do
  for jdk in 17 25; do
    for threads in 1 2; do
      java=$java17; flags=()
      [ $jdk = 25 ] && java=$java25 && flags=(--enable-native-access=ALL-UNNAMED)
      one=()
      [ $threads = 1 ] && one=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
      name=jdk$jdk-threads$threads-$r
      echo "$name, load $(cut -d' ' -f1 /proc/loadavg)"
      OPENBLAS_NUM_THREADS=$threads "$java" "${flags[@]}" -Xmx8g "${one[@]}" -jar "$jar" --suite lora --out "$out/$name.json" \
        > "$out/$name.log" 2>&1
      grep "LoRA / full" "$out/$name.log"
    done
  done
done
