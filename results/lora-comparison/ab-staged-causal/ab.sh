#!/bin/bash
# Alternating A/B of the LoRA step bench. By default one thread (OpenBLAS and the JVM each see one core, so that the
# process CPU time of a step is its work, not the waiting of two BLAS threads on a machine with other jobs on it);
# with TWO=1 the default bench (two BLAS threads), records in two-threads/.
# usage: JARS=$WORK [TWO=1] ab.sh ROUNDS   ($WORK/base.jar: main at 03fbac7; $WORK/new.jar: branch lorastep14)
cd "$(dirname "$0")/../../.."
out=results/lora-comparison/ab-staged-causal
opts="-Dlowrank.threads=1 -XX:ActiveProcessorCount=1"
if [ "$TWO" = 1 ]; then
  out=$out/two-threads
  opts=""
fi
mkdir -p "$out"
for ((i = 1; i <= ${1:-3}; i++)); do
  for j in base new; do
    before=$(cut -d' ' -f1-3 /proc/loadavg)
    java -Xmx3g $opts -jar "$JARS/$j.jar" --suite lora --out "$out/$j-$i.json" > /dev/null 2>&1
    echo "$j round $i load $before -> $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.txt"
  done
done
