#!/bin/bash
# The SOTU decoder alone (its weights are below the gemv threshold), three builds alternating, three rounds, one thread:
# base = the bench at 9b42057, gemv = with only the single-row gemv, new = at b0188a2 (gemv and the reused training
# buffers). Run after run.sh showed the SOTU figures lower in the new build's two runs. usage: JARS=folder sotu-ab.sh > sotu-output.txt
cd "$(dirname "$0")/../../.."
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in 1 2 3; do
  for j in base gemv new; do
    echo "== $j $i $(cut -d' ' -f1-3 /proc/loadavg)"
    java -Xmx6g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -jar "$JARS/$j.jar" --suite decoders --threads 1 \
      --folders models/sotu-decoder --out "$work/sotu-$j-$i.json" | grep tokens/s
  done
done
