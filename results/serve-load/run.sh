#!/usr/bin/env bash
# Serves one model with `lowrank serve` on loopback, runs the ServeLoad client at concurrency 1, 8, 32 against it, then
# stops the server with SIGTERM (checking it exits 0).
# usage: results/serve-load/run.sh MODEL ROUTE OUT.json [extra ServeLoad options...]
#   ROUTE: embeddings | completions | chat.  Build first: mvn -B -ntp -o -q -DskipTests package
#   SERVE_OPTS: extra `lowrank serve` options (e.g. "--timeout 300"); PORT: the port (default 18100)
set -euo pipefail
model="$1"; route="$2"; out="$3"; shift 3
port="${PORT:-18100}"
log="$(mktemp)"
# shellcheck disable=SC2086
bin/lowrank serve --model "$model" --port "$port" ${SERVE_OPTS:-} >"$log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
java -cp lowrank-bench/target/lowrank-bench.jar org.lowrank4j.bench.ServeLoad --url "http://127.0.0.1:$port" --route "$route" \
    --concurrency 1,8,32 --out "$out" "$@"
curl -s "http://127.0.0.1:$port/metrics" >"${out%.json}.metrics.txt"
kill -TERM "$server"
code=0; wait "$server" || code=$?
echo "server exit code after SIGTERM: $code"; cat "$log"; rm -f "$log"
