#!/bin/bash
# Blockwise compression and perplexity of a GPT-2-family folder at OPT-350M's size (the random folder of
# size-opt350m.sh: 24 post-norm layers of width 1,024, 512-wide token rows projected in and out), in bin/lowrank's
# default 8 GB heap, session 27:
#  1. compress --blockwise --method whitened --allocation uniform --ratio 0.2 (16 windows of 2,048 tokens), with the
#     largest heap left after a collection (-Xlog:gc); the in-memory route needed a 16 GB heap for whitened at this size;
#  2. compress --blockwise --method svd at 0.2 (in memory, plain SVD ran out of the default heap at this size);
#  3. perplexity of the whitened output on 4,000 bytes of SOTU, blockwise and in memory (equal to rounding).
# Run from the repository root after `mvn -B -q install -DskipTests`, with OUT the work folder of size-opt350m.sh:
#   OUT=$WORK/opt350 results/opt/blockwise-opt350m.sh > results/opt/blockwise-opt350m-output.txt
set -uo pipefail
out=${OUT:?work folder holding opt-350m}
calib=(--calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 16)
t() { /usr/bin/time -f "  $1: %e s wall, %M KB peak resident" "${@:2}" 2>&1 | tr '\r' '\n' | grep -v '\[\|^$' | sed "s|$out/||g"; }
live() { python3 -c "
import re,sys
mx=0
for l in open(sys.argv[1]):
    m=re.search(r'(\d+)M->(\d+)M\((\d+)M\)', l)
    if m: mx=max(mx,int(m.group(2)))
print(f'  {sys.argv[2]}: largest heap after a collection {mx:,} MB')" "$1" "$2"; }
rm -rf "$out"/bw-*
LOWRANK_JAVA_OPTS="-Xmx8g -Xlog:gc:file=$out/bw-w20.gc" t "whitened 0.2, blockwise, default heap" bin/lowrank compress --model "$out/opt-350m" \
  --blockwise --method whitened --allocation uniform --ratio 0.2 "${calib[@]}" --out "$out/bw-w20"
live "$out/bw-w20.gc" "whitened, blockwise"
LOWRANK_JAVA_OPTS="-Xmx8g -Xlog:gc:file=$out/bw-svd20.gc" t "svd 0.2, blockwise, default heap" bin/lowrank compress --model "$out/opt-350m" \
  --blockwise --method svd --allocation uniform --ratio 0.2 --out "$out/bw-svd20"
live "$out/bw-svd20.gc" "svd, blockwise"
for how in --blockwise ""; do
  t "perplexity of the whitened output ${how:-in memory}" bin/lowrank perplexity --model "$out/bw-w20" $how --text ../shared/data/sotu \
    --from 2000 --to 2021 --max-bytes 4000
done
