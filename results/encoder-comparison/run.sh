#!/usr/bin/env bash
# Issue 14 item 6b: full fine-tuning, LoRA, PiSSA, SVFit, SALT and LoLDU as classifiers on all-MiniLM-L6-v2 (spam vs
# ham), one protocol, from the repository root. Usage: OUT=scratch M=minilm-folder results/encoder-comparison/run.sh [names]
# (names: lora full pissa salt svfit loldu; all when none). LOWRANK overrides bin/lowrank (a copy of the jar for long runs).
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
M=${M:?set M to the all-MiniLM-L6-v2 folder (model.onnx, tokenizer.json)}
lowrank=${LOWRANK:-bin/lowrank}
data=${DATA:-../shared/data/spam-assassin}
export LOWRANK_JAVA_OPTS="-Xmx6g"
common=(--task classify --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --labels "$data" --targets query,value
        --steps 40 --batch 16 --warmup 5 --seed 42 --force)
run() { local name=$1; shift; [[ $# -gt 0 ]] || return 0
        nice -n 5 /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$lowrank" finetune "${common[@]}" --out "$out/$name" "$@" \
          > "$out/$name.stdout" 2> "$out/$name.stderr" || { tail -3 "$out/$name.stderr"; return 1; }
        grep -E "head held-out|steps in" "$out/$name.stdout"; tail -1 "$out/$name.stderr"; }
want=${*:-lora full pissa salt svfit loldu}
for name in $want; do
  case $name in
    lora)  run lora  --lr 1e-3 --rank 8 --alpha 16 ;;
    full)  run full  --lr 1e-4 --adapter full ;;                       # a tenth of the adapters' rate, as on the decoder
    pissa) run pissa --lr 1e-3 --rank 8 --alpha 16 --init pissa ;;
    salt)  run salt  --lr 1e-3 --adapter salt:rank=8:lora-rank=8 ;;
    svfit) run svfit --lr 1e-3 --rank 160 --alpha 160 --init svfit ;;
    loldu) run loldu --lr 1e-3 --adapter loldu:rank=160:alpha=160 ;;
    *) echo "unknown run $name" >&2; exit 2 ;;
  esac
done
