#!/usr/bin/env bash
# Bounded-memory (blockwise) compression and evaluation of LLaMA-architecture models larger than the JVM heap: the
# commands behind results/bounded-memory/README.md, in the order they were run.
# WORK: a scratch folder with ~12 GB free (models, compressed copies and the spilled activations go there).
# Needs the CLI jar: mvn -B -ntp -o -q -DskipTests package (lowrank-cli/target/lowrank.jar).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
WORK="${WORK:?set WORK to a scratch folder}"
DATA="${DATA:-$root/../shared/data}"   # the project's text (SOTU addresses)
cd "$WORK"
cp "$root/lowrank-cli/target/lowrank.jar" lowrank-run.jar   # a copy, so rebuilding the repository cannot disturb a run
run() { local heap="$1" log="$2"; shift 2
  MALLOC_ARENA_MAX=2 nice -n 5 /usr/bin/time -v java "-Xmx$heap" -XX:+UseParallelGC \
    -Dorg.bytedeco.javacpp.cachedir="$HOME/.cache/lowrank4j/javacpp" -DDJL_CACHE_DIR="$HOME/.cache/lowrank4j/djl" \
    -jar lowrank-run.jar "$@" > "$log" 2>&1; }
calib=(--calib "$DATA/sotu" --calib-from 2010 --calib-to 2012 --calib-windows 8)   # 8 windows of 256 = 2,048 tokens
eval=(--blockwise --text "$DATA/sotu" --from 2013 --to 2013 --max-bytes 1024)      # 1,023 predicted tokens, 4 windows

# 1. TinyLlama-1.1B shapes (hidden 2048, MLP 5632, 22 layers, 32 / 4 KV heads, vocabulary 32000, untied head), random
#    weights with decaying spectra, context 256, 6 shards: 1,100,048,384 parameters, 4.40 GB float32.
python3 "$here/make_llama.py" tinyllama-1b
# its perplexity, read one block at a time with a 2 GB heap
run 2g ppl-tinyllama-1b.log perplexity --model tinyllama-1b "${eval[@]}" --json perplexity-tinyllama-1b.json
# refused without --blockwise (one line, at once)
java -Xmx2g -jar lowrank-run.jar compress --model tinyllama-1b --method svd --allocation uniform --ratio 0.3 --out inmem-lr || true
# compressed with a 2 GB heap (plain SVD; whitened at 2 GB ran out of heap in block 0's down_proj, see README)
# (session 6 ran these two with OPENBLAS_NUM_THREADS=1 and -Dlowrank.threads=1 after -Xmx2g, one core, beside other jobs)
run 2g run-svd.log compress --model tinyllama-1b --blockwise --method svd --allocation uniform --ratio 0.3 --out tinyllama-1b-lr
# the compressed folder, read one block at a time with the same heap
run 2g ppl-tinyllama-1b-lr.log perplexity --model tinyllama-1b-lr "${eval[@]}" --json perplexity-tinyllama-1b-lr.json

# 2. 64 narrower layers (hidden 512, MLP 1408, 8 / 2 KV heads, vocabulary 32000): 213,189,120 parameters, 0.85 GB,
#    compressed with whitened SVD and a 320 MB heap, then both folders evaluated one block at a time with the same heap.
python3 "$here/make_llama.py" llama-64l --hidden 512 --intermediate 1408 --layers 64 --heads 8 --kv-heads 2 --layers-per-shard 16
run 320m run-64l.log compress --model llama-64l --blockwise --method whitened --allocation uniform --ratio 0.3 "${calib[@]}" --out llama-64l-lr
for m in llama-64l llama-64l-lr; do run 320m "ppl-$m.log" perplexity --model "$m" "${eval[@]}" --json "perplexity-$m.json"; done
