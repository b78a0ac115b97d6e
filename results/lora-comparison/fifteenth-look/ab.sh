#!/bin/bash
# ratio.sh's two builds alternated ROUNDS times on one JDK at one thread count, for a closer look at one row of its
# table. usage (repository root): OUT=folder OLD_JAR=<lowrank-bench.jar at fb59a8a> \
#   results/lora-comparison/fifteenth-look/ab.sh JDK(17|25) THREADS(1|2) [ROUNDS]
set -e
cd "$(dirname "$0")/../../.."
new=${JAR:-lowrank-bench/target/lowrank-bench.jar}
old=${OLD_JAR:?the bench jar built at fb59a8a}
out=${OUT:?output folder}
jdk=${1:?JDK 17 or 25}
threads=${2:?threads 1 or 2}
rounds=${3:-4}
java=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}; flags=(--add-modules jdk.incubator.vector)
[ "$jdk" = 25 ] && java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} && flags+=(--enable-native-access=ALL-UNNAMED)
[ "$threads" = 1 ] && flags+=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
mkdir -p "$out"
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
for r in $(seq 1 "$rounds"); do
  for build in old new; do
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
