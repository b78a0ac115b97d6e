#!/bin/bash
# Memory of per-site compression at OPT-350M's size (the random folder of size-opt350m.sh), session 26:
#  1. compress --method whitened --ratio 0.2 (16 windows of 2,048) in a 16 GB heap under G1, then under the parallel
#     collector (bin/lowrank's default for batch verbs since this session);
#  2. the largest heap left after a collection (-Xlog:gc), svd and whitened, with the jar built before prepared sites
#     kept only their saving ranks (OLD_JAR, built from commit a697411) and with the current one.
# Run from the repository root after `mvn -B -q install -DskipTests`, with OUT the work folder of size-opt350m.sh:
#   OUT=$WORK/opt350 OLD_JAR=/path/to/a697411/lowrank.jar results/opt/memory-opt350m.sh > results/opt/memory-opt350m-output.txt
set -uo pipefail
out=${OUT:?work folder holding opt-350m}
old=${OLD_JAR:?the lowrank.jar built at a697411}
new=lowrank-cli/target/lowrank.jar
calib=(--calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 16)
t() { /usr/bin/time -f "  $1: %e s wall, %M KB peak resident" "${@:2}" 2>&1 | tr '\r' '\n' | grep -v '\[\|^$' | sed "s|$out/||g"; }
live() { python3 -c "
import re,sys
mx=full=0
for l in open(sys.argv[1]):
    m=re.search(r'(\d+)M->(\d+)M\((\d+)M\)', l)
    if m:
        mx=max(mx,int(m.group(2)))
        if 'Full' in l: full=max(full,int(m.group(2)))
print(f'  {sys.argv[2]}: largest heap after a collection {mx:,} MB, after a full collection {full:,} MB')" "$1" "$2"; }
rm -rf "$out"/mem-*
LOWRANK_JAVA_OPTS="-Xmx16g -XX:+UseG1GC" t "whitened 0.2, 16 GB, G1" bin/lowrank compress --model "$out/opt-350m" --method whitened \
  --ratio 0.2 "${calib[@]}" --out "$out/mem-w-g1"
LOWRANK_JAVA_OPTS="-Xmx16g -XX:+UseParallelGC" t "whitened 0.2, 16 GB, parallel" bin/lowrank compress --model "$out/opt-350m" \
  --method whitened --ratio 0.2 "${calib[@]}" --out "$out/mem-w-parallel"
for method in svd whitened; do
  for build in before after; do
    jar=$new; [ $build = before ] && jar=$old
    extra=(); [ $method = whitened ] && extra=("${calib[@]}")
    t "$method 0.2, $build" java -Xmx16g -XX:+UseParallelGC --add-modules jdk.incubator.vector -Xlog:gc:file="$out/mem-$method-$build.gc" \
      -jar "$jar" compress --model "$out/opt-350m" --method $method --ratio 0.2 "${extra[@]}" --out "$out/mem-$method-$build"
    live "$out/mem-$method-$build.gc" "$method, $build"
  done
done
