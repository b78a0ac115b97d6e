#!/bin/bash
# Heap allocated a training step: one run of the LoRA step bench (--quick: 5 rounds + 2 warm-up, one full and one LoRA
# step each) under JFR's profile settings, one thread as in ab.sh; the allocation samples inside the steps are summed and
# grouped by the innermost frame of ours outside the tensor and linalg packages. usage: JAR=lowrank-bench.jar alloc.sh
cd "$(dirname "$0")/../../.."
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java -Xmx6g -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -XX:StartFlightRecording=filename="$work/run.jfr",settings=profile \
  -jar "$JAR" --suite lora --quick --out "$work/bench.json" > /dev/null 2>&1
jfr print --stack-depth 30 --events jdk.ObjectAllocationSample "$work/run.jfr" > "$work/alloc.txt"
python3 - "$work/alloc.txt" <<'PY'
import re, sys, collections
events = open(sys.argv[1]).read().split('jdk.ObjectAllocationSample {')[1:]
units = {'bytes': 1e-6, 'kB': 1e-3, 'MB': 1, 'GB': 1e3}
sites, total = collections.Counter(), 0.0
for e in events:
    w = re.search(r'weight = ([\d.]+) (\w+)', e)
    m = re.search(r'stackTrace = \[\n(.*?)\n\s*\]', e, re.S)
    if not w or not m:
        continue
    frames = [l.strip() for l in m.group(1).split('\n')]
    if not any('LoraStepBenchmarks.step' in f for f in frames):
        continue
    mb = float(w.group(1)) * units[w.group(2)]
    side = 'lora' if any('AdapterLanguageModel' in f for f in frames) else 'full'
    ours = [f for f in frames if 'org.lowrank4j' in f and '.tensor.' not in f and '.linalg.' not in f]
    sites[side + ' ' + (re.sub(r'\(.*?\)', '', ours[0]) if ours else '?')] += mb
    total += mb
print('sampled allocation inside the 14 steps: %.0f MB, %.0f MB a step' % (total, total / 14))
for site, mb in sites.most_common(12):
    print('%8.0f MB  %s' % (mb, site))
PY
