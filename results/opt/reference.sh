#!/bin/bash
# The JVM runtime's float64 logits against reference.py's (numpy, written apart from the Java code from transformers'
# OPT code; selfcheck.py holds its own checks) for 23 tokens on run.sh's three random OPT models; then reference.py with
# one part of OPT undone at a time, to show that the comparison sees each. Run from the repository root after run.sh
# (same OUT):
#   OUT=/tmp/opt results/opt/reference.sh > results/opt/reference-output.txt
set -euo pipefail
out=${OUT:?the folder run.sh wrote}
here=results/opt
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
source results/qwen3/numpy-checks.sh # against MODEL; undo LABEL MODEL FROM TO
for m in opt opt-gelu-untied opt-350m; do
  against $m
done
undo "opt: numpy with positions not offset by 2" opt "pos_table[pos + POS_OFFSET]" "pos_table[pos]"
undo "opt: numpy with GELU for ReLU" opt 'if name == "relu":' 'if name == "none":'
undo "opt: numpy without the query scale" opt "* (d ** -0.5)" ""
undo "opt: numpy without the final LayerNorm" opt "if c.final_norm:" "if False:"
undo "opt-350m: numpy with the norms before the branches" opt-350m "if c.pre_norm:" "if True:"
