#!/bin/bash
# OpenBLAS's worker threads spin after each call for 2^OPENBLAS_THREAD_TIMEOUT cycles (default 2^28) before they sleep.
# On two cores that spinning competes with the Java kernels' own fork-join threads. This alternates the default against
# OPENBLAS_THREAD_TIMEOUT=4 (sleep at once), two threads: the LoRA-step suite under JDK 17 and JDK 25, and the
# runtime suite under JDK 25.
# usage (repository root, after mvn install): OUT=folder results/openblas-spin/ab.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../.."
jar=${JAR:-lowrank-bench/target/lowrank-bench.jar}
out=${OUT:?output folder}
rounds=${1:-2}
java17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$out"
export OPENBLAS_CORETYPE=SkylakeX
for r in $(seq 1 "$rounds"); do
  for timeout in default 4; do
    for run in lora-jdk17 lora-jdk25 runtime-jdk25; do
      suite=${run%%-*}
      java=$java17; flags=()
      [[ $run == *jdk25 ]] && java=$java25 && flags=(--enable-native-access=ALL-UNNAMED)
      name=$run-timeout-$timeout-$r
      echo "$name, load $(cut -d' ' -f1 /proc/loadavg)"
      if [ $timeout = default ]; then
        env -u OPENBLAS_THREAD_TIMEOUT "$java" "${flags[@]}" -Xmx8g -jar "$jar" --suite $suite --out "$out/$name.json" > "$out/$name.log" 2>&1
      else
        OPENBLAS_THREAD_TIMEOUT=$timeout "$java" "${flags[@]}" -Xmx8g -jar "$jar" --suite $suite --out "$out/$name.json" > "$out/$name.log" 2>&1
      fi
      grep -E "LoRA / full|BERT forward|decoder \(" "$out/$name.log" || true
    done
  done
done
