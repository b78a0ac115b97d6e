#!/usr/bin/env bash
# The DCT-64 with the relaxed permutation and the complex objective for two more seeds (results/butterfly/README.md; seed 1
# is in run-dct.sh); run from the repository root after `mvn -q -DskipTests package`; log:
# results/butterfly/run-dct-relaxed-seeds.log. One thread per run.
set -euo pipefail
export LOWRANK_JAVA_OPTS="-Xmx3g -XX:ActiveProcessorCount=1"
run() { echo "\$ bin/lowrank butterfly $*"; bin/lowrank butterfly "$@" 2>&1 | grep -v WARNING; }

echo "## D'. DCT-64, complex objective, relaxed permutation: seeds 2 and 3"
for s in 2 3; do run --transform dct --size 64 --permutation relaxed --objective complex --steps 3000 --restarts 5 --seed $s; done
