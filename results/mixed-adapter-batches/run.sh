#!/bin/bash
# One decoding batch for requests of several LoRA adapters (results/mixed-adapter-batches/README.md), from the repository
# root with the data in ../shared/data, after `mvn -B -q install -DskipTests`:
#   OLD=path/to/the/lowrank.jar/of/b547ce2 OUT=folder results/mixed-adapter-batches/run.sh [ROUNDS]
# OLD is the CLI jar of the commit before mixed batches (there a batch held one adapter's requests): build it with
#   git worktree add /tmp/wt-old b547ce2 && (cd /tmp/wt-old && mvn -B -q package -DskipTests -pl lowrank-cli -am)
# and pass OLD=/tmp/wt-old/lowrank-cli/target/lowrank.jar.
# 1. three adapters of models/sotu-decoder as in results/adapter-serving (30 steps each; kept in OUT and reused)
# 2. for ROUNDS (default 2) rounds, for OpenBLAS's AVX2 (Haswell) and AVX-512 (SkylakeX) kernels, the old server and this
#    one, both with the default --max-batch 32 and all three adapters:
#    a. eight concurrent greedy requests naming the base and the three adapters in turn, against the same requests
#       sent one by one
#    b. the load client at concurrency 1, 4 and 8, its requests naming the base and the three adapters in turn
#    c. the server's histogram of batch sizes
set -e
cd "$(dirname "$0")/../.."
. results/serve-helpers.sh
out=${OUT:?output folder}
old=${OLD:?the lowrank.jar of b547ce2}
rounds=${1:-2}
mkdir -p "$out"
common=(--model models/sotu-decoder --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed 42)
[ -f "$out/moby/adapter_config.json" ] || bin/lowrank finetune "${common[@]}" --data ../shared/data/moby-dick --rank 8 --alpha 16 --out "$out/moby" --force
[ -f "$out/sotu-1946/adapter_config.json" ] || bin/lowrank finetune "${common[@]}" --data ../shared/data/sotu --from 1946 --to 2021 \
  --rank 8 --alpha 16 --out "$out/sotu-1946" --force
[ -f "$out/moby-all-r16/adapter_config.json" ] || bin/lowrank finetune "${common[@]}" --data ../shared/data/moby-dick --rank 16 --alpha 32 \
  --targets q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj --out "$out/moby-all-r16" --force
models=(sotu-decoder moby sotu-1946 moby-all-r16)
port=18439
prompts=("We the people" "Four score and seven years ago" "Mr. President, Mr. Speaker" "The state of the union is"
         "In the year that is ending" "My fellow citizens" "Tonight I report" "Members of the Congress")
ask() { # model, prompt -> the greedy continuation of 48 tokens
  curl -s "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"model": sys.argv[1], "prompt": sys.argv[2], "max_tokens": 48, "temperature": 0}))' "$1" "$2")" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["choices"][0]["text"])'
}
ask_i() { ask "${models[$(($1 % 4))]}" "${prompts[$1]}"; }
jar_new=lowrank-cli/target/lowrank.jar
for round in $(seq 1 "$rounds"); do
  for kernels in Haswell SkylakeX; do
    for build in old new; do
      jar=$([ $build = old ] && echo "$old" || echo "$jar_new")
      name=$kernels-$build-$round
      echo "== $name, load $(cut -d' ' -f1 /proc/loadavg)"
      serve_and_measure "$name" "--max-tokens 32 --models $(IFS=,; echo "${models[*]}")" env OPENBLAS_CORETYPE=$kernels java -Xmx8g -jar "$jar" \
        serve --model models/sotu-decoder --port $port --adapter "$out/moby" --adapter "$out/sotu-1946" --adapter "$out/moby-all-r16"
    done
  done
done
# this server's texts against the old one's (same kernels, same round)
for round in $(seq 1 "$rounds"); do
  for kernels in Haswell SkylakeX; do
    diff -rq "$out/texts-$kernels-old-$round" "$out/texts-$kernels-new-$round" > /dev/null \
      && echo "$kernels round $round: mixed batches give the texts one-adapter batches give" \
      || echo "$kernels round $round: the texts differ (diff -r texts-$kernels-old-$round texts-$kernels-new-$round)"
  done
done
