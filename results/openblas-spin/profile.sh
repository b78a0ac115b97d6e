#!/bin/bash
# perf profile of 25 LoRA r = 8 steps on models/sotu-decoder (4 x 256 tokens) at two threads under JDK 25, by thread
# and symbol, with OpenBLAS's default spin (unset OPENBLAS_THREAD_TIMEOUT) or the value given.
# usage (repository root, after mvn install): [TIMEOUT=4] results/openblas-spin/profile.sh WORK
set -e
cd "$(dirname "$0")/../.."
work=${1:?work folder}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
jar=lowrank-bench/target/lowrank-bench.jar
mkdir -p "$work"
javac -cp $jar -d "$work" results/lora-comparison/seventh-look/Steps.java
export OPENBLAS_CORETYPE=SkylakeX
unset OPENBLAS_THREAD_TIMEOUT
[ -n "${TIMEOUT:-}" ] && export OPENBLAS_THREAD_TIMEOUT=$TIMEOUT
echo "OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-default}"
perf record -q -F 499 -o "$work/perf.data" "$java25" --enable-native-access=ALL-UNNAMED -Xmx6g -XX:+UnlockDiagnosticVMOptions \
  -XX:+DumpPerfMapAtExit -cp $jar:"$work" Steps lora models/sotu-decoder 25 2>&1 | grep median
echo "-- share of samples by thread"
perf report -i "$work/perf.data" --no-children --sort pid --stdio 2>/dev/null | grep -v "^#" | grep -v "^$" | head -6
echo "-- by thread and symbol"
perf report -i "$work/perf.data" --no-children --sort pid,sym --stdio 2>/dev/null | grep -v "^#" | grep -v "^$" | head -12 | cut -c1-150
echo "-- where blas_thread_init starts (the unnamed addresses just below it are the worker's wait loop)"
nm -D "$(ls ~/.javacpp/cache/*/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0 2>/dev/null | head -1)" | grep " blas_thread_init$" || true
