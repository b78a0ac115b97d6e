#!/bin/bash
# Concurrency 1 only, the old and the new server in turn, ROUNDS times (AVX-512 kernels), from the repository root:
#   OLD=path/to/the/lowrank.jar/of/48ad792 results/continuous-batching/c1-ab.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../.."
old=${OLD:?the lowrank.jar of 48ad792}
port=18443
for i in $(seq 1 "${1:-3}"); do
  for build in old new; do
    jar=$([ $build = old ] && echo "$old" || echo lowrank-cli/target/lowrank.jar)
    OPENBLAS_CORETYPE=SkylakeX java -Xmx8g -jar "$jar" serve --model models/sotu-decoder --port $port > /dev/null 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for k in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 1; done
    echo "== $build, round $i, load $(cut -d' ' -f1 /proc/loadavg)"
    java -cp lowrank-bench/target/lowrank-bench.jar org.lowrank4j.bench.ServeLoad --url "http://127.0.0.1:$port" --route completions \
      --concurrency 1 --requests 160 --seconds 20 --warmup 20 --max-tokens 8,16,32,64 2>&1 | tail -2
    kill $server; wait $server || true; trap - EXIT
  done
done
