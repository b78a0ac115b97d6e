#!/usr/bin/env bash
# Several LoRA adapters served over one copy of the SOTU decoder (results/adapter-serving/README.md), from the repository
# root with the data in ../shared/data: OUT=/tmp/adapter-serving results/adapter-serving/run.sh
# 1. three adapters of the decoder: two domains at r = 8 on the attention projections, and one at r = 16 on all seven
#    projections (the heaviest branches to carry at every token)
# 2. the server with all three: each model name's greedy continuation, against `generate --adapter` and the merged folder
#    and the load client, requests for the base alone against requests cycling through the base and the adapters
# 3. the decoding bench: the base alone, the base with the adapters attached (none in use, each in use), merged copies
set -euo pipefail
out=${OUT:-/tmp/adapter-serving}
mkdir -p "$out"
common=(--model models/sotu-decoder --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed 42)
bin/lowrank finetune "${common[@]}" --data ../shared/data/moby-dick --rank 8 --alpha 16 --out "$out/moby" --force
bin/lowrank finetune "${common[@]}" --data ../shared/data/sotu --from 1946 --to 2021 --rank 8 --alpha 16 --out "$out/sotu-1946" --force
bin/lowrank finetune "${common[@]}" --data ../shared/data/moby-dick --rank 16 --alpha 32 \
  --targets q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj --out "$out/moby-all-r16" --force

port=18431
bin/lowrank serve --model models/sotu-decoder --port $port --adapter "$out/moby" --adapter "$out/sotu-1946" \
  --adapter "$out/moby-all-r16" > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for i in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 1; done
head -n 1 "$out/serve.log"
echo "== GET /v1/models"
curl -s "http://127.0.0.1:$port/v1/models"; echo
prompt="It was the whale that"
for model in sotu-decoder moby sotu-1946 moby-all-r16; do
  served=$(curl -s "http://127.0.0.1:$port/v1/completions" \
    -d "{\"model\":\"$model\",\"prompt\":\"$prompt\",\"max_tokens\":60,\"temperature\":0}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["choices"][0]["text"])')
  echo "== model $model: $(printf %q "$served")"
  if [ "$model" = sotu-decoder ]; then
    local=$(bin/lowrank generate --model models/sotu-decoder --prompt "$prompt" --max-tokens 60 2>/dev/null)
  else
    local=$(bin/lowrank generate --model models/sotu-decoder --adapter "$out/$model" --prompt "$prompt" --max-tokens 60 2>/dev/null)
  fi
  [ "$local" = "$prompt$served" ] && echo "   generate: the same text" || echo "   generate differs: $local"
  if [ "$model" != sotu-decoder ]; then
    bin/lowrank adapter merge --model models/sotu-decoder --adapter "$out/$model" --out "$out/$model-merged" --force > /dev/null
    merged=$(bin/lowrank generate --model "$out/$model-merged" --prompt "$prompt" --max-tokens 60 2>/dev/null)
    [ "$merged" = "$prompt$served" ] && echo "   the merged folder: the same text" || echo "   the merged folder differs: $merged"
  fi
done
# load: requests for the base alone, then requests cycling through the base and its three adapters, twice in turn
load=(java -cp lowrank-bench/target/lowrank-bench.jar org.lowrank4j.bench.ServeLoad --url "http://127.0.0.1:$port" --route completions
      --concurrency 1,4 --requests 80 --seconds 20 --warmup 4 --max-tokens 32)
for round in 1 2; do
  echo "== load, round $round: the base alone"
  "${load[@]}" --models sotu-decoder --out "$out/load-base-$round.json"
  echo "== load, round $round: the base and its three adapters in turn"
  "${load[@]}" --models sotu-decoder,moby,sotu-1946,moby-all-r16 --out "$out/load-mixed-$round.json"
done
curl -s "http://127.0.0.1:$port/metrics" | grep '^lowrank_completions_total'
kill $server; wait $server || true; trap - EXIT
tail -n 1 "$out/serve.log"

bench() { java -jar lowrank-bench/target/lowrank-bench.jar --suite adapters --model models/sotu-decoder \
  --folders "$out/moby,$out/sotu-1946,$out/moby-all-r16" "$@"; }
# with the kernels the environment gives OpenBLAS (the session's machine had OPENBLAS_CORETYPE=Haswell set)
bench --threads 1 --out "$out/bench-adapters-1thread.json"
bench --threads 2 --out "$out/bench-adapters-2threads.json"
# with its AVX-512 kernels where the CPU has them (what bin/lowrank picks on an AMD CPU when nothing is set)
if grep -qw avx512f /proc/cpuinfo; then
  OPENBLAS_CORETYPE=SkylakeX bench --threads 1 --out "$out/bench-adapters-skylakex-1thread.json"
  OPENBLAS_CORETYPE=SkylakeX bench --threads 2 --out "$out/bench-adapters-skylakex-2threads.json"
fi
