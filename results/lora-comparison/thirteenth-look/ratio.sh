#!/bin/bash
# The LoRA-against-full step bench (--suite lora, defaults otherwise) with the float kernels' Vector API forms
# (--add-modules jdk.incubator.vector) and without them (-Dlowrank.vector=false, the plain-Java loops), alternated, under
# JDK 17 and JDK 25, at one thread and at two, over ROUNDS rounds. Prints each run's full and LoRA medians and the ratio.
# usage (repository root, after mvn install): OUT=folder results/lora-comparison/thirteenth-look/ratio.sh [ROUNDS]
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
      for form in plain vector; do
        java=$java17; flags=(--add-modules jdk.incubator.vector)
        [ $jdk = 25 ] && java=$java25 && flags+=(--enable-native-access=ALL-UNNAMED)
        [ $form = plain ] && flags+=(-Dlowrank.vector=false)
        [ $threads = 1 ] && flags+=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
        name=jdk$jdk-threads$threads-$form-$r
        OPENBLAS_NUM_THREADS=$threads "$java" "${flags[@]}" -Xmx8g -jar "$jar" --suite lora --out "$out/$name.json" \
          > "$out/$name.log" 2>&1
        printf '%-26s load %s  full %s  LoRA %s  ratio %s\n' "$name" "$(cut -d' ' -f1 /proc/loadavg)" \
          "$(grep -h 'full: median' "$out/$name.log" | awk '{print $3}')" "$(grep -h 'LoRA: median' "$out/$name.log" | awk '{print $3}')" \
          "$(grep -h 'LoRA / full' "$out/$name.log" | awk '{print $5}')"
      done
    done
  done
done
