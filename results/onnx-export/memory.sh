#!/bin/bash
# Export memory on a random LLaMA-style model over the 1.5 GB line (memory-450m.json: 501 M parameters, 2.0 GB of
# safetensors), whose weights go to onnx/model.onnx_data: this build against OLD_JAR (a lowrank.jar built before the
# export streamed them, e.g. at 251bd5e), each at a 12 GB heap and then at 3 and 4 GB. Run from the repository root:
#   OUT=/tmp/big OLD_JAR=/tmp/old/lowrank-cli/target/lowrank.jar results/onnx-export/memory.sh > results/onnx-export/memory-output.txt
set -euo pipefail
out=${OUT:?work folder}
old=${OLD_JAR:?a lowrank.jar from before the streaming export}
rm -rf "$out" && mkdir -p "$out"
java -Xmx10g -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java results/onnx-export/memory-450m.json \
  models/sotu-decoder/tokenizer.json "$out/model"
echo "model.safetensors: $(stat -c %s "$out/model/model.safetensors") bytes"
for heap in 12g 4g 3g; do
  for jar in "$old" lowrank-cli/target/lowrank.jar; do
    rm -rf "$out/onnx"
    said=$( { /usr/bin/time -f "%e s wall, %M KB peak resident" java -Xmx$heap -jar "$jar" export --model "$out/model" --out "$out/onnx" 2>&1 || true; } \
      | grep -E "check in|peak resident|OutOfMemoryError|ran out of memory" | sed 's/check in ONNX Runtime: .*logits within/check passed, logits within/' | tr '\n' ';')
    echo "-Xmx$heap $jar: $said"
  done
done
