#!/bin/bash
# Decoding batches in `lowrank serve` (results/decode-batching/README.md), from the repository root after
# `mvn -B -q install -DskipTests` (bin/lowrank and lowrank-bench/target/lowrank-bench.jar):
#   OUT=folder results/decode-batching/run.sh [ROUNDS]
# For each of OpenBLAS's AVX2 (Haswell) and AVX-512 (SkylakeX) kernels, and ROUNDS (default 2) rounds in turn, serves
# models/sotu-decoder with --max-batch 1 (one request at a time) and then with --max-batch 32 (the default):
#   1. eight concurrent greedy requests with different prompts: their texts against the same requests sent one by one;
#   2. the load client at concurrency 1, 4 and 8 (80 requests or 20 s a level, 32 tokens each);
#   3. the server's histogram of batch sizes.
set -e
cd "$(dirname "$0")/../.."
. results/serve-helpers.sh
out=${OUT:?output folder}
rounds=${1:-2}
mkdir -p "$out"
port=18437
prompts=("We the people" "Four score and seven years ago" "Mr. President, Mr. Speaker" "The state of the union is"
         "In the year that is ending" "My fellow citizens" "Tonight I report" "Members of the Congress")
ask() { # prompt -> the greedy continuation of 48 tokens
  curl -s "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"prompt": sys.argv[1], "max_tokens": 48, "temperature": 0}))' "$1")" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["choices"][0]["text"])'
}
ask_i() { ask "${prompts[$1]}"; }
for round in $(seq 1 "$rounds"); do
  for kernels in Haswell SkylakeX; do
    for batch in 1 32; do
      name=$kernels-batch$batch-$round
      echo "== $name, load $(cut -d' ' -f1 /proc/loadavg)"
      serve_and_measure "$name" "--max-tokens 32" env OPENBLAS_CORETYPE=$kernels bin/lowrank serve --model models/sotu-decoder --port $port \
        --max-batch $batch
    done
  done
done
# the batched servers' texts against the one-at-a-time servers' (same kernels, same round)
for round in $(seq 1 "$rounds"); do
  for kernels in Haswell SkylakeX; do
    diff -rq "$out/texts-$kernels-batch1-$round" "$out/texts-$kernels-batch32-$round" > /dev/null \
      && echo "$kernels round $round: --max-batch 32 gives the texts --max-batch 1 gives" \
      || echo "$kernels round $round: the texts differ (diff -r texts-$kernels-batch1-$round texts-$kernels-batch32-$round)"
  done
done
