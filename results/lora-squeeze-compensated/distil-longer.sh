#!/usr/bin/env bash
# 300 steps of adapter distil from the compensated rank-4 squeezes of the two adapters where 150 steps kept least (unseen,
# sotu), which distil-verb.sh must have written into OUT. usage (repository root): distil-longer.sh WORK OUT
set -euo pipefail
work=${1:?folder of the r = 16 adapters}
out=${2:?the folder distil-verb.sh wrote into}
for name in unseen sotu; do
  if [ $name = unseen ]; then data=(--data "$work/unseen/perldiag.txt"); else data=(--data ../shared/data/sotu --from 1946 --to 2021); fi
  folder="$name-compensated-rank4"
  test -d "$out/$folder" || { echo "run distil-verb.sh $work $out first" >&2; exit 2; }
  start=$(date +%s)
  bin/lowrank adapter distil --adapter "$out/$folder" --teacher "$work/$name/r16" --model models/sotu-decoder "${data[@]}" \
    --steps 300 --out "$out/$folder-distil300" --force 2>&1 | tr '\r' '\n' | grep '^distilled' | sed "s|$out|\$OUT|"
  echo "$folder: adapter distil took $(( $(date +%s) - start )) s"
  printf '%-40s ' "$folder-distil300"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$out/$folder-distil300" "${data[@]}" --eval-bytes 20000 --no-base | grep 'held-out'
done
