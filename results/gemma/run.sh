#!/bin/bash
# Gemma, Gemma 2 and Gemma 3 (text) through the whole path, on random models of their layouts (gemma-small.json: GeGLU
# with the erf GELU its hidden_act "gelu" means, head_dim 96 apart from the width, one key/value head; gemma3-small.json:
# head norms, post-norms, query_pre_attn_scalar 100, sliding and full layers with their own RoPE, linear scaling ×8 on
# the full ones; gemma2-small.json: post-norms, query_pre_attn_scalar 144, even layers sliding, scores soft-capped at 2
# and logits at 3, weights drawn wide enough (initializer_range 0.05) that both caps bend; byte vocabulary; and Gemma 3
# and Gemma 2 with a sliding window of 16 positions, which the prompts and their continuations run past): generate, compress (plain SVD, ratio 0.3), export both, the checks in ONNX Runtime, and
# transformers.js's greedy texts (and token ids) against lowrank generate's. Random weights: the texts are noise, so this checks the
# plumbing and the numbers, not the language.
# Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/gemma results/gemma/run.sh > results/gemma/run-output.txt
set -euo pipefail
out=${OUT:?work folder}
here=results/gemma
js=results/onnx-export/transformers-js
rm -rf "$out" && mkdir -p "$out"
(cd $js && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
for family in gemma gemma3 gemma3-w16 gemma2 gemma2-w16; do
  if [ $family = gemma3-w16 ] || [ $family = gemma2-w16 ]; then # the same weights with a window of 16: prompts and continuations run past it
    cp -r "$out/${family%-w16}" "$out/$family"
    sed -i 's/"sliding_window": 512/"sliding_window": 16/' "$out/$family/config.json"
    grep -q '"sliding_window": 16' "$out/$family/config.json"
  else
    java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java $here/$family-small.json models/sotu-decoder/tokenizer.json \
      "$out/$family" --perturb
  fi
  bin/lowrank compress --model "$out/$family" --method svd --ratio 0.3 --out "$out/$family-svd" 2>/dev/null | tail -1
  for m in $family $family-svd; do
    $js/export-compare.sh "$out/$m" $m
  done
done
