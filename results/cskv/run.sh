#!/usr/bin/env bash
# CSKV (c15, issue 17) on models/sotu-decoder: shrunk KV caches at three density pairs, SVD vs ASVD init, window 32,
# perplexity on the first 30,000 bytes of the 1981-2021 addresses and KV-cache bytes per token, against the full cache.
# Run from the repository root after `mvn -B -ntp -o -q -DskipTests package`. WORK is a scratch folder.
set -euo pipefail
WORK="${WORK:-/tmp/cskv}"
mkdir -p "$WORK" results/cskv/perplexity
export LOWRANK_JAVA_OPTS="${LOWRANK_JAVA_OPTS:--Xmx3g -Dlowrank.threads=1}"
EVAL=(--text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 30000)
bin/lowrank perplexity --model models/sotu-decoder "${EVAL[@]}" --json results/cskv/perplexity/full.json --force
# calibration text for asvd only (--init svd reads none and refuses --calib)
calib() { [[ $1 == asvd ]] && echo "--calib ../shared/data/sotu --calib-from 1946 --calib-to 1980 --calib-windows 16"; return 0; }
for pair in 0.25:0.75 0.5:0.5 0.25:0.25; do
  k=${pair%%:*}; v=${pair##*:}
  for init in svd asvd; do
    name="k${k}-v${v}-${init}"
    # calibration (ASVD): the 1946-1980 addresses, which neither the training (1790-1945) nor the evaluation text holds
    bin/lowrank cskv --model models/sotu-decoder --out "$WORK/$name" --k-density "$k" --v-density "$v" --window 32 --init "$init" \
      $(calib "$init") --force
    bin/lowrank perplexity --model "$WORK/$name" "${EVAL[@]}" --json "results/cskv/perplexity/$name.json" --force
  done
done
# KV-cache bytes per token read from the caches' arrays after decoding one 256-byte window (and the formula beside them)
java -Xmx3g -Dlowrank.threads=1 -cp lowrank-cli/target/lowrank.jar results/cskv/KvBytes.java ../shared/data/sotu/2021_joseph_r_biden_d.txt \
  models/sotu-decoder "$WORK"/k0.25-v0.75-asvd "$WORK"/k0.5-v0.5-asvd "$WORK"/k0.25-v0.25-asvd > results/cskv/kv-bytes.json
# Window ablation: window 1 keeps only the query's own key and value in full precision, so every earlier position is
# read reconstructed (what the shrunk projections alone cost, without the recent window hiding them).
for spec in 0.25:0.25:svd 0.25:0.25:asvd 0.5:0.5:asvd 0.25:0.75:asvd; do
  IFS=: read -r k v init <<< "$spec"
  name="k${k}-v${v}-${init}-w1"
  bin/lowrank cskv --model models/sotu-decoder --out "$WORK/$name" --k-density "$k" --v-density "$v" --window 1 --init "$init" \
    $(calib "$init") --force
  bin/lowrank perplexity --model "$WORK/$name" "${EVAL[@]}" --json "results/cskv/perplexity/$name.json" --force
done
# A harsh point: 2 of 40 channels per head (density 0.05), window 1, to show what the shrunk branch costs when it is narrow.
for init in svd asvd; do
  name="k0.05-v0.05-${init}-w1"
  bin/lowrank cskv --model models/sotu-decoder --out "$WORK/$name" --k-density 0.05 --v-density 0.05 --window 1 --init "$init" \
    $(calib "$init") --force
  bin/lowrank perplexity --model "$WORK/$name" "${EVAL[@]}" --json "results/cskv/perplexity/$name.json" --force
done
# scratch paths in the records become $WORK; then the summary table
sed -i "s#\"$WORK#\"\$WORK#" results/cskv/perplexity/*.json
python3 results/cskv/table.py > results/cskv/table.md
