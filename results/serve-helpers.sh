# Shell functions the serving measurements share (sourced by results/decode-batching/run.sh,
# results/mixed-adapter-batches/run.sh and results/continuous-batching/run.sh). They read $port, $out, the caller's
# prompts array and its ask_i function (the answer to prompt i), and set $server.

# Waits up to 60 s for the server on $port to answer /health.
await_health() {
  for i in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 1; done
}

# serial_and_concurrent DIR COUNT ASK: runs "ASK i" for i = 0 … COUNT-1 one by one into DIR/serial-i.txt, then all at
# once into DIR/concurrent-i.txt, and prints how many of the two agree.
serial_and_concurrent() {
  local dir=$1 count=$2 ask=$3 same=0 i
  mkdir -p "$dir"
  for i in $(seq 0 $((count - 1))); do "$ask" "$i" > "$dir/serial-$i.txt"; done
  for i in $(seq 0 $((count - 1))); do "$ask" "$i" > "$dir/concurrent-$i.txt" & done
  wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
  for i in $(seq 0 $((count - 1))); do cmp -s "$dir/serial-$i.txt" "$dir/concurrent-$i.txt" && same=$((same + 1)); done
  echo "   concurrent texts equal to serial ones: $same of $count"
}

# Prints the server's count and sum of decoding batch sizes.
batch_sizes() {
  curl -s "http://127.0.0.1:$port/metrics" | grep '^lowrank_decode_batch_size_\(count\|sum\)'
}

# serve_and_measure NAME "LOAD OPTIONS" COMMAND...: starts COMMAND (a server on $port, its log $out/serve-NAME.log),
# compares serial and concurrent answers to the prompts ($out/texts-NAME), runs the load client at concurrency 1, 4
# and 8 with LOAD OPTIONS ($out/load-NAME.json), prints the batch sizes, and stops the server.
serve_and_measure() {
  local name=$1 load=$2
  shift 2
  "$@" > "$out/serve-$name.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  await_health
  serial_and_concurrent "$out/texts-$name" ${#prompts[@]} ask_i
  java -cp lowrank-bench/target/lowrank-bench.jar org.lowrank4j.bench.ServeLoad --url "http://127.0.0.1:$port" --route completions \
    --concurrency 1,4,8 --requests 80 --seconds 20 --warmup 4 $load --out "$out/load-$name.json"
  batch_sizes
  kill $server; wait $server || true; trap - EXIT
}
