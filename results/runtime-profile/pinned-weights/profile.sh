#!/bin/bash
# Where decoding spends its time: JFR over lowrank-bench --suite decoders on the SOTU decoder (one thread), samples
# counted by their innermost frame (native-method samples twice: JFR takes them half as often).
# usage: JAR=lowrank-bench.jar profile.sh   (the figure in ../README.md: JAR at a2492b9, before pinning)
set -euo pipefail
cd "$(dirname "$0")/../../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 java -Xmx4g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 \
  -XX:StartFlightRecording=filename="$work/decode.jfr",settings=profile -jar "$JAR" --suite decoders --threads 1 \
  --folders models/sotu-decoder --out "$work/decoders.json" > /dev/null 2>&1
jfr print --stack-depth 1 --events jdk.ExecutionSample,jdk.NativeMethodSample "$work/decode.jfr" | awk '
  /^jdk.NativeMethodSample/ { weight = 2 } /^jdk.ExecutionSample/ { weight = 1 }
  grab { sub(/^ +/, ""); sub(/\(.*/, ""); count[$0] += weight; total += weight; grab = 0 }
  /stackTrace = \[/ { grab = 1 }
  END { for (f in count) printf "%6d %5.1f%%  %s\n", count[f], 100 * count[f] / total, f }' | sort -rn | head -8
