#!/bin/bash
# The JVM runtime's float64 logits against reference.py's (numpy, written apart from the Java code from transformers'
# OLMo 2 and OLMo 3 code; selfcheck.py holds its own checks) for 23 tokens on run.sh's random OLMo 2 and its OLMo 3 copy
# with a window of 16; then reference.py with its q/k
# norms run per head (the same weights), without its post-norms, and the OLMo 3 copy without its window, to show the
# comparison sees each. Run from the
# repository root after run.sh (same OUT):
#   OUT=/tmp/olmo2 results/olmo2/reference.sh > results/olmo2/reference-output.txt
set -euo pipefail
out=${OUT:?the folder run.sh wrote}
here=results/olmo2
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
source results/qwen3/numpy-checks.sh # against MODEL; undo LABEL MODEL FROM TO
against olmo2
against olmo3-w16
undo "olmo2: numpy with per-head q/k norms" olmo2 \
  'q = rms_norm(q, w[p + "q_norm.weight"], c["eps"])' \
  'q = rms_norm(q.reshape(q.shape[0], -1, c["hd"]), w[p + "q_norm.weight"].reshape(-1, c["hd"]), c["eps"]).reshape(q.shape)'
undo "olmo2: numpy without the attention's post-norm" olmo2 \
  'x = x + rms_norm(a, w[p + "post_attention_layernorm.weight"], eps)' 'x = x + a'
undo "olmo3-w16: numpy without the window" olmo3-w16 \
  'windows = [int(sw) if t == "sliding_attention" else None for t in lt]' 'windows = [None for t in lt]'
