#!/bin/bash
# The JVM runtime's float64 logits against reference.py's (numpy, written apart from the Java code from transformers'
# SmolLM3 code; selfcheck.py holds its own checks) for 23 tokens, on run.sh's random SmolLM3 (layers 3 and 7 without
# RoPE) and the same weights with a sliding window of 16 on those layers; then reference.py with RoPE on every layer, and
# without the window, to show the comparison sees both. Run from the repository root after run.sh (same OUT):
#   OUT=/tmp/smollm3 results/smollm3/reference.sh > results/smollm3/reference-output.txt
set -euo pipefail
out=${OUT:?the folder run.sh wrote}
here=results/smollm3
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
source results/qwen3/numpy-checks.sh # against MODEL; undo LABEL MODEL FROM TO
for m in smollm3 smollm3-w16; do
  against $m
done
undo "smollm3: numpy with RoPE on every layer" smollm3 'self.use_rope = [bool(nrl[i])' 'self.use_rope = [True or nrl[i]'
undo "smollm3-w16: numpy without the window" smollm3-w16 'allowed = causal & (kj > qi - cfg.window[layer])' 'allowed = causal'
