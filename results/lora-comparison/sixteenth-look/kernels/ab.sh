#!/bin/bash
# The bench (--suite lora) of a build that has the thin kernels (the files beside this script, with
# LoraWeight-thin.patch applied), alternately with them on and off (-Dlowrank.thin=true|false): JDK $1, $2 threads,
# $3 rounds. Prints each run's medians and ratio of medians.
# usage (repository root of that build, after mvn package): OUT=folder path/to/ab.sh 25|17 1|2 ROUNDS
jdk=$1; threads=$2; rounds=$3; out=${OUT:?output folder}
java=/usr/lib/jvm/java-17-openjdk-amd64/bin/java; flags=(--add-modules jdk.incubator.vector)
[ $jdk = 25 ] && java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java && flags+=(--enable-native-access=ALL-UNNAMED)
[ $threads = 1 ] && flags+=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
mkdir -p "$out"
for r in $(seq 1 $rounds); do
  for thin in true false; do
    name=jdk$jdk-t$threads-thin$thin-$r
    OPENBLAS_NUM_THREADS=$threads "$java" "${flags[@]}" -Dlowrank.thin=$thin -Xmx8g -jar lowrank-bench/target/lowrank-bench.jar --suite lora --out $out/$name.json > $out/$name.log 2>&1
    printf '%-24s load %s  full %s  LoRA %s  ratio %s\n' $name "$(cut -d' ' -f1 /proc/loadavg)" \
      "$(grep -h 'full: median' $out/$name.log | awk '{print $3}')" "$(grep -h 'LoRA: median' $out/$name.log | awk '{print $3}')" \
      "$(grep -h 'LoRA / full' $out/$name.log | awk '{print $5}')"
  done
done
