#!/bin/bash
# The JVM runtime's float64 logits against reference.py's (numpy, written apart from the Java code) for 23 tokens, on
# models/sotu-decoder (LLaMA, trained), a random Qwen2 (q/k/v biases) and run.sh's random Qwen3; then reference.py with its q/k norms left out, to
# show the comparison sees them. Run from the repository root after run.sh (same OUT):
#   OUT=/tmp/qwen3 results/qwen3/reference.sh > results/qwen3/reference-output.txt
set -euo pipefail
out=${OUT:?the folder run.sh wrote}
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
compare() {
  python3 -c "
import json, sys, numpy as np
a, b = np.array(json.load(open(sys.argv[1]))), np.array(json.load(open(sys.argv[2])))
print('%-40s max |difference| %.2e, largest |logit| %.2f' % (sys.argv[3], np.abs(a - b).max(), np.abs(a).max()))" "$@"
}
[ -d "$out/qwen2" ] || java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java results/qwen3/qwen2-small.json \
  models/sotu-decoder/tokenizer.json "$out/qwen2" --perturb # q, k and v biases
for m in models/sotu-decoder "$out/qwen2" "$out/qwen3"; do
  python3 results/qwen3/reference.py $m $ids > "$out/ref.json"
  java -cp lowrank-cli/target/lowrank.jar results/qwen3/Logits.java $m $ids > "$out/jvm.json"
  compare "$out/ref.json" "$out/jvm.json" "$(basename $m): numpy against the JVM"
done
sed 's/if has(p + "self_attn.q_norm.weight"):/if False:/' results/qwen3/reference.py > "$out/reference-without-norms.py"
python3 "$out/reference-without-norms.py" "$out/qwen3" $ids > "$out/ref-plain.json"
compare "$out/ref-plain.json" "$out/jvm.json" "qwen3: numpy without q/k norms, the JVM"
