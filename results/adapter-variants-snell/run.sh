#!/usr/bin/env bash
# The SNELL / SNELLA measurements of results/adapter-variants-snell/README.md, from the repository root (data in ../shared/data).
# Same protocol as results/adapter-variants/run.sh (LoRA r = 8 reference row there: 7.4639 -> 6.6264, not rerun here).
# Usage: results/adapter-variants-snell/run.sh [OUT]   (OUT defaults to $WORK/adapter-variants-snell, WORK to /tmp)
# ONLY=name,name runs only those; runs go one at a time under nice -n 10 (a shared 2-core machine).
set -euo pipefail
out=${1:-${WORK:-/tmp}/adapter-variants-snell}
mkdir -p "$out"
common=(--model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 8 --batch 4 --warmup 1 --eval-bytes 5000 --seed 42 --rank 8 --alpha 16 --force)
run() { local name=$1; shift; [[ -n "${ONLY:-}" && ",$ONLY," != *",$name,"* ]] && return 0
        uptime > "$out/$name.load.txt"
        /usr/bin/time -f "%e s wall, %U s user" nice -n 10 bin/lowrank finetune "${common[@]}" "$@" --out "$out/$name" \
          > "$out/$name.stdout.txt" 2>&1 || { tail -3 "$out/$name.stdout.txt"; exit 1; }
        uptime >> "$out/$name.load.txt"; grep -E '^(base|adapted)|storage' "$out/$name.stdout.txt" | head -3; }
# SNELL at LoRA r = 8's budget: q = 8 (2 heads of 4), 8·Σ(in + out) = 107,520 trainable values; sparsity 0.9 (SNELL-32's)
run snell-budget --adapter snell:budget=107520 --lr 3e-3
# SNELL's smaller natural config: q = 4 (53,760 values), sparsity 0.9
run snell-q4 --adapter snell:rank=4 --lr 3e-3
# SNELLA at q = 8: 107,520 + 3 (alpha, gamma, beta) x 24 layers = 107,592; budget schedule sparsity 0.01 -> 0.8 (SNELLA-32's)
run snella-q8 --adapter snella:rank=8 --lr 3e-3
# SNELLA's smaller config: q = 4 (53,832 values)
run snella-q4 --adapter snella:rank=4 --lr 3e-3
# the same two at 10x the rate (the update K.|K| starts at ~1e-6 to 1e-5 per kept entry and grows slowly in 8 steps)
run snell-budget-lr3e-2 --adapter snell:budget=107520 --lr 3e-2
run snella-q8-lr3e-2 --adapter snella:rank=8 --lr 3e-2
# a third rate, and SNELL without the competition (sparsity 0: the reference's plain kernel, dW = K) at 3e-2
run snell-budget-lr1e-1 --adapter snell:budget=107520 --lr 1e-1
run snella-q8-lr1e-1 --adapter snella:rank=8 --lr 1e-1
run snell-dense-lr3e-2 --adapter snell:budget=107520:sparsity=0 --lr 3e-2
# LoRA r = 8 at the two higher rates, so that the rate SNELL needs is not read as a method gain (its 3e-3 row is in
# results/adapter-variants and is not rerun)
run lora-r8-lr3e-2 --adapter lora --lr 3e-2
run lora-r8-lr1e-1 --adapter lora --lr 1e-1
run lora-r8-lr1e-2 --adapter lora --lr 1e-2
# SNELL's edge: 3x the best rate found above; SNELLA between its 3e-3 and 3e-2
run snell-budget-lr3e-1 --adapter snell:budget=107520 --lr 3e-1
run snella-q8-lr1e-2 --adapter snella:rank=8 --lr 1e-2
for a in snell-budget snella-q8; do [[ -d "$out/$a" ]] && bin/lowrank adapter inspect --adapter "$out/$a" | sed -n '1p;$p'; done; true
