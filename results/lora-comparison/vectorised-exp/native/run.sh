#!/bin/bash
# OpenBLAS called on native pointers (no copies from the Java heap), one thread: the lower-triangle product sgemmt
# against sgemm for S = Q·Kᵀ (256 × 40 × 256), row blocks of sgemm that skip the causal upper triangle, and the six
# skinny products of one LoRA branch (N = 1,024, in = out = 320, r = 8) beside one copy of a 1,024 × 320 operand in and
# out of native memory. usage: JAR=lowrank-bench.jar run.sh > output.txt
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_CORETYPE=SkylakeX
javac -cp "$JAR" -d "$work" "$here"/*.java
for main in GemmtTimes RowBlockTimes BranchTimes; do
  echo "== $main (load $(cut -d' ' -f1-3 /proc/loadavg))"
  java -cp "$work:$JAR" $main
done
