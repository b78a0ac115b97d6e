#!/usr/bin/env bash
# The food-frequency questionnaire (54 respondents x 1093 answers, ../shared/data/tensors/ffq): hide 20% of the answers,
# complete from the rest (columns standardised), RMSE on the hidden answers in the answers' own units.
set -euo pipefail
out=${OUT:-/tmp/lowrank-completion}
mkdir -p "$out"
for rank in 1 2 3 5 8; do
  printf 'ffq hide=0.2 rank=%s ' "$rank"
  bin/lowrank complete --csv ../shared/data/tensors/ffq/data.csv --label-column --hide 0.2 --rank $rank --ridge 0.1 --soft-impute --soft-impute-rank 40 \
    --seed 1 --out "$out/ffq-rank$rank.csv" --force | grep hidden
done
