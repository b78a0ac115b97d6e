#!/usr/bin/env bash
# Embedding compression (issue 19 item 3): every row of results/embedding-afm/table.md.
# Run from the repository root after `mvn -q -DskipTests package`. WORK is a scratch folder for the ONNX files.
# Usage: run.sh minilm|bge [ROW...]   (no ROW: every row of that model)
set -euo pipefail
M=${M:-~/.cache/lowrank4j/models/all-minilm-l6-v2}
B=${B:-$WORK/bge}   # bge-small-en-v1.5.onnx and its tokenizer, unzipped from the langchain4j jar (README)
R=results/embedding-afm
model=$1; shift
if [ "$model" = minilm ]; then
  ONNX=$M/model.onnx; TOK=$M/tokenizer.json; POOL=mean
else
  ONNX=$B/bge-small-en-v1.5.onnx; TOK=$B/bge-small-en-v1.5-tokenizer.json; POOL=cls
fi
CAL=../shared/data/sotu
row() { # NAME then compress options
  local name=$1; shift
  ${LOWRANK:-bin/lowrank} compress --model "$ONNX" --tokenizer "$TOK" --calib $CAL --pooling $POOL --threads 2 "$@" \
    --out "$WORK/$model-$name.onnx" --force 2>&1 | grep -v '\[' | tee "$R/$model-$name.log"
  cp "$WORK/$model-$name.json" "$R/$model-$name.json"
  ${LOWRANK:-bin/lowrank} eval --reference "$ONNX" --candidate "$WORK/$model-$name.onnx" --tokenizer "$TOK" --pooling $POOL --threads 2 \
    --out "$R/$model-$name-eval.json" --force 2>&1 | grep -v '\[' | tee -a "$R/$model-$name.log"
}
declare -A ROWS=(
  [afm64]="--embeddings afm:rank=64"
  [afm128]="--embeddings afm:rank=128"
  [afm192]="--embeddings afm:rank=192"
  [afm128-2048]="--embeddings afm:rank=128 --calib-sequences 2048"
  [afm128-uniform]="--embeddings afm:rank=128:weights=uniform"
  [svd64]="--embeddings svd:rank=64"
  [svd128]="--embeddings svd:rank=128"
  [svd192]="--embeddings svd:rank=192"
  [whitened-0.2]="--method whitened --ratio 0.2"
  [whitened-0.2-afm128]="--method whitened --ratio 0.2 --embeddings afm:rank=128"
  [whitened-0.2-afm192]="--method whitened --ratio 0.2 --embeddings afm:rank=192"
)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(afm64 afm128 afm192 afm128-2048 afm128-uniform svd64 svd128 svd192 whitened-0.2 whitened-0.2-afm128 whitened-0.2-afm192)
for n in "${names[@]}"; do
  if [ -n "${ROWS[$n]:-}" ]; then
    # shellcheck disable=SC2086
    row "$n" ${ROWS[$n]}
  else # whitened-SIZE: linear layers alone at the bytes of an embedding row, e.g. whitened-59.4MB
    row "$n" --method whitened --target-size "${n#whitened-}"
  fi
done
