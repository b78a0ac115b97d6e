#!/bin/bash
# A model of LLaMA 3.2 1B's shape (llama32-1b-shape.json: its published config fields, rope_scaling llama3 and 131,072
# positions included; random weights, 1.24 B parameters, 4.9 GB in float32) exported with bin/lowrank's default heap
# (-Xmx8g), timed and its peak memory measured. Run from the repository root:
#   OUT=/tmp/l32b results/onnx-export/llama32.sh > results/onnx-export/llama32-output.txt
set -euo pipefail
out=${OUT:?work folder}
rm -rf "$out" && mkdir -p "$out"
java -Xmx14g -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java results/onnx-export/llama32-1b-shape.json \
  models/sotu-decoder/tokenizer.json "$out/model"
echo "model.safetensors: $(stat -c %s "$out/model/model.safetensors") bytes"
/usr/bin/time -f "%e s wall, %M KB peak resident" bin/lowrank export --model "$out/model" --out "$out/onnx" 2>&1 | grep -vE "^(loading|attaching|building|writing|checking) "
ls -l "$out/onnx/onnx" | awk 'NR > 1 {print $5, $9}'
