#!/bin/bash
# After context.sh (same OUT): LoRA r = 8 (q, k, v, o) on SOTU 1946-2000 for 150 steps of 2,048 tokens, at 256-token
# windows for the unscaled model and at 1,024-token windows for each scaled copy; the adapter is merged and scored on the
# same 2001-2021 text as context.sh. Run from the repository root:
#   OUT=/tmp/ctx results/rope-scaling/tune.sh > results/rope-scaling/tune-output.txt
set -euo pipefail
out=${OUT:?the folder context.sh wrote}
text=${TEXT:-../shared/data/sotu}
printf '%-12s %7s %11s %14s %9s\n' variant window perplexity bits/byte tune_s
for v in plain-256 plain-1024 linear-4 llama3-4 yarn-4; do
  if [ "$v" = plain-256 ]; then context=256; batch=8; else context=1024; batch=2; fi
  start=$(date +%s)
  bin/lowrank finetune --model "$out/$v" --data "$text" --from 1946 --to 2000 --out "$out/$v-lora" --rank 8 --steps 150 \
    --context $context --batch $batch --seed 1 --force > "$out/$v-lora.log" 2>&1
  tuned=$(( $(date +%s) - start ))
  bin/lowrank adapter merge --model "$out/$v" --adapter "$out/$v-lora" --out "$out/$v-tuned" --force > /dev/null 2>&1
  for w in 256 1024; do
    [ "$v" = plain-256 ] && [ "$w" = 1024 ] && continue
    bin/lowrank perplexity --model "$out/$v-tuned" --text "$text" --from 2001 --to 2021 --max-bytes 204800 --window $w \
      --json "$out/$v-tuned-$w.json" --force > /dev/null 2>&1
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%-12s %7d %11.4f %14.4f %9s' % (sys.argv[2], d['window'], d['perplexity'], d['bits_per_byte'], sys.argv[3]))" \
      "$out/$v-tuned-$w.json" "$v+lora" $tuned
  done
done
