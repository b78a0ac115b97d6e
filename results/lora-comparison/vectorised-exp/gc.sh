#!/bin/bash
# Garbage-collection pauses during the LoRA step bench (--quick: 5 rounds + 2 warm-up, one full and one LoRA step
# each), one thread as in ab.sh, with the collector the JVM picks for one CPU (Serial) and with G1 (what it picks on two
# cores or more). usage: JAR=lowrank-bench.jar gc.sh > gc-output.txt
cd "$(dirname "$0")/../../.."
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for gc in default G1; do
  flag=""
  [ "$gc" = G1 ] && flag="-XX:+UseG1GC"
  java -Xmx6g $flag -Xlog:gc:file="$work/gc.log" -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 -jar "$JAR" --suite lora --quick \
    --out "$work/bench.json" | grep -E "median|LoRA /"
  python3 - "$work/gc.log" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
pauses = [float(x) for x in re.findall(r' ([\d.]+)ms\s*$', log, re.M)]
print('  collector: %s; %d pauses, %.0f ms in all, over 10 timed and 4 warm-up steps and the loading (%.0f ms a step)'
      % (re.search(r'Using (\w+)', log).group(1), len(pauses), sum(pauses), sum(pauses) / 14))
PY
done
