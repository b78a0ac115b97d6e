#!/usr/bin/env bash
# Starts `lowrank serve` on a model, puts N requests in flight, sends SIGTERM, and checks that every request in flight
# got a complete 200 answer and that the server exited 0.
# usage: results/serve-load/sigterm-check.sh MODEL_FOLDER embeddings|completions [N] [PORT]
set -uo pipefail
model="$1"; route="$2"; n="${3:-32}"; port="${4:-18090}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
bin/lowrank serve --model "$model" --port "$port" --batch-window-ms 2 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
if [ "$route" = embeddings ]; then
  path=/v1/embeddings; body='{"input":["The state of the Union is strong.","Call me Ishmael.","We hold these truths to be self-evident."]}'
else
  path=/v1/completions; body='{"prompt":"Fellow-Citizens of the Senate","max_tokens":48,"temperature":0,"stream":true}'
fi
pids=()
for i in $(seq 1 "$n"); do
  curl -s -o "$work/answer.$i" -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" \
      "http://127.0.0.1:$port$path" >"$work/status.$i" 2>"$work/curl.$i" &
  pids+=($!)
done
sleep 0.3   # the requests are sent and being answered
inflight="$(curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^lowrank_requests_in_flight //p')"
kill -TERM "$server"
wait "$server"; code=$?
for p in "${pids[@]}"; do wait "$p"; done
ok=0; bad=0
for i in $(seq 1 "$n"); do
  status="$(cat "$work/status.$i")"
  complete=no
  if [ "$route" = embeddings ]; then
    grep -q '"object":"list"' "$work/answer.$i" 2>/dev/null && complete=yes
  else
    tail -c 20 "$work/answer.$i" 2>/dev/null | grep -q 'data: \[DONE\]' && complete=yes
  fi
  if [ "$status" = 200 ] && [ "$complete" = yes ]; then
    ok=$((ok + 1))
  else
    bad=$((bad + 1)); echo "request $i: status '$status' $(head -c 300 "$work/answer.$i" 2>/dev/null)"
  fi
done
after="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" 2>/dev/null)"
echo "in flight at SIGTERM (metrics, incl. that scrape): $inflight; complete 200 answers: $ok of $n; failed: $bad; server exit code: $code; /health after exit: '$after' (000 = connection refused)"
tail -n 2 "$work/server.log"
[ "$code" = 0 ] && [ "$bad" = 0 ]
