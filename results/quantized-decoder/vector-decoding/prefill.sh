#!/bin/bash
# Prefill.java on the int4 SOTU decoder with two builds, one thread: 192 decoding steps between prefills, then none. usage: JARS=folder (gemv.jar, new.jar) WORK=folder prefill.sh
set -euo pipefail
cd "$(dirname "$0")"
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -cp "$JARS/new.jar" -d "$classes" Prefill.java
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for steps in 192 0; do
  for j in gemv new; do
    echo "== $j, $steps decoding steps between prefills"
    java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$JARS/$j.jar:$classes" Prefill "$WORK/sotu-decoder-int4" "$steps"
  done
done
