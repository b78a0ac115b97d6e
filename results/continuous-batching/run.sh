#!/bin/bash
# Requests joining a running decoding batch (results/continuous-batching/README.md), from the repository root after
# `mvn -B -q install -DskipTests`:
#   OLD=path/to/the/lowrank.jar/of/48ad792 OUT=folder results/continuous-batching/run.sh [ROUNDS]
# OLD is the CLI jar of the commit before (there a request that came in while a batch decoded waited for the whole
# batch to end): git worktree add /tmp/wt-old2 48ad792 && (cd /tmp/wt-old2 && mvn -B -q package -DskipTests -pl lowrank-cli -am)
# For ROUNDS (default 2) rounds, for OpenBLAS's AVX2 (Haswell) and AVX-512 (SkylakeX) kernels, the old server and this
# one serve models/sotu-decoder with the default --max-batch 32, and each gets:
#   1. eight greedy requests asking for 8, 16, 32 or 64 tokens, sent one by one and then all at once;
#   2. the load client at concurrency 1, 4 and 8, its requests asking for 8, 16, 32 and 64 tokens in turn;
#   3. a read of the batch-size histogram (requests served by each batch).
set -e
cd "$(dirname "$0")/../.."
. results/serve-helpers.sh
out=${OUT:?output folder}
old=${OLD:?the lowrank.jar of 48ad792}
rounds=${1:-2}
mkdir -p "$out"
port=18441
prompts=("We the people" "Four score and seven years ago" "Mr. President, Mr. Speaker" "The state of the union is"
         "In the year that is ending" "My fellow citizens" "Tonight I report" "Members of the Congress")
lengths=(8 16 32 64)
ask() { # max tokens, prompt -> the greedy continuation
  curl -s "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"prompt": sys.argv[2], "max_tokens": int(sys.argv[1]), "temperature": 0}))' "$1" "$2")" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["choices"][0]["text"])'
}
ask_i() { ask "${lengths[$(($1 % 4))]}" "${prompts[$1]}"; }
for round in $(seq 1 "$rounds"); do
  for kernels in Haswell SkylakeX; do
    for build in old new; do
      jar=$([ $build = old ] && echo "$old" || echo lowrank-cli/target/lowrank.jar)
      name=$kernels-$build-$round
      echo "== $name, load $(cut -d' ' -f1 /proc/loadavg)"
      serve_and_measure "$name" "--max-tokens 8,16,32,64" env OPENBLAS_CORETYPE=$kernels java -Xmx8g -jar "$jar" serve --model models/sotu-decoder \
        --port $port
    done
  done
done
for round in $(seq 1 "$rounds"); do
  for kernels in Haswell SkylakeX; do
    diff -rq "$out/texts-$kernels-old-$round" "$out/texts-$kernels-new-$round" > /dev/null \
      && echo "$kernels round $round: the texts equal the old server's" \
      || echo "$kernels round $round: the texts differ (diff -r texts-$kernels-old-$round texts-$kernels-new-$round)"
  done
done
