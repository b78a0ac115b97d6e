#!/bin/bash
# perf profile of 25 full fine-tuning steps and, in another JVM, 25 LoRA r = 8 steps (q, k, v, o) on models/sotu-decoder,
# 4 x 256 tokens, each Trainer.runStep as the bench times it, at THREADS threads (default 1); prints milliseconds a step
# per symbol (JIT frames named through -XX:+DumpPerfMapAtExit). The seventh look's profile.sh with the trainer's step.
# usage (repository root, after mvn install): [THREADS=2] [JAVA=path/to/java] [PROFILE_FLAGS=...] \
#   results/lora-comparison/fifteenth-look/profile/profile.sh WORK_FOLDER
set -e
cd "$(dirname "$0")/../../../.."
work=${1:?work folder}
mkdir -p "$work"
jar=lowrank-bench/target/lowrank-bench.jar
here=results/lora-comparison/fifteenth-look/profile
javac -cp $jar -d "$work" $here/TrainerSteps.java
threads=${THREADS:-1}
export OPENBLAS_NUM_THREADS=$threads
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
one=""; [ "$threads" = 1 ] && one="-Dlowrank.threads=1 -XX:ActiveProcessorCount=1"
native=""
[ -n "${JAVA:-}" ] && "$JAVA" -version 2>&1 | grep -q 'version "2[2-9]' && native=--enable-native-access=ALL-UNNAMED
for m in full lora; do
  perf record -F 499 -o "$work/perf-$m.data" ${JAVA:-java} $native ${PROFILE_FLAGS:-} -Xmx6g $one -XX:+UnlockDiagnosticVMOptions \
    -XX:+DumpPerfMapAtExit -cp $jar:"$work" TrainerSteps $m models/sotu-decoder 25
  perf report -i "$work/perf-$m.data" --no-children --sort sym --stdio -F overhead,sample,sym 2>/dev/null | grep -v "^#" | grep -v "^$" \
    | awk -v m=$m '{n=$2; $1="";$2=""; printf "%s\t%.1f\t%s\n", m, n/499/28*1000, $0}' > "$work/$m.tsv"
done
python3 - "$work" <<'PY'
import re, sys
d = {}
for m in ['full', 'lora']:
    for l in open(f'{sys.argv[1]}/{m}.tsv'):
        p = l.rstrip('\n').split('\t')
        s = re.sub(r'\(.*', '', p[2]).strip()
        s = s.split()[-1] if s else s
        d.setdefault(s, {'full': 0, 'lora': 0})[m] += float(p[1])
print('ms a step (samples / 499 Hz / 28 steps; the JVM start and model load are in the totals)')
print('total %.0f %.0f' % (sum(v['full'] for v in d.values()), sum(v['lora'] for v in d.values())))
print('   full    lora  full-lora  symbol')
for k, v in sorted(d.items(), key=lambda kv: -(kv[1]['full'] + kv[1]['lora']))[:30]:
    print(f"{v['full']:7.1f} {v['lora']:7.1f} {v['full'] - v['lora']:7.1f}  {k[:90]}")
PY
