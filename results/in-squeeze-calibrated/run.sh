#!/usr/bin/env bash
# In-Squeeze (finetune --squeeze-to) with each squeeze form: r = 16 trained with finetune's defaults (300 steps of 4 x 256
# bytes, the last 10% of the text held out) and squeezed once, after step 180, to rank 4 or to rank 4's stored values,
# plain or calibrated on the training text; the r = 16 adapter without a squeeze is the reference. Every run prints the
# held-out perplexity finetune scores at its end (the same bytes for all).
# usage (repository root): results/in-squeeze-calibrated/run.sh TEXT OUT VARIANT...
#   VARIANT: r16 | plain (--squeeze-weighting none) | fisher-budget (the default squeeze) | compensated-rank | compensated-budget
set -euo pipefail
text=${1:?plain text file}
out=${2:?scratch folder}
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
  bin/lowrank finetune --model models/sotu-decoder --data "$text" --rank 16 --alpha 32 "${extra[@]}" --out "$out/$variant" --force 2>&1 \
    | tr '\r' '\n' | grep -v '^finetune ' | grep -v '^$' | sed "s|$out|\$OUT|g"
  echo "$variant took $(( $(date +%s) - start )) s"
done
