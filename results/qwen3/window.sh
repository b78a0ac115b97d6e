#!/bin/bash
# Sliding windows of the LLaMA family: the JVM runtime's float64 logits against reference.py's (numpy) for 23 tokens on a
# random Mistral with a window of 8 on every layer (mistral-window.json), then reference.py with the window left out, to
# show the comparison sees it. Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/window results/qwen3/window.sh > results/qwen3/window-output.txt
set -euo pipefail
out=${OUT:?work folder}
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
rm -rf "$out" && mkdir -p "$out"
java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java results/qwen3/mistral-window.json \
  models/sotu-decoder/tokenizer.json "$out/mistral" --perturb
compare() {
  python3 -c "
import json, sys, numpy as np
a, b = np.array(json.load(open(sys.argv[1]))), np.array(json.load(open(sys.argv[2])))
print('%-44s max |difference| %.2e, largest |logit| %.2f' % (sys.argv[3], np.abs(a - b).max(), np.abs(a).max()))" "$@"
}
python3 results/qwen3/reference.py "$out/mistral" $ids > "$out/ref.json"
java -cp lowrank-cli/target/lowrank.jar results/qwen3/Logits.java "$out/mistral" $ids > "$out/jvm.json"
compare "$out/ref.json" "$out/jvm.json" "mistral, window 8: numpy against the JVM"
sed 's/        if window(i) is not None:/        if False:/' results/qwen3/reference.py > "$out/reference-without-window.py"
grep -q "if False:" "$out/reference-without-window.py"
python3 "$out/reference-without-window.py" "$out/mistral" $ids > "$out/ref-plain.json"
compare "$out/ref-plain.json" "$out/jvm.json" "mistral: numpy without the window, the JVM"
