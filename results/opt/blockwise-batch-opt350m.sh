#!/bin/bash
# compress --blockwise --method whitened at OPT-350M's size again, after the blockwise route took the in-memory route's
# calibration batch (DecoderRuntime.windowsPerBatch: at most 2,048 tokens, so 1 window of 2,048 instead of 8), in the
# default 8 GB heap; the GC log's largest heap after a collection and after a full one (blockwise-gc/largest.py).
# Run from the repository root after `mvn -B -q install -DskipTests`, with OUT the work folder of size-opt350m.sh:
#   OUT=$WORK/opt350 results/opt/blockwise-batch-opt350m.sh > results/opt/blockwise-batch-opt350m-output.txt
set -uo pipefail
out=${OUT:?work folder holding opt-350m}
rm -rf "$out"/bw1-*
LOWRANK_JAVA_OPTS="-Xmx8g -Xlog:gc:file=$out/bw1-w20.gc" /usr/bin/time -f "  whitened 0.2, blockwise, 1 window a batch: %e s wall, %M KB peak resident" \
  bin/lowrank compress --model "$out/opt-350m" --blockwise --method whitened --allocation uniform --ratio 0.2 \
  --calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 16 --out "$out/bw1-w20" 2>&1 | tr '\r' '\n' \
  | grep -v '\[\|^$' | sed "s|$out/||g"
python3 results/opt/blockwise-gc/largest.py "$out/bw1-w20.gc" | sed "s|$out/||g"
cmp <(python3 -c "import json;print(json.load(open('$out/bw-w20/lowrank.json'))['ranks'])") \
    <(python3 -c "import json;print(json.load(open('$out/bw1-w20/lowrank.json'))['ranks'])") && echo "  same ranks as the 8-window run"
