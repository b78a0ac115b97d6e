#!/bin/bash
# The JVM side of generate.mjs: `lowrank generate`'s greedy continuation of each prompt (one a line, stdin) by a decoder
# folder, one JSON string a line, prompt included, as generate.mjs prints transformers.js's.
# usage (repository root): results/onnx-export/transformers-js/jvm-greedy.sh MODEL_DIR MAX_NEW_TOKENS < prompts.txt > jvm.txt
set -euo pipefail
while IFS= read -r prompt; do
  bin/lowrank generate --model "$1" --prompt "$prompt" --temperature 0 --max-tokens "$2" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().rstrip("\n"), ensure_ascii=False))'
done
