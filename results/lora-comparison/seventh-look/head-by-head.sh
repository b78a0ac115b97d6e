#!/bin/bash
# The reverted head-by-head attention (head-by-head.patch, applied to main at 213f933): one attention layer timed by Att,
# alternating $JARS/base.jar (the bench at 213f933) and $JARS/new.jar (the same with the patch), three rounds, one thread.
# usage (repository root): JARS=folder WORK=folder results/lora-comparison/seventh-look/head-by-head.sh
set -e
cd "$(dirname "$0")/../../.."
here=results/lora-comparison/seventh-look
mkdir -p "$WORK"
javac -cp "$JARS/base.jar" -d "$WORK" $here/Att.java
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for i in 1 2 3; do
  for j in base new; do
    echo -n "$j: "
    java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -cp "$JARS/$j.jar":"$WORK" Att
  done
done
