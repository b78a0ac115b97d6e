#!/usr/bin/env bash
# The squeeze recipe on a text none of the adapters above saw: an r = 16 adapter trained with finetune's defaults (as
# results/lora-decoder/unseen-text did), squeezed compensated to rank 4 and to a 25% budget, each then tuned towards it
# with adapter distil for 150 and for 300 steps (both from the squeezed folder); every folder scored on the same
# 20,000 held-out bytes. usage (repository root): fresh-text.sh TEXT OUT
#   TEXT: e.g. the Rust book as plain text, made from rustup's docs by
#   python3 -c 'import html,re,sys; t=re.sub(r"(?s)<(script|style).*?</\1>|<[^>]+>","",open(sys.argv[1]).read()); print(re.sub(r"\n\s*\n+","\n\n",html.unescape(t)))' \
#     ~/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/book/print.html > rust-book.txt
set -euo pipefail
text=${1:?plain text file}
out=${2:?scratch folder}
mkdir -p "$out"
data=(--data "$text")
start=$(date +%s)
bin/lowrank finetune --model models/sotu-decoder "${data[@]}" --rank 16 --alpha 32 --out "$out/r16" --force 2>&1 | tr '\r' '\n' \
  | grep -v '^finetune ' | sed "s|$out|\$OUT|g"
echo "training took $(( $(date +%s) - start )) s"
score() {
  printf '%-32s ' "$1"
  bin/lowrank adapter perplexity --model models/sotu-decoder --adapter "$2" "${data[@]}" --eval-bytes 20000 "${@:3}" | grep 'held-out'
}
score r16 "$out/r16"
for target in rank4 budget4; do
  if [ $target = rank4 ]; then size=(--rank 4); else size=(--budget 25%); fi
  folder="compensated-$target"
  start=$(date +%s)
  bin/lowrank adapter squeeze --adapter "$out/r16" "${size[@]}" --model models/sotu-decoder "${data[@]}" --calibration-windows 64 \
    --compensate --out "$out/$folder" --force 2>&1 | tr '\r' '\n' | grep '^squeezed' | sed "s|$out|\$OUT|"
  echo "$folder took $(( $(date +%s) - start )) s"
  score "$folder" "$out/$folder" --no-base
  for n in 150 300; do
    start=$(date +%s)
    bin/lowrank adapter distil --adapter "$out/$folder" --teacher "$out/r16" --model models/sotu-decoder "${data[@]}" --steps $n \
      --out "$out/$folder-distil$n" --force 2>&1 | tr '\r' '\n' | grep '^distilled' | sed "s|$out|\$OUT|"
    echo "$folder-distil$n took $(( $(date +%s) - start )) s"
    score "$folder-distil$n" "$out/$folder-distil$n" --no-base
  done
done
