#!/bin/bash
# The tenth look's comparison on this machine: the LoRA-against-full step bench (--suite lora, defaults) on the SOTU
# decoder (width 320) and on a width-1,024 decoder of random weights (70 M parameters; trained one step into WORK once),
# alternating, for each JDK/threads pair of SETTINGS (default "25/1 25/2 17/1"), RUNS times.
# usage (repository root, after mvn install): OUT=folder WORK=folder [SETTINGS=...] results/lora-comparison/seventeenth-look/wide.sh [RUNS]
set -e
cd "$(dirname "$0")/../../.."
out=${OUT:?output folder}
work=${WORK:?scratch folder for the wide decoder}
runs=${1:-1}
mkdir -p "$out" "$work"
if [ ! -f "$work/wide-decoder/model.safetensors" ]; then
  bin/lowrank train --data ../shared/data/moby-dick/chapter_1.txt --out "$work/wide-decoder" --hidden 1024 --heads 16 --kv-heads 8 \
    --mlp 2752 --layers 6 --steps 1 --batch 1 > "$out/wide-decoder-train.log" 2>&1
fi
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
for r in $(seq 1 "$runs"); do
  for setting in ${SETTINGS:-25/1 25/2 17/1}; do
    jdk=${setting%/*}; threads=${setting#*/}
    java=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}; flags=(--add-modules jdk.incubator.vector)
    [ $jdk = 25 ] && java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java} && flags+=(--enable-native-access=ALL-UNNAMED)
    [ "$threads" = 1 ] && flags+=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
    for model in models/sotu-decoder "$work/wide-decoder"; do
      name=$(basename "$model")-jdk$jdk-threads$threads-$r
      OPENBLAS_NUM_THREADS=$threads "$java" "${flags[@]}" -Xmx10g -jar lowrank-bench/target/lowrank-bench.jar --suite lora --model "$model" \
        --out "$out/$name.json" > "$out/$name.log" 2>&1
      printf '%-32s load %s  full %s  LoRA %s  ratio %s\n' $name "$(cut -d' ' -f1 /proc/loadavg)" \
        "$(grep -h 'full: median' "$out/$name.log" | awk '{print $3}')" "$(grep -h 'LoRA: median' "$out/$name.log" | awk '{print $3}')" \
        "$(grep -h 'LoRA / full' "$out/$name.log" | awk '{print $5}')  $(grep -h 'bootstrap' "$out/$name.log" | awk '{print $NF}')"
    done
  done
done
