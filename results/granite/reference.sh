#!/bin/bash
# The JVM runtime's float64 logits against reference.py's (numpy, written apart from the Java code from transformers'
# Granite code; selfcheck.py holds its own checks) for 23 tokens on run.sh's random Granite; then reference.py with each
# multiplier undone (set to 1), to show the comparison sees each. Run from the repository root after run.sh (same OUT):
#   OUT=/tmp/granite results/granite/reference.sh > results/granite/reference-output.txt
set -euo pipefail
out=${OUT:?the folder run.sh wrote}
here=results/granite
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
source results/qwen3/numpy-checks.sh # compare A B LABEL; against MODEL
against granite
for field in embedding_multiplier attention_multiplier residual_multiplier logits_scaling; do
  python3 - "$field" "$out/granite/config.json" "$out/undone.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[2]))
assert sys.argv[1] in c, sys.argv[1]
c[sys.argv[1]] = 1.0
json.dump(c, open(sys.argv[3], 'w'))
PY
  rm -rf "$out/undone" && mkdir -p "$out/undone" && cp "$out/undone.json" "$out/undone/config.json"
  ln -s "$out/granite/model.safetensors" "$out/undone/model.safetensors"
  python3 $here/reference.py "$out/undone" $ids > "$out/ref-undone.json"
  compare "$out/ref-undone.json" "$out/jvm-granite.json" "granite: numpy with $field 1"
done
