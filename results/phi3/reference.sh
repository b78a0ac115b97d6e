#!/bin/bash
# The JVM runtime's float64 logits against reference.py's (numpy, written apart from the Java code from transformers'
# Phi-3 code; it reads the fused qkv_proj and gate_up_proj itself; selfcheck.py holds its own checks) for 23 tokens on
# run.sh's random Phi-3 and its copy with a window of 16; then reference.py with the gate and up halves swapped, and
# without the window, to show the comparison sees both. Run from the repository root after run.sh (same OUT):
#   OUT=/tmp/phi3 results/phi3/reference.sh > results/phi3/reference-output.txt
set -euo pipefail
out=${OUT:?the folder run.sh wrote}
here=results/phi3
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
source results/qwen3/numpy-checks.sh # against MODEL; undo LABEL MODEL FROM TO
for m in phi3 phi3-w16; do
  against $m
done
undo "phi3: numpy with the gate and up halves swapped" phi3 'gate, up = both[:, :I], both[:, I:]' 'up, gate = both[:, :I], both[:, I:]'
undo "phi3-w16: numpy without the window" phi3-w16 'ok &= k > q - window' 'ok &= True'
