#!/usr/bin/env bash
# LoRA on GPT-2's fused c_attn (session 27): the tiny GPT-2 of results/gpt2-cli (trained on SOTU 1790–1945, 300 steps),
# adapted to SOTU 1946–2021 for 100 steps with LoRA r = 8 on the default targets (c_attn, which the runtime keeps as q,
# k and v sharing one lora_A, and attn.c_proj), then with every weight trained; the adapter's PEFT names and config, the
# adapter merged into a GPT-2 folder, perplexity on SOTU 2016–2021 (the held-out tail) beside the base and the fully
# tuned folder, and the export of the base with the adapter attached, checked in ONNX Runtime.
# Run from the repository root after `mvn -B -q install -DskipTests`:
#   WORK=/tmp/gpt2-lora results/gpt2-lora/lora.sh > results/gpt2-lora/lora-output.txt
set -euo pipefail
mkdir -p "$WORK"
CP=$(ls -d "$PWD"/lowrank-*/target/classes | tr '\n' ':')$PWD/lowrank-cli/target/lowrank.jar
OUT=$WORK/gpt2-sotu STEPS=300 jshell --class-path "$CP" results/gpt2-cli/train-tiny-gpt2.jsh 2>&1 | tail -2 | sed "s|$WORK/||g"
base=$WORK/gpt2-sotu
run() { bin/lowrank "$@" 2>&1 | grep -v '\[' | grep -v 'incubator' ; }
run finetune --model $base --data ../shared/data/sotu --from 1946 --to 2021 --steps 100 --rank 8 --out $WORK/gpt2-lora --force | tail -3 \
  | sed "s|$WORK/||g"
python3 - "$WORK/gpt2-lora" <<'PY'
import json, struct, sys
folder = sys.argv[1]
config = json.load(open(folder + "/adapter_config.json"))
print("target_modules", config["target_modules"], "fan_in_fan_out", config["fan_in_fan_out"], "r", config["r"])
with open(folder + "/adapter_model.safetensors", "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
names = sorted(k for k in header if k != "__metadata__")
print(len(names), "tensors, e.g.")
for k in names[:4]:
    print(" ", k, header[k]["shape"])
PY
run finetune --model $base --data ../shared/data/sotu --from 1946 --to 2021 --steps 100 --adapter full --out $WORK/gpt2-full --force \
  | tail -3 | sed "s|$WORK/||g"
run adapter merge --model $base --adapter $WORK/gpt2-lora --out $WORK/gpt2-merged --force | sed "s|$WORK/||g"
for m in gpt2-sotu gpt2-merged gpt2-full; do # SOTU 2016–2021 lies in the held-out tail of 1946–2021
  echo -n "$m: "; run perplexity --model $WORK/$m --text ../shared/data/sotu --from 2016 --to 2021 | head -1
done
run export --model $base --adapter $WORK/gpt2-lora --out $WORK/gpt2-lora-onnx --force | tail -2 | sed "s|$WORK/||g"
