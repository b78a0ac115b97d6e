#!/usr/bin/env bash
# In-Squeeze with each squeeze form on the short setting of results/lora-squeeze-schedules: models/sotu-decoder adapted
# to Moby Dick, LoRA on q, k, v, o, 30 steps of 4 x 256 bytes at LR 3e-3, 20,000 held-out bytes scored; r = 16 squeezed
# once to 4 (or to rank 4's stored values) after step 18. Printout as run.sh's, so summary.py reads it.
# usage (repository root): results/in-squeeze-calibrated/moby.sh OUT SEED VARIANT...   (VARIANT as in run.sh)
set -euo pipefail
out=${1:?scratch folder}
seed=${2:?seed}
shift 2
mkdir -p "$out"
for variant in "$@"; do
  case $variant in
    r16) extra=() ;;
    plain) extra=(--squeeze-to 4 --squeeze-weighting none) ;;
    fisher-budget) extra=(--squeeze-to 4) ;;
    compensated-rank) extra=(--squeeze-to 4 --squeeze-compensate --squeeze-by rank) ;;
    compensated-budget) extra=(--squeeze-to 4 --squeeze-compensate) ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
  esac
  echo "== $variant: ${extra[*]}"
  start=$(date +%s)
  bin/lowrank finetune --model models/sotu-decoder --data ../shared/data/moby-dick --targets q_proj,k_proj,v_proj,o_proj \
    --steps 30 --batch 4 --lr 3e-3 --warmup 3 --eval-bytes 20000 --seed "$seed" --rank 16 --alpha 32 "${extra[@]}" \
    --out "$out/$variant-$seed" --force 2>&1 | tr '\r' '\n' | grep -v '^finetune ' | grep -v '^$' | sed "s|$out|\$OUT|g"
  echo "$variant took $(( $(date +%s) - start )) s"
done
