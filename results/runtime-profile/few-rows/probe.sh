#!/bin/bash
# One decode step of models/sotu-decoder at batch 1, 2, 4 and 8 (results/decode-batching/BatchProbe.java), with two
# builds in turn: BASE (products of one to four rows through gemm, below 2 MB of weight) and NEW (through one gemv per
# row), for OpenBLAS's AVX2 (Haswell) and AVX-512 (SkylakeX) kernels, ROUNDS times. From the repository root:
#   BASE=base.jar NEW=new.jar WORK=folder results/runtime-profile/few-rows/probe.sh [ROUNDS]
# (base.jar / new.jar: lowrank-cli/target/lowrank.jar built at 4bd0b40 and at the commit that added byRows)
set -e
cd "$(dirname "$0")/../../.."
work=${WORK:?work folder}
mkdir -p "$work"
javac -cp "${NEW:?}" -d "$work" results/decode-batching/BatchProbe.java
for round in $(seq 1 "${1:-2}"); do
  for kernels in Haswell SkylakeX; do
    for build in base new; do
      jar=$([ $build = base ] && echo "${BASE:?}" || echo "$NEW")
      echo "== $kernels, $build, round $round, load $(cut -d' ' -f1 /proc/loadavg)"
      OPENBLAS_CORETYPE=$kernels java -cp "$jar:$work" BatchProbe models/sotu-decoder | tail -4
    done
  done
done
