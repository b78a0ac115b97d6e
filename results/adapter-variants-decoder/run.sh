#!/usr/bin/env bash
# Issue 15 item 4, decoder task at two common budgets: every adapter variant adapting models/sotu-decoder to Moby Dick
# (q, k, v, o of all 6 blocks; 8 steps of 4 windows x 256 bytes, warm-up 1, seed 42; held-out perplexity on the first
# 5,000 held-out bytes), at LoRA r = 8's budget (107,520 trainable values) and r = 2's (26,880), with LoRA and full
# fine-tuning as reference rows - the protocol of results/adapter-variants, run one after the other on a quiet machine
# so that s/step is comparable. Rates: LoRA's 3e-3 times the factor each method's recipe or the earlier decoder runs
# call for (LoCA 10x; SNELL 30x and SNELLA 10x, results/adapter-variants-snell; NOLA at LoRA's rate: 10x diverged at
# 2,240 bases in results/adapter-variants); full fine-tuning at 3e-4 (results/lora-comparison's better full row).
# From the repository root:  OUT=scratch results/adapter-variants-decoder/run.sh [names]
set -euo pipefail
out=${OUT:?set OUT to a scratch folder}
lowrank=${LOWRANK:-bin/lowrank}
mkdir -p "$out"
common=(--model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 8 --batch 4 --warmup 1 --eval-bytes 5000 --seed 42 --force)
run() { local name=$1; shift
        /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$lowrank" finetune "${common[@]}" --out "$out/$name" "$@" \
          > "$out/$name.stdout" 2> "$out/$name.stderr" || { echo "$name failed:"; tail -3 "$out/$name.stderr"; return 0; }
        grep -E "held-out" "$out/$name.stdout" | tail -1; }
want=${*:-full lora-r8 lora-r2 nola-b107520 nola-b26880 sora-b107520 sora-b26880 loca-b107520 loca-b26880 s2lora-b107520 s2lora-b26880 flora-b107520 flora-b26880 snell-b107520 snell-b26880 snella-r8 snella-r2}
for name in $want; do
  case $name in
    full) run $name --lr 3e-4 --adapter full ;;
    lora-r8) run $name --lr 3e-3 --rank 8 --alpha 16 ;;
    lora-r2) run $name --lr 3e-3 --rank 2 --alpha 4 ;;
    nola-b*) run $name --lr 3e-3 --adapter nola:budget=${name#nola-b} ;;
    sora-b*) run $name --lr 3e-3 --adapter sora:budget=${name#sora-b} ;;
    loca-b*) run $name --lr 3e-2 --adapter loca:budget=${name#loca-b} ;;
    s2lora-b*) run $name --lr 3e-3 --adapter s2lora:budget=${name#s2lora-b} ;;
    flora-b*) run $name --lr 3e-3 --adapter flora:view=heads:budget=${name#flora-b} ;;
    snell-b*) run $name --lr 1e-1 --adapter snell:budget=${name#snell-b} ;;
    snella-r8) run $name --lr 3e-2 --adapter snella:rank=8 ;;
    snella-r2) run $name --lr 3e-2 --adapter snella:rank=2 ;;
    *) echo "unknown run $name" >&2; exit 2 ;;
  esac
done
