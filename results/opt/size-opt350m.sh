#!/bin/bash
# OPT-350M's size through the path, on random weights (opt-350m.json: facebook/opt-350m's 24 post-norm layers of width
# 1,024 with 512-wide token rows projected in and out, vocabulary 50,272, 2,048 positions): write the folder, perplexity
# on 4,000 bytes of SOTU (byte ids, so only the cost is meaningful), compress at 0.2 (plain SVD and ASVD in the default
# heap, then plain SVD and whitened SVD in 16 GB), and export the SVD folder with its check in ONNX Runtime; wall time
# and peak memory of each (GNU time). Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=$WORK/opt350 results/opt/size-opt350m.sh > results/opt/size-opt350m-output.txt
set -uo pipefail
out=${OUT:?work folder}
rm -rf "$out" && mkdir -p "$out"
t() { /usr/bin/time -f "  $1: %e s wall, %M KB peak resident" "${@:2}" 2>&1 | grep -v '\[' | sed "s|$out/||g"; }
t "write the random folder" java -cp lowrank-cli/target/lowrank.jar results/opt/RandomOpt.java results/opt/opt-350m.json \
  models/sotu-decoder/tokenizer.json "$out/opt-350m"
du -sh "$out/opt-350m/model.safetensors" | sed "s|$out/||"
t "perplexity, 4,000 bytes" bin/lowrank perplexity --model "$out/opt-350m" --text ../shared/data/sotu --from 2000 --to 2021 --max-bytes 4000
# per-site compression keeps every site's decomposition in float64 until the allocation has picked the ranks (about
# 3.5 GB of factors here, beside the weights) and whitening an n × n Gram matrix per site (4,096² for each fc2): at this
# size the default 8 GB heap is too small, which each command says in one line; then the same with more heap
t "compress, svd 0.2" bin/lowrank compress --model "$out/opt-350m" --method svd --ratio 0.2 --out "$out/opt-350m-svd20"
t "compress, asvd 0.2" bin/lowrank compress --model "$out/opt-350m" --method asvd --ratio 0.2 --calib ../shared/data/sotu \
  --calib-from 1790 --calib-to 1945 --calib-windows 16 --out "$out/opt-350m-asvd20"
LOWRANK_JAVA_OPTS=-Xmx16g t "compress, svd 0.2, 16 GB heap" bin/lowrank compress --model "$out/opt-350m" --method svd --ratio 0.2 \
  --out "$out/opt-350m-svd20"
t "export of the svd folder, with its check" bin/lowrank export --model "$out/opt-350m-svd20" --out "$out/opt-350m-svd20-onnx"
LOWRANK_JAVA_OPTS=-Xmx16g t "compress, whitened 0.2, 16 GB heap" bin/lowrank compress --model "$out/opt-350m" --method whitened --ratio 0.2 \
  --calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 16 --out "$out/opt-350m-w20"
