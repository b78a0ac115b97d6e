#!/bin/bash
# GradientClipping's norm and scale over models/sotu-decoder's 6.9 M gradients, with the bench jar before this look
# (OLD_JAR, built at a79523f: a get/set loop per element) and the current one (the float arrays read directly), JDK 17,
# the two alternated twice. Run from the repository root after `mvn -B -q install -DskipTests`:
#   OLD_JAR=<lowrank-bench.jar at a79523f> WORK=<scratch folder> results/lora-comparison/fourteenth-look/norm-probe/run.sh
set -e
here=results/lora-comparison/fourteenth-look/norm-probe
work=${WORK:?scratch folder}
new=lowrank-bench/target/lowrank-bench.jar
old=${OLD_JAR:?the bench jar built at a79523f}
mkdir -p "$work"
javac -d "$work" -cp "$new" "$here/NormProbe.java"
for pass in 1 2; do
  for build in old new; do
    jar=$new; [ $build = old ] && jar=$old
    echo "pass $pass, $build:"
    java -cp "$jar:$work" NormProbe models/sotu-decoder
  done
done
