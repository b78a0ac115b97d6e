#!/bin/bash
# `lowrank serve` on the dense and RTN int4 folders of run.sh and on their exports (ONNX Runtime), from the repository
# root after run.sh: OUT=/tmp/onnx-export results/onnx-export/serve.sh
# Each server (default --max-batch 32) gets eight greedy requests of 8, 16, 32 or 64 tokens, one by one and then all at
# once; the load client at concurrency 1, 4 and 8 (requests of 8, 16, 32 and 64 tokens in turn); a read of its batch
# sizes. Then whether each export answered with its source's texts.
set -e
cd "$(dirname "$0")/../.."
. results/serve-helpers.sh
out=${OUT:?the folder run.sh wrote into}
port=18442
prompts=("We the people" "Four score and seven years ago" "Mr. President, Mr. Speaker" "The state of the union is"
         "In the year that is ending" "My fellow citizens" "Tonight I report" "Members of the Congress")
lengths=(8 16 32 64)
ask() { # max tokens, prompt -> the greedy continuation
  curl -s "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"prompt": sys.argv[2], "max_tokens": int(sys.argv[1]), "temperature": 0}))' "$1" "$2")" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["choices"][0]["text"])'
}
ask_i() { ask "${lengths[$(($1 % 4))]}" "${prompts[$1]}"; }
for m in sotu-dense sotu-rtn4; do
  for f in $m $m-onnx; do
    echo "== $f, load $(cut -d' ' -f1 /proc/loadavg)"
    serve_and_measure "$f" "--max-tokens 8,16,32,64" bin/lowrank serve --model "$out/$f" --port $port
  done
  diff -rq "$out/texts-$m" "$out/texts-$m-onnx" > /dev/null && echo "$m: the export's texts equal its source's" \
    || echo "$m: the texts differ (diff -r $out/texts-$m $out/texts-$m-onnx)"
done
