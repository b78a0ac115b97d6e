#!/usr/bin/env bash
# LoRA and full fine-tuning on an OPT folder: the tiny OPT that compress.sh trained on SOTU 1790–1945, adapted to SOTU
# 1946–2021 for 100 steps (LoRA r = 8 on the default targets q, k, v and out_proj; then every weight), the adapter merged
# into an OPT folder and scored with perplexity beside the base and the fully tuned folder, and the export of the base
# with the adapter attached, checked in ONNX Runtime. Run from the repository root after compress.sh (same WORK):
#   WORK=/tmp/opt-work results/opt/lora.sh > results/opt/lora-output.txt
set -euo pipefail
base=$WORK/opt-sotu
run() { bin/lowrank "$@" 2>&1 | grep -v '\[' ; }
run finetune --model $base --data ../shared/data/sotu --from 1946 --to 2021 --steps 100 --rank 8 --out $WORK/opt-lora --force | tail -3
grep -o '"target_modules"[^]]*]' $WORK/opt-lora/adapter_config.json
run finetune --model $base --data ../shared/data/sotu --from 1946 --to 2021 --steps 100 --adapter full --out $WORK/opt-full --force | tail -3
run adapter merge --model $base --adapter $WORK/opt-lora --out $WORK/opt-merged --force
for m in opt-sotu opt-merged opt-full; do # SOTU 2016–2021 lies in the held-out tail of 1946–2021
  echo -n "$m: "; run perplexity --model $WORK/$m --text ../shared/data/sotu --from 2016 --to 2021 | head -1
done
run export --model $base --adapter $WORK/opt-lora --out $WORK/opt-lora-onnx --force | tail -2 | sed "s|$WORK/||"
