#!/usr/bin/env bash
# OPT folders that hold only pytorch_model.bin (facebook's uploads do): run.sh's random OPT and size-opt125m.sh's
# OPT-125M-sized one rewritten in torch.save's zip layout by to_pytorch_bin.py (no torch here), then read by the JVM:
# logits against the safetensors twin, perplexity (time and peak memory) and compress from the .bin folder.
# Run from the repository root after run.sh and size-opt125m.sh (their OUT folders):
#   OUT=/tmp/opt OUT125=/tmp/opt125 results/opt/pytorch-bin.sh > results/opt/pytorch-bin-output.txt
set -euo pipefail
out=${OUT:?run.sh folder} out125=${OUT125:?size-opt125m.sh folder}
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107"
rm -rf "$out/opt-bin" "$out125/opt-125m-bin"
python3 results/opt/to_pytorch_bin.py "$out/opt" "$out/opt-bin" | sed "s|$out/||"
java -cp lowrank-cli/target/lowrank.jar results/qwen3/Logits.java "$out/opt-bin" $ids > "$out/jvm-opt-bin.json"
java -cp lowrank-cli/target/lowrank.jar results/qwen3/Logits.java "$out/opt" $ids > "$out/jvm-opt.json"
python3 results/qwen3/compare.py "$out/jvm-opt-bin.json" "$out/jvm-opt.json" "opt: pytorch_model.bin against model.safetensors"
bin/lowrank compress --model "$out/opt-bin" --method whitened --ratio 0.3 --calib ../shared/data/sotu --calib-from 1990 --calib-to 2000 \
  --calib-windows 8 --out "$out/opt-bin-w30" --force 2>/dev/null | grep '^wrote' | sed "s|$out/||"
python3 results/opt/to_pytorch_bin.py "$out125/opt-125m" "$out125/opt-125m-bin" | sed "s|$out125/||"
for m in opt-125m opt-125m-bin; do
  echo "$m:"
  /usr/bin/time -f "  %e s wall, %M KB peak resident" bin/lowrank perplexity --model "$out125/$m" --text ../shared/data/sotu --from 2000 \
    --to 2021 --max-bytes 4000 2>&1 | grep -v '\[' | grep -v unigram
done
