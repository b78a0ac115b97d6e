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
compare() { python3 results/qwen3/compare.py "$@"; } # A.json B.json LABEL
for m in phi3 phi3-w16; do
  python3 $here/reference.py "$out/$m" $ids > "$out/ref-$m.json"
  java -cp lowrank-cli/target/lowrank.jar results/qwen3/Logits.java "$out/$m" $ids > "$out/jvm-$m.json"
  compare "$out/ref-$m.json" "$out/jvm-$m.json" "$m: numpy against the JVM"
done
undo() { # NAME MODEL FROM TO: reference.py with FROM replaced by TO, against the JVM's logits of MODEL
  python3 results/qwen3/edited.py $here/reference.py "$3" "$4" "$out/undone.py"
  python3 "$out/undone.py" "$out/$2" $ids > "$out/ref-undone.json"
  compare "$out/ref-undone.json" "$out/jvm-$2.json" "$1"
}
undo "phi3: numpy with the gate and up halves swapped" phi3 'gate, up = both[:, :I], both[:, I:]' 'up, gate = both[:, :I], both[:, I:]'
undo "phi3-w16: numpy without the window" phi3-w16 'ok &= k > q - window' 'ok &= True'
