#!/bin/bash
# The LoRA-against-full step bench (--suite lora) on the SOTU decoder (width 320) and on a width-1,024 decoder of random
# weights (70 M parameters, as in the fourth look), JDK 17 and JDK 25, one thread and two; ROUNDS rounds, the decoders
# alternating within each setting. usage (repository root, after mvn install): OUT=folder WORK=folder [FIRST=1] wide.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../../.."
jar=${JAR:-lowrank-bench/target/lowrank-bench.jar}
out=${OUT:?output folder}
work=${WORK:?scratch folder for the wide decoder}
rounds=${1:-1}
java17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$out"
if [ ! -f "$work/wide-decoder/model.safetensors" ]; then
  bin/lowrank train --data ../shared/data/moby-dick/chapter_1.txt --out "$work/wide-decoder" --hidden 1024 --heads 16 --kv-heads 8 \
    --mlp 2752 --layers 6 --steps 1 --batch 1 > "$out/wide-decoder-train.log" 2>&1
fi
export OPENBLAS_CORETYPE=SkylakeX
for r in $(seq "${FIRST:-1}" "$rounds"); do
  for jdk in 17 25; do
    for threads in 1 2; do
      for model in models/sotu-decoder "$work/wide-decoder"; do
        java=$java17; flags=()
        [ $jdk = 25 ] && java=$java25 && flags=(--enable-native-access=ALL-UNNAMED)
        one=()
        [ $threads = 1 ] && one=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
        name=$(basename "$model")-jdk$jdk-threads$threads-$r
        echo "$name, load $(cut -d' ' -f1 /proc/loadavg)"
        OPENBLAS_NUM_THREADS=$threads "$java" "${flags[@]}" -Xmx10g "${one[@]}" -jar "$jar" --suite lora --model "$model" \
          --out "$out/$name.json" > "$out/$name.log" 2>&1
        grep "full:\|LoRA:\|LoRA / full" "$out/$name.log"
      done
    done
  done
done
