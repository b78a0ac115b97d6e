#!/usr/bin/env bash
# The adapter-variant measurements of results/adapter-variants/README.md, from the repository root (data in ../shared/data).
# Usage: results/adapter-variants/run.sh [OUT]   (OUT defaults to $WORK/adapter-variants, WORK to /tmp)
set -euo pipefail
out=${1:-${WORK:-/tmp}/adapter-variants}
mkdir -p "$out"
common=(--model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 8 --batch 4 --warmup 1 --eval-bytes 5000 --seed 42 --rank 8 --alpha 16 --force)
# ONLY=name,name runs only those; PARALLEL=1 starts them at once (the measured runs shared a loaded 2-core machine, so
# step times are upper bounds and include the other runs' competition)
run() { local name=$1; shift; [[ -n "${ONLY:-}" && ",$ONLY," != *",$name,"* ]] && return 0
        if [[ -n "${PARALLEL:-}" ]]; then run1 "$name" "$@" & else run1 "$name" "$@"; fi; }
run1() { local name=$1; shift; /usr/bin/time -f "%e s wall, %U s user" bin/lowrank finetune "${common[@]}" "$@" --out "$out/$name" \
          > "$out/$name.stdout.txt" 2>&1 || { tail -3 "$out/$name.stdout.txt"; exit 1; }; grep -v '^\s*$' "$out/$name.stdout.txt" | tail -4; }
# LoRA reference, r = 8 on q, k, v, o: 107,520 trainable values
run lora-r8 --adapter lora --lr 3e-3
# NOLA at the same budget: r = 8, 2,240 + 2,240 coefficients per layer (107,520); lr 10x LoRA's, as the spec's recipe
run nola-equal --adapter nola:basis=2240 --lr 3e-2
# the same at LoRA's rate (run after the 3e-2 run above made the model worse)
run nola-equal-lr3e-3 --adapter nola:basis=2240 --lr 3e-3
# NOLA at its own scale: r = 8, 128 + 128 coefficients per layer (6,144) - the file-size comparison at equal rank
run nola-128 --adapter nola:basis=128 --lr 3e-2
# SoRA from r_max = 8 (107,520 + 192 gates), proximal gate step with a log schedule of xi from 1e-3 to 2e-2 in 5 stages
run sora-r8 --adapter sora:xi=1e-3:xi-max=2e-2:stages=5:schedule=log --lr 3e-3
# SoRA's unpruned run: the same gated adapter without the L1 term and the threshold
run sora-r8-unpruned --adapter sora:lambda=0:xi=0 --lr 3e-3
wait
for a in nola-equal nola-128 sora-r8; do [[ -d "$out/$a" ]] && bin/lowrank adapter inspect --adapter "$out/$a" | tail -1; done; true
