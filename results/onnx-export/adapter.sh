#!/bin/bash
# A LoRA adapter exported unmerged over a dense and a 4-bit base: tunes r = 8 on SOTU 1946–2021 (100 steps), exports the
# dense and RTN int4 folders of run.sh with it (`lowrank export --adapter`), and scores the held-out tail finetune keeps
# (`lowrank adapter perplexity`): each source with the adapter in the JVM runtime, each export alone in ONNX Runtime;
# then a greedy continuation from both.  usage (repository root, after run.sh): OUT=/tmp/onnx-export results/onnx-export/adapter.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/onnx-export
out=${OUT:?OUT=the folder run.sh wrote into}
bin/lowrank finetune --model models/sotu-decoder --data ../shared/data/sotu --from 1946 --to 2021 --out "$out/sotu-lora" --steps 100 --force \
  2>/dev/null | tail -3 | tee "$here/adapter-output.txt"
for m in sotu-dense sotu-rtn4; do
  bin/lowrank export --model "$out/$m" --adapter "$out/sotu-lora" --out "$out/$m-lora-onnx" --force 2>/dev/null | tee -a "$here/adapter-output.txt"
  echo "$m with the adapter, JVM runtime: $(bin/lowrank adapter perplexity --model "$out/$m" --adapter "$out/sotu-lora" --data ../shared/data/sotu \
    --from 1946 --to 2021 --no-base 2>/dev/null | tail -1)" | tee -a "$here/adapter-output.txt"
  echo "$m-lora-onnx, ONNX Runtime: $(bin/lowrank adapter perplexity --model "$out/$m-lora-onnx" --data ../shared/data/sotu --from 1946 --to 2021 \
    2>/dev/null | tail -1)" | tee -a "$here/adapter-output.txt"
  a=$(bin/lowrank generate --model "$out/$m" --adapter "$out/sotu-lora" --prompt "Tonight I want to talk about" --temperature 0 --max-tokens 120 2>/dev/null)
  b=$(bin/lowrank generate --model "$out/$m-lora-onnx" --prompt "Tonight I want to talk about" --temperature 0 --max-tokens 120 2>/dev/null)
  [ "$a" = "$b" ] && echo "$m: the same 120-token greedy text from both: $b" | tee -a "$here/adapter-output.txt" \
    || echo "$m: the texts differ" | tee -a "$here/adapter-output.txt"
done
