#!/bin/bash
# The LoRA-against-full step bench (--suite lora, defaults otherwise) of two builds, alternated: OLD_JAR (the bench at
# fb59a8a, where every training step allocates its layers' outputs anew) and the current one (outputs written into
# buffers kept from the step before, StepBuffers). JDK 17 and JDK 25, one thread and two, Vector API forms on (as
# bin/lowrank runs), over ROUNDS rounds; each run also logs its collections (name.gc). Prints each run's medians, ratio,
# and the number and total of its collection pauses.
# usage (repository root, after mvn install): OUT=folder OLD_JAR=<lowrank-bench.jar built at fb59a8a> \
#   results/lora-comparison/fifteenth-look/ratio.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../../.."
new=${JAR:-lowrank-bench/target/lowrank-bench.jar}
old=${OLD_JAR:?the bench jar built at fb59a8a}
out=${OUT:?output folder}
rounds=${1:-2}
java17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$out"
# as bin/lowrank: OpenBLAS's AVX-512 kernels on an AMD CPU that has AVX-512, its own choice otherwise
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
for r in $(seq 1 "$rounds"); do
  for jdk in 17 25; do
    for threads in 1 2; do
      for build in old new; do
        java=$java17; flags=(--add-modules jdk.incubator.vector)
        [ $jdk = 25 ] && java=$java25 && flags+=(--enable-native-access=ALL-UNNAMED)
        [ $threads = 1 ] && flags+=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
        jar=$new; [ $build = old ] && jar=$old
        name=jdk$jdk-threads$threads-$build-$r
        OPENBLAS_NUM_THREADS=$threads "$java" "${flags[@]}" -Xmx8g "-Xlog:gc:file=$out/$name.gc" -jar "$jar" --suite lora \
          --out "$out/$name.json" > "$out/$name.log" 2>&1
        printf '%-24s load %s  full %s  LoRA %s  ratio %s  pauses %s\n' "$name" "$(cut -d' ' -f1 /proc/loadavg)" \
          "$(grep -h 'full: median' "$out/$name.log" | awk '{print $3}')" "$(grep -h 'LoRA: median' "$out/$name.log" | awk '{print $3}')" \
          "$(grep -h 'LoRA / full' "$out/$name.log" | awk '{print $5}')" \
          "$(awk '/Pause/ {n++; v=$NF; sub("ms", "", v); s+=v} END {printf "%d, %.0f ms", n, s}' "$out/$name.gc")"
      done
    done
  done
done
