#!/usr/bin/env bash
# Bounded-memory (blockwise) compression and evaluation of a LLaMA-architecture model larger than the JVM heap.
# WORK: a scratch folder with ~15 GB free (the model is 4.4 GB, its compressed copy 3.1 GB; activations are spilled there).
# Needs the CLI jar: mvn -B -ntp -o -q -DskipTests package (lowrank-cli/target/lowrank.jar).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
WORK="${WORK:?set WORK to a scratch folder}"
DATA="${DATA:-$root/../shared/data}"   # the project's text (SOTU addresses)
HEAP="${HEAP:-2g}"
jar="$WORK/lowrank-run.jar"; cp "$root/lowrank-cli/target/lowrank.jar" "$jar"   # a copy, so rebuilding the repo cannot disturb a run
java_run() { MALLOC_ARENA_MAX=2 /usr/bin/time -v java "-Xmx$HEAP" -XX:+UseParallelGC \
  -Dorg.bytedeco.javacpp.cachedir="$HOME/.cache/lowrank4j/javacpp" -DDJL_CACHE_DIR="$HOME/.cache/lowrank4j/djl" -jar "$jar" "$@"; }

# 1. TinyLlama-1.1B shapes (hidden 2048, MLP 5632, 22 layers, 32 heads / 4 KV heads, vocabulary 32000), random weights with
#    decaying spectra, context 256, 6 shards + index: 1,100,048,384 parameters, 4.40 GB float32.
[ -f "$WORK/tinyllama-1b/model.safetensors.index.json" ] || python3 "$here/make_llama.py" "$WORK/tinyllama-1b"

# 2. Compress it with a 2 GB heap, one block at a time (whitened SVD, 30% of the block projections' parameters removed,
#    8 calibration windows of 256 tokens = 2,048 tokens of SOTU 2010-2012).
java_run compress --model "$WORK/tinyllama-1b" --blockwise --method whitened --allocation uniform --ratio 0.3 \
  --calib "$DATA/sotu" --calib-from 2010 --calib-to 2012 --calib-windows 8 --out "$WORK/tinyllama-1b-lr" --force \
  > "$WORK/compress.log" 2>&1

# 3. Perplexity of the original and the compressed folder, both read one block at a time with the same heap
#    (first 1,024 bytes of SOTU 2013: 1,023 predicted tokens in 4 windows of 256).
for m in tinyllama-1b tinyllama-1b-lr; do
  java_run perplexity --model "$WORK/$m" --blockwise --text "$DATA/sotu" --from 2013 --to 2013 --max-bytes 1024 \
    --json "$WORK/perplexity-$m.json" --force > "$WORK/perplexity-$m.log" 2>&1
done
