#!/bin/bash
# Whether the parallel collector (bin/lowrank's default for batch verbs since session 26) slows an ordinary command:
# perplexity of models/sotu-decoder on 60,000 bytes of SOTU 1981-2021 under G1 and under the parallel collector,
# alternated over two rounds. Run from the repository root after `mvn -B -q install -DskipTests`:
#   results/opt/gc-perplexity.sh > results/opt/gc-perplexity-output.txt
for round in 1 2; do
  for gc in G1 Parallel; do
    LOWRANK_JAVA_OPTS="-Xmx8g -XX:+Use${gc}GC" bin/lowrank perplexity --model models/sotu-decoder --text ../shared/data/sotu \
      --from 1981 --to 2021 --max-bytes 60000 2>&1 | grep "tokens predicted" | sed "s/^/$gc, round $round: /"
  done
done
