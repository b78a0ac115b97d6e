#!/bin/bash
# Prefill of a 1,024-token prompt (the first 1,024 bytes of SOTU 2021 as ids) plus one greedy token on size.sh's random
# Gemma 3 270M-sized model (vocabulary 262,144), with OLD_JAR (a lowrank.jar from before the prefill projected only the
# last position, e.g. at 48358ee) and this build, alternating, two rounds; Prefill.java prints each run's median of 5.
# Run from the repository root after size.sh (same OUT):
#   OUT=/tmp/g270 OLD_JAR=… results/gemma/prefill.sh > results/gemma/prefill-output.txt
set -euo pipefail
out=${OUT:?the folder size.sh wrote}
old=${OLD_JAR:?a lowrank.jar from before the last-position prefill}
export OPENBLAS_CORETYPE=SkylakeX # as bin/lowrank sets on this AMD machine
for round in 1 2; do
  for jar in "$old" lowrank-cli/target/lowrank.jar; do
    echo "round $round, $jar: $(java -Xmx8g -cp "$jar" results/gemma/Prefill.java "$out/gemma3-270m" ../shared/data/sotu/2021_joseph_r_biden_d.txt 1024 2>&1 | tail -1)"
  done
done
