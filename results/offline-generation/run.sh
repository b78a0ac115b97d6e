#!/bin/bash
# Offline generation of many prompts (results/offline-generation/README.md), from the repository root after
# `mvn -B -q install -DskipTests`, with the data in ../shared/data:  OUT=folder results/offline-generation/run.sh [ROUNDS]
# 1. 96 prompts: the first 60 characters of the first paragraph of every second SOTU address from 1800 on, greedy,
#    48 tokens each, every fourth asking for 16 instead;
# 2. for OpenBLAS's AVX2 (Haswell) and AVX-512 (SkylakeX) kernels and ROUNDS (default 2) rounds, `lowrank generate
#    --prompts` with --max-batch 1 (one at a time) and --max-batch 32 (the default), each printing its tokens/s;
# 3. how many answers are the same text with and without batching.
set -e
cd "$(dirname "$0")/../.."
out=${OUT:?output folder}
rounds=${1:-2}
mkdir -p "$out"
python3 - "$out/prompts.jsonl" <<'PY'
import json, os, sys
files = sorted(f for f in os.listdir('../shared/data/sotu') if f[:4].isdigit() and int(f[:4]) >= 1800)[::2][:96]
with open(sys.argv[1], 'w') as o:
    for i, f in enumerate(files):
        text = open(os.path.join('../shared/data/sotu', f), encoding='utf-8').read().strip()
        first = ' '.join(text.split('\n\n')[0].split())[:60]
        line = {'prompt': first}
        if i % 4 == 3:
            line['max_tokens'] = 16
        o.write(json.dumps(line) + '\n')
print(len(files), 'prompts')
PY
for round in $(seq 1 "$rounds"); do
  for kernels in Haswell SkylakeX; do
    for batch in 1 32; do
      echo "== $kernels, --max-batch $batch, round $round, load $(cut -d' ' -f1 /proc/loadavg)"
      OPENBLAS_CORETYPE=$kernels bin/lowrank generate --model models/sotu-decoder --prompts "$out/prompts.jsonl" \
        --out "$out/answers-$kernels-$batch-$round.jsonl" --max-tokens 48 --max-batch $batch --force 2>&1 | tail -1
    done
    python3 - "$out/answers-$kernels-1-$round.jsonl" "$out/answers-$kernels-32-$round.jsonl" <<'PY'
import json, sys
a = [json.loads(l)['text'] for l in open(sys.argv[1])]
b = [json.loads(l)['text'] for l in open(sys.argv[2])]
print(f'   the same text with and without batching: {sum(x == y for x, y in zip(a, b))} of {len(a)}')
PY
  done
done
