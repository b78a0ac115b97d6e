#!/usr/bin/env bash
# HierarchicalPrune against low rank at equal parameters on the project's decoder (issue 22, the decoder half of the
# table). K = 1, 2 of the 6 blocks removed by measured sensitivity; whitened and svd-llm at the pruned folder's float32
# parameter bytes (--target-size); perplexity per byte on the first 30,000 bytes of SOTU 1981-2021 (the years the
# model never trained on); decode speed of all folders with lowrank-bench. Calibration: SOTU 1790-1945, 64 windows.
# From the repository root after `mvn -B -ntp -o -q -DskipTests package`; WORK a scratch folder; LOWRANK overrides
# bin/lowrank, BENCH the bench jar.
set -euo pipefail
WORK=${WORK:?set WORK to a scratch folder}
lowrank=${LOWRANK:-bin/lowrank}
export LOWRANK_JAVA_OPTS="${LOWRANK_JAVA_OPTS:--Xmx3g}"   # add -Dlowrank.threads=1 on a busy machine
CAL=(--calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 64)
ppl() { "$lowrank" perplexity --model "$1" --text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 30000 --json "$WORK/ppl-$2.json" \
          --force > /dev/null 2>&1
        python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('perplexity %.4f per byte' % d['perplexity'])" "$WORK/ppl-$2.json"; }
mkdir -p "$WORK"
echo "dense: $(ppl models/sotu-decoder dense)"
for k in 1 2; do
  "$lowrank" compress --model models/sotu-decoder "${CAL[@]}" --method hierarchical-prune:blocks=$k --out "$WORK/prune$k" --force \
    2>&1 | grep -v '\[' | tail -2
  echo "prune$k: $(ppl "$WORK/prune$k" prune$k)"
  bytes=$(stat -c %s "$WORK/prune$k/model.safetensors")
  for m in whitened svd-llm; do
    "$lowrank" compress --model models/sotu-decoder "${CAL[@]}" --method $m --target-size ${bytes}B --out "$WORK/$m-as-prune$k" --force \
      2>&1 | grep -v '\[' | tail -2
    echo "$m-as-prune$k: $(du -b "$WORK/$m-as-prune$k/model.safetensors" | cut -f1) bytes, $(ppl "$WORK/$m-as-prune$k" $m-as-prune$k)"
  done
done
