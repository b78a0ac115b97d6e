#!/bin/bash
# The bench at fb59a8a (the jar given as JAR) with the default heap ("def") and with one too large to fill and pre-touched
# ("nogc": no collection in the whole run), alternated three times, JDK 25, one thread. Fields: full, LoRA, ratio of
# medians, median of round ratios. usage (repository root): OUT=folder JAR=<lowrank-bench.jar at fb59a8a> \
#   results/lora-comparison/fifteenth-look/first-probe/heap.sh
cd "$(dirname "$0")/../../../.."
mkdir -p "${OUT:?output folder}"
for r in 1 2 3; do
  for v in def nogc; do
    extra=""; [ $v = nogc ] && extra="-Xms8g -Xmn6g -XX:+AlwaysPreTouch"
    OPENBLAS_NUM_THREADS=1 /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -Xmx8g $extra -jar "${JAR:?the bench jar at fb59a8a}" --suite lora --out $OUT/ab-$v-$r.json > $OUT/ab-$v-$r.log 2>&1
    echo "$v $r $(grep -h 'full: median' $OUT/ab-$v-$r.log | awk '{print $3}') $(grep -h 'LoRA: median' $OUT/ab-$v-$r.log | awk '{print $3}') $(grep -h 'LoRA / full' $OUT/ab-$v-$r.log | awk '{print $5, $10}')"
  done
done
