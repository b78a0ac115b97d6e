#!/bin/bash
# A random model of Gemma 2 2B's sizes (gemma2-2b.json: 26 layers of width 2,304, 8 query and 4 key/value heads of 256,
# MLP 9,216, vocabulary 256,000, every even layer sliding over 4,096 positions, scores capped at 50 and logits at 30; the
# sizes as a secondary copy (maxtext's hf_model_configs.py) and the Gemma2Config defaults give them): write it (10.4 GB of
# float32), score 4,000 bytes of SOTU with `perplexity --blockwise` in bin/lowrank's default 8 GB heap (one 2,048-token
# window and a short one). Wall time and peak resident memory of each command from /usr/bin/time. Random weights: the scores say nothing about language.
# Run from the repository root after `mvn -B -q install -DskipTests`, on a machine with at least 24 GB and 25 GB of disk:
#   OUT=/tmp/g2b results/gemma/size-gemma2.sh > results/gemma/size-gemma2-output.txt
set -euo pipefail
out=${OUT:?work folder}
rm -rf "$out" && mkdir -p "$out"
source results/gemma/timed.sh # timed LABEL COMMAND...
timed "write the random model" java -Xmx14g -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java \
  results/gemma/gemma2-2b.json models/sotu-decoder/tokenizer.json "$out/gemma2-2b"
du -sh "$out/gemma2-2b/model.safetensors"
timed "perplexity --blockwise" bin/lowrank perplexity --model "$out/gemma2-2b" --blockwise --text ../shared/data/sotu --from 2020 --max-bytes 4000
