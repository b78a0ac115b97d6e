#!/usr/bin/env bash
# Runs a benchmark main of lowrank-spark's test sources with the JVM flags Spark needs on JDK 17.
# Usage (from the repository root): lowrank-spark/run-bench.sh <main class> <args...>
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -o -q test-compile dependency:build-classpath -pl lowrank-spark -am -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
FLAGS="$(sed -n 's:.*<spark.jvmflags>\(.*\)</spark.jvmflags>.*:\1:p' lowrank-spark/pom.xml)"
CP="lowrank-spark/target/test-classes:lowrank-spark/target/classes:$(cat lowrank-spark/target/cp.txt)"
export SPARK_LOCAL_IP=127.0.0.1
# shellcheck disable=SC2086
exec java -Xmx"${BENCH_XMX:-3g}" $FLAGS -Dlog4j2.configurationFile=lowrank-spark/src/test/resources/log4j2.properties \
  -Dorg.bytedeco.javacpp.cachedir=target/native-cache/javacpp -cp "$CP" "$@"
