#!/usr/bin/env bash
# The FLoRA measurements of results/adapter-variants-flora/README.md, from the repository root (data in ../shared/data).
# Same protocol as results/adapter-variants/run.sh (the LoRA r = 8 reference row is cited from there, not rerun).
# Usage: results/adapter-variants-flora/run.sh [OUT]   (OUT defaults to $WORK/adapter-variants-flora, WORK to /tmp)
# ONLY=name,name runs only those; runs go one at a time under nice -n 10.
set -euo pipefail
out=${1:-${WORK:-/tmp}/adapter-variants-flora}
mkdir -p "$out"
common=(--model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj
        --steps 8 --batch 4 --warmup 1 --eval-bytes 5000 --seed 42 --rank 8 --alpha 16 --lr 3e-3 --force)
run() { local name=$1; shift; [[ -n "${ONLY:-}" && ",$ONLY," != *",$name,"* ]] && return 0
        uptime > "$out/$name.uptime.txt"
        /usr/bin/time -f "%e s wall, %U s user" nice -n 10 bin/lowrank finetune "${common[@]}" "$@" --out "$out/$name" \
          > "$out/$name.stdout.txt" 2>&1 || { tail -3 "$out/$name.stdout.txt"; exit 1; }
        uptime >> "$out/$name.uptime.txt"; grep -v '^\s*$' "$out/$name.stdout.txt" | tail -4; }
# heads view, q/k/v as [heads, head_dim, in] and o as [out, heads, head_dim], at LoRA r = 8's budget (107,520):
# uniform rank 10 on every mode, the heads mode at full rank (8 query heads, 4 key/value heads) -> 101,760 values
run heads-budget --adapter flora:view=heads:budget=107520
# matrix view [out, in] (LoRA with an r x r core) at the same budget: rank 7 -> 95,256 values (rank 8 would be 109,056)
run matrix-budget --adapter flora:view=matrix:budget=107520
# the smaller config: heads view, ranks heads 4, head_dim 4, channels 4 -> 36,672 values
run heads-small --adapter flora:view=heads:ranks=4,4,4
# matrix view at LoRA's own rank: ranks 8,8 -> 109,056 values (1.4% above LoRA's 107,520)
run matrix-r8 --adapter flora:view=matrix:ranks=8,8
# added after the four above, from the size of the first step (README): the same two budget runs at scale 0.5 instead
# of --alpha/--rank = 2
run heads-budget-s0.5 --adapter flora:view=heads:budget=107520:scale=0.5
run matrix-budget-s0.5 --adapter flora:view=matrix:budget=107520:scale=0.5
for a in heads-budget matrix-budget heads-small matrix-r8; do [[ -d "$out/$a" ]] && bin/lowrank adapter inspect --adapter "$out/$a" | head -3; done; true
