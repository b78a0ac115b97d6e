#!/usr/bin/env bash
# adapter distil on already squeezed folders, all four adapters: the compensated squeeze to rank 4 and to the 25% budget, once
# each with no tuning, then 150 steps towards the original with adapter distil (defaults: 4 windows a step, peak rate 2e-3,
# seed 7), timed. usage (repository root): distil-verb.sh WORK OUT
#   WORK holds moby42/r16, moby7/r16, unseen/r16, unseen/perldiag.txt and sotu/r16 as in this folder's README
set -euo pipefail
work=${1:?folder of the r = 16 adapters}
out=${2:?scratch folder}
mkdir -p "$out"
for name in moby42 moby7 unseen sotu; do
  case $name in
    moby*) data=(--data ../shared/data/moby-dick) ;;
    unseen) data=(--data "$work/unseen/perldiag.txt") ;;
    sotu) data=(--data ../shared/data/sotu --from 1946 --to 2021) ;;
  esac
  for target in rank4 budget4; do
    if [ $target = rank4 ]; then size=(--rank 4); else size=(--budget 25%); fi
    folder="$name-compensated-$target"
    bin/lowrank adapter squeeze --adapter "$work/$name/r16" "${size[@]}" --model models/sotu-decoder "${data[@]}" --calibration-windows 64 \
      --compensate --out "$out/$folder" --force 2>&1 | tr '\r' '\n' | grep '^squeezed' | sed "s|$out|\$OUT|"
    start=$(date +%s)
    bin/lowrank adapter distil --adapter "$out/$folder" --teacher "$work/$name/r16" --model models/sotu-decoder "${data[@]}" \
      --steps 150 --out "$out/$folder-distil150" --force 2>&1 | tr '\r' '\n' | grep '^distilled' | sed "s|$out|\$OUT|"
    echo "$folder: adapter distil took $(( $(date +%s) - start )) s"
    for f in "$folder" "$folder-distil150"; do
      printf '%-40s ' "$f"
      bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/$f" "${data[@]}" --eval-bytes 20000 --no-base | grep 'held-out'
    done
  done
done
