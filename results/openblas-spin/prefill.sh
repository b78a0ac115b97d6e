#!/bin/bash
# The runtime suite only (BERT against ONNX Runtime, decoder prefill and decode), OpenBLAS's default spin against
# OPENBLAS_THREAD_TIMEOUT=$VALUE (default 4), alternated over ROUNDS rounds, two threads, under the JDK given (default:
# JDK 17). usage (repository root, after mvn install): OUT=folder [VALUE=n] [JAVA=…/bin/java] results/openblas-spin/prefill.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../.."
jar=${JAR:-lowrank-bench/target/lowrank-bench.jar}
out=${OUT:?output folder}
rounds=${1:-3}
java=${JAVA:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
mkdir -p "$out"
export OPENBLAS_CORETYPE=SkylakeX
for r in $(seq 1 "$rounds"); do
  for timeout in default ${VALUE:-4}; do
    name=runtime-timeout-$timeout-$r
    echo "$name, load $(cut -d' ' -f1 /proc/loadavg)"
    if [ $timeout = default ]; then
      env -u OPENBLAS_THREAD_TIMEOUT "$java" -Xmx8g -jar "$jar" --suite runtime --out "$out/$name.json" > "$out/$name.log" 2>&1
    else
      OPENBLAS_THREAD_TIMEOUT=$timeout "$java" -Xmx8g -jar "$jar" --suite runtime --out "$out/$name.json" > "$out/$name.log" 2>&1
    fi
    grep -E "BERT forward|decoder \(" "$out/$name.log" || true
  done
done
