#!/bin/bash
# RowProducts.java at one and two threads. usage: JAR=lowrank-bench.jar rows.sh > rows-output.txt
set -euo pipefail
cd "$(dirname "$0")"
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -cp "$JAR" -d "$classes" RowProducts.java
export OPENBLAS_CORETYPE=SkylakeX
for threads in 1 2; do
  echo "== $threads thread(s)"
  java -cp "$JAR:$classes" RowProducts "$threads"
done
