#!/usr/bin/env bash
# Quantized decoder measurements (issue 13): run from the repository root; $WORK is a scratch folder.
set -euo pipefail
WORK=${WORK:?set WORK to a scratch folder}
R=results/quantized-decoder
CAL="--calib ../shared/data/sotu --calib-from 1790 --calib-to 1945 --calib-windows 16"
EVAL="--text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 5120"
ppl() { bin/lowrank perplexity --model "$1" $EVAL --json "$WORK/perplexity-$2.json" --force 2>&1 | grep -v "^\s*$" | tail -2
        sed "s#$WORK#\$WORK#g" "$WORK/perplexity-$2.json" > "$R/perplexity-$2.json"; }
[ -f $R/perplexity-fp32.json ] || ppl models/sotu-decoder fp32
for b in 3 4; do
  bin/lowrank compress --model models/sotu-decoder --method rtn:bits=$b:group=16 --out $WORK/rtn$b --force 2>&1 | grep wrote
  T=$(stat -c %s $WORK/rtn$b/model.safetensors); echo "budget $b-bit: $T bytes"
  bin/lowrank compress --model models/sotu-decoder --method gptq:bits=$b:group=16 $CAL --out $WORK/gptq$b --force 2>&1 | grep wrote
  bin/lowrank compress --model models/sotu-decoder --method eora:bits=$b:group=32 $CAL --target-size $T --out $WORK/eora$b --force 2>&1 | grep -E "wrote|branches"
  bin/lowrank compress --model models/sotu-decoder --method lq-lora:bits=$b:group=32 --target-size $T --out $WORK/lqlora$b --force 2>&1 | grep -E "wrote|branches"
  for m in rtn gptq eora lqlora; do
    sed "s#$WORK#\$WORK#g; s#$PWD/##g" $WORK/$m$b.json > $R/compress-$m$b.json; sed "s#$WORK#\$WORK#g" $WORK/$m$b/quantized.json > $R/manifest-$m$b.json
    echo "$m$b: $(stat -c %s $WORK/$m$b/model.safetensors) bytes"; ppl $WORK/$m$b $m$b
  done
done
