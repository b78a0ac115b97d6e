#!/bin/bash
# The eighteenth look's probes, JDK 25, RUNS runs (default 2): the per-head attention forms (AttnModes, on a build with
# per-head.patch), per-head products in parallel (SPar), fused linear shapes (Shapes), and the four steps of the sixteenth
# look's StepParts at one thread, two threads, and OpenBLAS at one thread with Java at two; then one perf profile.
# usage (repository root, after mvn install): WORK=folder results/lora-comparison/eighteenth-look/run.sh [RUNS]
set -e
cd "$(dirname "$0")/../../.."
root=$PWD
work=${WORK:?work folder}
runs=${1:-2}
here=results/lora-comparison/eighteenth-look
jar=lowrank-bench/target/lowrank-bench.jar
java=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p "$work/classes" "$work/patched"
if [ ! -f "$work/tree/$jar" ]; then # this commit with per-head.patch, built in a worktree
  git worktree add -f "$work/tree" HEAD >/dev/null
  (cd "$work/tree" && git apply "$root/$here/per-head.patch" && mvn -o -q package -DskipTests -pl lowrank-bench -am)
fi
javac -cp $jar -d "$work/classes" $here/Shapes.java $here/SPar.java results/lora-comparison/sixteenth-look/StepParts.java 2>&1 | grep -v warning || true
javac -cp "$work/tree/$jar" -d "$work/patched" $here/AttnModes.java 2>&1 | grep -v warning || true
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g)
run() { # BLAS_THREADS JAVA_CORES CLASSPATH CLASS ARGS...
  local blas=$1 cores=$2 cp=$3; shift 3
  local one=(); [ "$cores" = 1 ] && one=(-Dlowrank.threads=1 -XX:ActiveProcessorCount=1)
  OPENBLAS_NUM_THREADS=$blas "$java" "${flags[@]}" "${one[@]}" -cp "$cp" "$@" 2>&1 | grep -v WARNING
}
for r in $(seq 1 "$runs"); do
  for t in 1 2; do
    echo "== run $r, $t thread(s), load $(cut -d' ' -f1 /proc/loadavg)"
    echo "-- AttnModes"; run $t $t "$work/tree/$jar:$work/patched" AttnModes 60
    echo "-- SPar"; run $t $t "$jar:$work/classes" SPar 100
    echo "-- StepParts"; run $t $t "$jar:$work/classes" StepParts models/sotu-decoder 15
  done
  echo "== run $r, OpenBLAS at 1 thread, Java at 2, load $(cut -d' ' -f1 /proc/loadavg)"
  echo "-- StepParts"; run 1 2 "$jar:$work/classes" StepParts models/sotu-decoder 15
  echo "== run $r, one thread: linear shapes, load $(cut -d' ' -f1 /proc/loadavg)"
  run 1 1 "$jar:$work/classes" Shapes 100
done
echo "== perf profile, one thread (the fifteenth look's profile.sh), load $(cut -d' ' -f1 /proc/loadavg)"
JAVA=$java PROFILE_FLAGS="--add-modules jdk.incubator.vector" results/lora-comparison/fifteenth-look/profile/profile.sh "$work/profile" 2>&1 \
  | grep -v -e WARNING -e "perf record" | sed "s|$work|\$WORK|g"
