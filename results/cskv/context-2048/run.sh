#!/usr/bin/env bash
# CSKV at a context of 2,048 (issue 17 item 4): models/sotu-decoder's weights continued at context 2,048 (RoPE has no
# learned positions, so only config.json's max_position_embeddings changes before training), then its perplexity with the
# full cache and with CSKV caches, untrained (ASVD) and after 200 steps of layer-wise training of A and B.
# WORK: a scratch folder. From the repository root, after mvn -q -DskipTests package.
set -euo pipefail
WORK=${WORK:?set WORK to a scratch folder}
DATA=${DATA:-../shared/data}
export LOWRANK_JAVA_OPTS="-Xmx6g -Dlowrank.threads=1" OPENBLAS_NUM_THREADS=1
mkdir -p "$WORK/init"
cp models/sotu-decoder/{config.json,model.safetensors,tokenizer.json} "$WORK/init/"
sed -i 's/"max_position_embeddings": 256/"max_position_embeddings": 2048/' "$WORK/init/config.json"
bin/lowrank train --data "$DATA/sotu" --from 1790 --to 1945 --init "$WORK/init" --out "$WORK/sotu-decoder-2048" \
  --steps 150 --warmup 10 --lr 3e-4 --batch 2 --seed 44 --validate-every 50 --checkpoint-every 25
M=$WORK/sotu-decoder-2048
ppl() { bin/lowrank perplexity --model "$1" --text "$DATA/sotu" --from 1981 --to 2021 --max-bytes 30000 --json "results/cskv/context-2048/perplexity-$2.json" --force; }
ppl "$M" full
for spec in "0.25 0.25 asvd 0" "0.25 0.25 asvd 200" "0.5 0.5 asvd 0" "0.5 0.5 asvd 200"; do
  set -- $spec
  name=k$1-v$2-$3-t$4
  bin/lowrank cskv --model "$M" --out "$WORK/$name" --k-density $1 --v-density $2 --window 32 --init $3 \
    --calib "$DATA/sotu" --calib-from 1946 --calib-to 1980 --calib-windows 4 --train-steps $4 --force
  ppl "$WORK/$name" "$name"
done
