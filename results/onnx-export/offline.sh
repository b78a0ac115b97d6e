#!/bin/bash
# Offline generation (`lowrank generate --prompts`) of results/offline-generation's 96 SOTU prompts (greedy, 48 tokens,
# every fourth 16) from the folders of run.sh and from their exports, which ONNX Runtime runs, one at a time
# (--max-batch 1) and with continuous batching (--max-batch 32); ROUNDS rounds (default 2), alternating; then how many
# texts an export gives as its source does.
# usage (repository root, after run.sh): OUT=/tmp/onnx-export results/onnx-export/offline.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/onnx-export
out=${OUT:?OUT=the folder run.sh wrote into}
rounds=${1:-2}
prompts=results/offline-generation/prompts.jsonl
: > "$here/offline-output.txt"
for round in $(seq 1 "$rounds"); do
  for m in sotu-dense sotu-rtn4; do
    for batch in 1 32; do
      for f in "$out/$m" "$out/$m-onnx"; do
        echo "$(basename $f), --max-batch $batch, round $round: $(bin/lowrank generate --model $f --prompts $prompts \
          --out $out/$(basename $f)-$batch.jsonl --max-tokens 48 --max-batch $batch --force 2>&1 | tail -1)" | tee -a "$here/offline-output.txt"
      done
    done
  done
done
for m in sotu-dense sotu-rtn4; do
  for batch in 1 32; do
    python3 - "$out/$m-$batch.jsonl" "$out/$m-onnx-$batch.jsonl" "$m, --max-batch $batch" <<'PY' | tee -a "$here/offline-output.txt"
import json, sys
a = [json.loads(l)['text'] for l in open(sys.argv[1])]
b = [json.loads(l)['text'] for l in open(sys.argv[2])]
print(f'{sys.argv[3]}: the export gives the source\'s text for {sum(x == y for x, y in zip(a, b))} of {len(a)} prompts')
PY
  done
done
