#!/bin/bash
# Alternating A/B of the LoRA step bench, one thread (OpenBLAS and the JVM see one core): $JARS/base.jar is the bench at
# main 6812c8e, $JARS/new.jar the bench after the faster kernels and the float32 AdamW update (71f010c). Records and the
# load before/after each run go to this folder (or to $OUT). usage: JARS=folder [OUT=folder] [TWO=1] ab.sh ROUNDS [MODEL]
# (MODEL: default models/sotu-decoder; TWO=1: the bench's defaults, two BLAS threads, records in two-threads/)
cd "$(dirname "$0")/../../.."
out=${OUT:-results/lora-comparison/faster-kernels}
mkdir -p "$out"
model=${2:-models/sotu-decoder}
tag=$(basename "$model")
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
opts="-Dlowrank.threads=1 -XX:ActiveProcessorCount=1"
if [ "${TWO:-0}" = 1 ]; then
  out=$out/two-threads
  opts=""
  unset OPENBLAS_NUM_THREADS
  mkdir -p "$out"
fi
for ((i = 1; i <= ${1:-3}; i++)); do
  for j in base new; do
    before=$(cut -d' ' -f1-3 /proc/loadavg)
    java -Xmx6g $opts -jar "$JARS/$j.jar" --suite lora --model "$model" --out "$out/$tag-$j-$i.json" > /dev/null 2>&1
    echo "$tag $j round $i load $before -> $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.txt"
  done
done
