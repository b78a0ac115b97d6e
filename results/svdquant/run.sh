#!/usr/bin/env bash
# SVDQuant measurements (issue 13): run from the repository root after `mvn -B -ntp -o -q -DskipTests package`.
# $WORK is a scratch folder; $M the MiniLM folder. Usage: run.sh minilm NAME METHOD TARGET | decoder BITS
set -euo pipefail
WORK=${WORK:?set WORK to a scratch folder}
M=${M:-$HOME/.cache/lowrank4j/models/all-minilm-l6-v2}
R=results/svdquant
clean() { sed "s#$WORK#\$WORK#g; s#$M#\$M#g; s#$PWD/##g" "$1" > "$2"; }
case "$1" in
  minilm) # one MiniLM row: NAME METHOD TARGET (as results/quantized-minilm)
    bin/lowrank compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib ../shared/data/sotu \
      --method "$3" --target-size "$4" --out $WORK/$2.onnx --force 2>&1 | grep -E "wrote|branches"
    clean $WORK/$2.json $R/$2.json
    bin/lowrank eval --reference $M/model.onnx --candidate $WORK/$2.onnx --tokenizer $M/tokenizer.json \
      --pooling mean --out $WORK/$2-eval.json --force 2>&1 | tail -3
    clean $WORK/$2-eval.json $R/$2-eval.json ;;
  decoder) # svdquant at the bytes of rtn:bits=B:group=16 (results/quantized-decoder's budgets)
    b=$2; T=$([ "$b" = 4 ] && echo 5689912 || echo 4793608); shift 2
    CAL="--calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 16"
    bin/lowrank compress --model models/sotu-decoder --method svdquant:bits=$b:group=32"${1:-}" $CAL --target-size $T \
      --out $WORK/svdquant$b${2:-} --force 2>&1 | grep -E "wrote|branches"
    clean $WORK/svdquant$b${2:-}.json $R/compress-svdquant$b${2:-}.json
    clean $WORK/svdquant$b${2:-}/quantized.json $R/manifest-svdquant$b${2:-}.json
    echo "svdquant$b${2:-}: $(stat -c %s $WORK/svdquant$b${2:-}/model.safetensors) bytes"
    for bytes in 5120 30000; do
      bin/lowrank perplexity --model $WORK/svdquant$b${2:-} --text ../shared/data/sotu --from 1981 --to 2021 --max-bytes $bytes \
        --json $WORK/ppl$bytes-svdquant$b${2:-}.json --force 2>&1 | grep -v "^\s*$" | tail -2
    done
    clean $WORK/ppl5120-svdquant$b${2:-}.json $R/perplexity-svdquant$b${2:-}.json
    clean $WORK/ppl30000-svdquant$b${2:-}.json $R/perplexity30k-svdquant$b${2:-}.json ;;
esac
