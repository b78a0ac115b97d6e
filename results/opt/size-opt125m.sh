#!/bin/bash
# OPT-125M's size through the path, on random weights (opt-125m.json: facebook/opt-125m's widths, 12 layers, vocabulary
# 50,272, 2,048 positions): write the folder, perplexity on 4,000 bytes of SOTU (byte ids, so only the cost is
# meaningful), compress with whitened SVD at 0.2 (16 calibration windows), and export the compressed folder with its
# check in ONNX Runtime; wall time and peak memory of each (GNU time). Run from the repository root after
# `mvn -B -q install -DskipTests`:
#   OUT=/tmp/opt125 results/opt/size-opt125m.sh > results/opt/size-opt125m-output.txt
set -euo pipefail
out=${OUT:?work folder}
rm -rf "$out" && mkdir -p "$out"
t() { /usr/bin/time -f "  $1: %e s wall, %M KB peak resident" "${@:2}" 2>&1 | grep -v '\[' | sed "s|$out/||g"; }
t "write the random folder" java -cp lowrank-cli/target/lowrank.jar results/opt/RandomOpt.java results/opt/opt-125m.json \
  models/sotu-decoder/tokenizer.json "$out/opt-125m"
du -sh "$out/opt-125m/model.safetensors" | sed "s|$out/||"
t "perplexity, 4,000 bytes" bin/lowrank perplexity --model "$out/opt-125m" --text ../shared/data/sotu --from 2000 --to 2021 --max-bytes 4000
t "compress, whitened 0.2" bin/lowrank compress --model "$out/opt-125m" --method whitened --ratio 0.2 --calib ../shared/data/sotu \
  --calib-from 1790 --calib-to 1945 --calib-windows 16 --out "$out/opt-125m-w20"
t "export of the compressed folder, with its check" bin/lowrank export --model "$out/opt-125m-w20" --out "$out/opt-125m-w20-onnx"
