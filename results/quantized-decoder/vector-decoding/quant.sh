#!/bin/bash
# lowrank-bench --suite quant (one quantized weight's forward, one row and 256 rows, against dense) with two builds,
# one thread, and the µs per call side by side. usage: JARS=folder (gemv.jar, new.jar) quant.sh > quant-output.txt
set -euo pipefail
cd "$(dirname "$0")"
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
for j in gemv new; do
  java -Xmx6g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -jar "$JARS/$j.jar" --suite quant --out "quant-$j.json" > /dev/null
done
python3 - <<'PY'
import json
runs = {j: json.load(open('quant-%s.json' % j))['quantized_weight_forward_vs_dense']['shapes'] for j in ('gemv', 'new')}
for a, b in zip(runs['gemv'], runs['new']):
    print('%4d x %4d, %3d rows:' % (a['out'], a['in'], a['rows']), '  '.join(
        '%s %.0f -> %.0f' % (k, a['median_seconds_per_call'][k] * 1e6, b['median_seconds_per_call'][k] * 1e6)
        for k in ('dense fp32', 'int8 per-channel', 'int4 g32', 'int3 g32', 'nf4 g32')), '(µs per call, gemv -> new)')
PY
