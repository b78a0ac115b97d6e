#!/usr/bin/env bash
# An r = 16 adapter trained with finetune's defaults on the unseen text, squeezed to rank 4 after training, plain and
# activation-aware (calibrated on the text's head; the scored tail left out), each scored on the same held-out bytes.
# usage (repository root): results/lora-decoder/unseen-text/squeeze.sh WORK   (WORK/perldiag.txt as in README.md)
set -euo pipefail
work=${1:?work folder}
text=$work/perldiag.txt
bin/lowrank finetune --model models/sotu-decoder --data "$text" --rank 16 --alpha 32 --out "$work/r16" --force 2>&1 | tr '\r' '\n' | grep -v '^finetune '
bin/lowrank adapter squeeze --adapter "$work/r16" --rank 4 --out "$work/r16-rank4" --force
bin/lowrank adapter squeeze --adapter "$work/r16" --rank 4 --model models/sotu-decoder --data "$text" --weighting inputs --out "$work/r16-aware-rank4" --force
for a in r16-rank4 r16-aware-rank4; do
  printf '%-16s ' "$a"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$work/$a" --data "$text" --no-base | grep 'held-out perplexity'
done
# In-Squeeze with one late squeeze: 350 steps at the defaults, r = 16 squeezed to 4 after step 300
bin/lowrank finetune --model models/sotu-decoder --data "$text" --rank 16 --alpha 32 --steps 350 --squeeze-to 4 --squeeze-weighting none --squeeze-events 1 \
  --squeeze-until 0.857 --out "$work/in-squeeze-late" --force 2>&1 | tr '\r' '\n' | grep -v '^finetune '
# In-Squeeze with one squeeze at 60% (the default --squeeze-until): 300 steps, r = 16 squeezed to 4 after step 180
bin/lowrank finetune --model models/sotu-decoder --data "$text" --rank 16 --alpha 32 --squeeze-to 4 --squeeze-weighting none --squeeze-events 1 \
  --out "$work/in-squeeze-60" --force 2>&1 | tr '\r' '\n' | grep -v '^finetune '
# r = 4 trained directly, the defaults
bin/lowrank finetune --model models/sotu-decoder --data "$text" --rank 4 --alpha 8 --out "$work/r4" --force 2>&1 | tr '\r' '\n' | grep -v '^finetune '
# squeeze after training, then tune on at rank 4 for 50 steps (LoRA-Squeeze's continued tuning; the schedule's defaults)
bin/lowrank finetune --model models/sotu-decoder --data "$text" --init-adapter "$work/r16-rank4" --steps 50 \
  --out "$work/r16-rank4-tuned50" --force 2>&1 | tr '\r' '\n' | grep -v '^finetune '
