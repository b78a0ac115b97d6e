#!/bin/bash
# The five allocation probes of the fifteenth look, summarised (summary-output.txt). Each probe was one bench run,
#   OPENBLAS_NUM_THREADS=1 java [JDK 17 | JDK 25 --enable-native-access=ALL-UNNAMED] --add-modules jdk.incubator.vector \
#     -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -Xmx8g -XX:StartFlightRecording=filename=NAME.jfr,settings=profile \
#     -jar lowrank-bench/target/lowrank-bench.jar --suite lora --out NAME.json > LOG
# then jfr print --events jdk.ObjectAllocationSample --stack-depth 6 NAME.jfr, kept here gzipped (*-samples.txt.gz).
cd "$(dirname "$0")"
while IFS=: read -r samples log label; do
  echo "== $label"
  python3 summary.py 8 "$samples" "$log" 6
done <<'LIST'
alloc-samples.txt.gz:jfrrun.log:fb59a8a, JDK 25
alloc2-samples.txt.gz:jfrrun2.log:StepBuffers before the Vector API tails, JDK 25
alloc17-samples.txt.gz:jfrrun17.log:StepBuffers before the Vector API tails, JDK 17
alloc17b-samples.txt.gz:jfrrun17b.log:with the tails, before the cross-entropy slots, JDK 17
alloc25c-samples.txt.gz:jfrrun25c.log:0354bfe (before the LoRA-branch slots), JDK 25
LIST
