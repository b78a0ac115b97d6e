#!/usr/bin/env bash
# Issue 15 item 4, encoder task: every adapter variant as a spam-vs-ham classifier on all-MiniLM-L6-v2 at two budgets of
# trainable values (LoRA r = 8 and r = 2 on query, value: 73,728 and 18,432), with LoRA as the reference row; the
# protocol of results/encoder-comparison (40 steps of 16 mails, warm-up 5, 128 tokens, split seed 42, head fitted on the
# frozen features first). From the repository root:
#   OUT=scratch M=minilm-folder [SEED=42] [EXTRA="more finetune options"] results/adapter-variants-encoder/run.sh [names]
# Rates: LoRA's 1e-3, times the factor each method's recipe or our decoder runs call for (NOLA and LoCA 10x, their
# papers; SNELL 30x and SNELLA 10x, results/adapter-variants-snell) - set before any encoder run, not tuned here.
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
M=${M:?set M to the all-MiniLM-L6-v2 folder (model.onnx, tokenizer.json)}
lowrank=${LOWRANK:-bin/lowrank}
data=${DATA:-../shared/data/spam-assassin}
export LOWRANK_JAVA_OPTS="${LOWRANK_JAVA_OPTS:--Xmx6g}"   # add -Dlowrank.threads=1 on a busy machine
read -r -a extra <<< "${EXTRA:-}"                         # more finetune options for every row, e.g. EXTRA="--head-start probe:l2=0.01"
common=(--task classify --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --labels "$data" --targets query,value
        --steps 40 --batch 16 --warmup 5 --seed "${SEED:-42}" --force "${extra[@]}")
run() { local name=$1; shift
        nice -n 5 /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$lowrank" finetune "${common[@]}" --out "$out/$name" "$@" \
          > "$out/$name.stdout" 2> "$out/$name.stderr" || { echo "$name failed:"; tail -3 "$out/$name.stderr"; return 0; }
        grep -E "held-out accuracy" "$out/$name.stdout" | tail -1; }
want=${*:-lora-r8 lora-r2 nola-b73728 nola-b18432 sora-b73728 sora-b18432 loca-b73728 loca-b18432 s2lora-b73728 s2lora-b18432 flora-b73728 flora-b18432 snell-b73728 snell-b18432 snella-r8 snella-r2}
for name in $want; do
  case $name in
    lora-r8) run $name --lr 1e-3 --rank 8 --alpha 16 ;;
    lora-r2) run $name --lr 1e-3 --rank 2 --alpha 4 ;;
    full) run $name --lr 1e-4 --adapter full ;;
    nola-b*) run $name --lr 1e-2 --adapter nola:budget=${name#nola-b} ;;
    sora-b*) run $name --lr 1e-3 --adapter sora:budget=${name#sora-b} ;;
    loca-b*) run $name --lr 1e-2 --adapter loca:budget=${name#loca-b} ;;
    s2lora-b*) run $name --lr 1e-3 --adapter s2lora:budget=${name#s2lora-b} ;;
    flora-b*) run $name --lr 1e-3 --adapter flora:view=matrix:budget=${name#flora-b} ;;
    snell-b*) run $name --lr 3e-2 --adapter snell:budget=${name#snell-b} ;;
    snella-r8) run $name --lr 1e-2 --adapter snella:rank=8 ;;
    snella-r2) run $name --lr 1e-2 --adapter snella:rank=2 ;;
    *) echo "unknown run $name" >&2; exit 2 ;;
  esac
done
