#!/bin/bash
# The kernel timings quoted in ../../README.md ("A fourth look"): the same sources compiled against the classes of two
# bench jars and run alternately on one thread, then the triangular product on the new one.
# usage: JARS=folder run.sh > FILE, with base.jar and new.jar two builds of the bench. output.txt here: base at main
# 6812c8e, new at the review commit that stages trmm's right-hand side directly (d16f653);
# ../../vectorised-exp/micro-output.txt: base at 857735f, new at 5bdddff (FloatExp's range form);
# ../../vectorised-exp/e930eaf-micro-output.txt: base at a2492b9, new at e930eaf (reverted in 4fd7915).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for j in base new; do
  mkdir -p "$work/$j"
  javac -cp "$JARS/$j.jar" -d "$work/$j" "$here/KernelTimes.java"
done
javac -cp "$JARS/new.jar" -d "$work/new" "$here/TrmmTimes.java"
for round in 1 2; do
  for j in base new; do
    echo "== $j, round $round (load $(cut -d' ' -f1-3 /proc/loadavg))"
    java -Xmx4g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$work/$j:$JARS/$j.jar" org.lowrank4j.nn.tensor.KernelTimes
  done
done
echo "== new: triangular products (load $(cut -d' ' -f1-3 /proc/loadavg))"
java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$work/new:$JARS/new.jar" TrmmTimes
