#!/usr/bin/env bash
# Issue 15, encoder task: the rates of SNELL and SNELLA chosen on a validation split instead of fixed in advance.
# Same protocol as run.sh (40 steps of 16 mails, 128 tokens, split seed 42, the same 300 held-out mails), plus
# --validation 0.2: a fifth of each class's training mails (140) is set aside, never trained on, and scored before and
# after. Each row runs at its pre-set rate (run.sh) and at a third and three times it; choose.py picks the rate by
# validation accuracy alone (ties: macro-F1, then the pre-set rate) and reports that run's held-out accuracy.
#   OUT=scratch M=minilm-folder results/adapter-variants-encoder/validation.sh [names]
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
M=${M:?set M to the all-MiniLM-L6-v2 folder (model.onnx, tokenizer.json)}
lowrank=${LOWRANK:-bin/lowrank}
data=${DATA:-../shared/data/spam-assassin}
export LOWRANK_JAVA_OPTS="${LOWRANK_JAVA_OPTS:--Xmx6g}"   # add -Dlowrank.threads=1 on a busy machine
common=(--task classify --model "$M/model.onnx" --tokenizer "$M/tokenizer.json" --labels "$data" --targets query,value
        --steps 40 --batch 16 --warmup 5 --seed 42 --validation 0.2 --force)
run() { local name=$1; shift
        nice -n 5 /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$lowrank" finetune "${common[@]}" --out "$out/$name" "$@" \
          > "$out/$name.stdout" 2> "$out/$name.stderr" || { echo "$name failed:"; tail -3 "$out/$name.stderr"; return 0; }
        grep -E "accuracy" "$out/$name.stdout" | tail -2; }
want=${*:-snell-b18432 snell-b73728 snella-r8 snella-r2}
for name in $want; do
  case $name in
    snell-b*) for lr in 1e-2 3e-2 1e-1; do run $name-lr$lr --lr $lr --adapter snell:budget=${name#snell-b}; done ;;
    snella-r*) for lr in 3e-3 1e-2 3e-2; do run $name-lr$lr --lr $lr --adapter snella:rank=${name#snella-r}; done ;;
    *) echo "unknown run $name" >&2; exit 2 ;;
  esac
done
