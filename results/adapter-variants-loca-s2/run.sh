#!/usr/bin/env bash
# The LoCA and S2-LoRA measurements of results/adapter-variants-loca-s2/README.md, from the repository root (data in
# ../shared/data). The protocol of results/adapter-variants/run.sh: models/sotu-decoder, Moby Dick, q,k,v,o, 8 steps,
# batch 4, 5,000 held-out bytes, seed 42. Runs one at a time, under nice.
# Usage: results/adapter-variants-loca-s2/run.sh [OUT]   (OUT defaults to $WORK/adapter-variants-loca-s2, WORK to /tmp)
set -euo pipefail
out=${1:-${WORK:-/tmp}/adapter-variants-loca-s2}
mkdir -p "$out"
common=(--model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 8 --batch 4 --warmup 1 --eval-bytes 5000 --seed 42 --rank 8 --alpha 16 --force)
# ONLY=name,name runs only those
run() { local name=$1; shift; [[ -n "${ONLY:-}" && ",$ONLY," != *",$name,"* ]] && return 0
        uptime > "$out/$name.uptime.txt"
        /usr/bin/time -f "%e s wall, %U s user" nice -n 10 bin/lowrank finetune "${common[@]}" "$@" --out "$out/$name" \
          > "$out/$name.stdout.txt" 2>&1 || { tail -3 "$out/$name.stdout.txt"; exit 1; }
        uptime >> "$out/$name.uptime.txt"; grep -v '^\s*$' "$out/$name.stdout.txt" | tail -4; }
# LoCA at LoRA r=8's budget: 107,520 trainable values = 1,493 frequencies per layer (coefficient + 2 locations each)
run loca-budget --adapter loca:budget=107520 --lr 3e-3
# LoCA at the paper's K = 1,000 frequencies per layer (72,000 trainable values)
run loca-1000 --adapter loca:frequencies=1000 --lr 3e-3
# S2-LoRA at LoRA r=8's budget: one pair per shape (320x320 for q,o; 160x320 for k,v), r = 93, λ per layer
run s2lora-budget --adapter s2lora:budget=107520 --lr 3e-3
# S2-LoRA at r = 8 shared (the paper's ~0.02% regime): 8·(640+480) + 24·8 = 9,152 trainable values
run s2lora-r8 --adapter s2lora:rank=8 --lr 3e-3
# probes beyond the two configurations: LoCA at 10x LoRA's rate (the paper's coefficient rates are ~10x its LoRA rates);
# LoCA with location passes inside 8 steps (B_s = 8, cycle of 2: passes 1, 3, 5, 7 move locations) at a location rate
# that can cross a grid step (1/319) in one step, 30x the paper's 1e-4; S2-LoRA r = 8 with N(0,1) coefficients and a
# threshold large enough to zero some in 8 steps
run loca-budget-lr3e-2 --adapter loca:budget=107520 --lr 3e-2
run loca-budget-locations --adapter loca:budget=107520:location-steps=8:cycle=2:cycle-coef=1:location-lr=3e-3 --lr 3e-3
run s2lora-r8-sparse --adapter s2lora:rank=8:init=normal:xi=2e-2 --lr 3e-3
# after the runs above: LoCA's natural K = 1,000 at the rate that worked for its budget run; S2-LoRA at the budget with
# s = α/r = 2 as LoRA r = 8 has (alpha 186 = 2 x 93) instead of 16/93
run loca-1000-lr3e-2 --adapter loca:frequencies=1000 --lr 3e-2
run s2lora-budget-s2 --adapter s2lora:budget=107520:alpha=186 --lr 3e-3
# the location probe again at the coefficient rate that works (3e-2)
run loca-budget-locations-lr3e-2 --adapter loca:budget=107520:location-steps=8:cycle=2:cycle-coef=1:location-lr=3e-3 --lr 3e-2
for a in loca-budget s2lora-budget; do [[ -d "$out/$a" ]] && bin/lowrank adapter inspect --adapter "$out/$a" | head -3; done; true
