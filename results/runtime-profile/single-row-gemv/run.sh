#!/bin/bash
# Decoding before and after one row times a large weight goes to gemv (lowrank-bench --suite decoders: each folder
# copied and pinned, medians of 7 rounds), one thread, the two builds alternating, twice; then once each at two threads.
# Folders: the SOTU decoder, the width-1,024 decoder and the 32,000-token-vocabulary decoder of ../pinned-weights.
# usage: JARS=folder (base.jar, new.jar) WORK=folder run.sh > output.txt
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=results/runtime-profile/single-row-gemv
export OPENBLAS_CORETYPE=SkylakeX
folders="models/sotu-decoder,$WORK/wide-decoder,$WORK/bigvocab-decoder"
for threads in 1 2; do
  opts="-Dlowrank.threads=1 -XX:ActiveProcessorCount=1"
  [ "$threads" = 2 ] && opts=""
  runs=2
  [ "$threads" = 2 ] && runs=1
  for ((run = 1; run <= runs; run++)); do
    for jar in base new; do
      echo "== $jar, $threads thread(s), run $run"
      OPENBLAS_NUM_THREADS=$threads java -Xmx6g $opts -jar "$JARS/$jar.jar" --suite decoders --threads "$threads" \
        --folders "$folders" --out "$out/decoders-$jar-t$threads-$run.json" | grep tokens/s | sed "s|$WORK|\$WORK|g"
    done
  done
done
sed -i "s|$WORK|\$WORK|g" "$out"/decoders-*.json
