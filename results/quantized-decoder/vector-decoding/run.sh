#!/bin/bash
# Decoding int4 decoders before and after a few rows go through QuantizedMatrix.timesVector (read from the codes, no
# dequantized tile): lowrank-bench --suite decoders on the SOTU decoder and the width-1,024 decoder of
# results/lora-comparison quantized by RTN (int4, groups of 32), one thread, the two builds alternating, $RUNS times
# (default 1: a base run takes ~15 minutes).
# usage: JARS=folder (base.jar, new.jar) WORK=folder run.sh > output.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=results/quantized-decoder/vector-decoding
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for m in sotu-decoder:models/sotu-decoder wide-decoder:$WORK/wide-decoder; do
  name=${m%%:*}
  [ -f "$WORK/$name-int4/config.json" ] || bin/lowrank compress --model "${m#*:}" --method rtn:bits=4:group=32 --out "$WORK/$name-int4" > /dev/null
done
for ((run = 1; run <= ${RUNS:-1}; run++)); do
  for jar in base new; do
    echo "== $jar, run $run"
    java -Xmx6g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -jar "$JARS/$jar.jar" --suite decoders --threads 1 \
      --folders "$WORK/sotu-decoder-int4,$WORK/wide-decoder-int4" --out "$out/decoders-$jar-$run.json" | grep tokens/s | sed "s|$WORK|\$WORK|g"
  done
done
sed -i "s|$WORK|\$WORK|g" "$out"/*.json
