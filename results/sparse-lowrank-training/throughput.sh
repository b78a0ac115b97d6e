#!/usr/bin/env bash
# Tokens per second of full, sltrain, lost, galore and full again, one after the other on the same machine state
# (the runs of results/lowrank-training ran four at once, so their throughput does not compare with single runs):
# 20 steps of the run.sh setup without validation, median step speed from each log.
# Usage (from the repository root): WORK=/some/scratch results/sparse-lowrank-training/throughput.sh > results/sparse-lowrank-training/throughput.txt
set -euo pipefail
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --stop-after 20 --batch 4 --warmup 10 --lr 1e-3
        --validate-every 0 --checkpoint-every 0 --seed 1 --force)
i=0
for spec in full sltrain:rank=80:density=0.03:alpha=32 lost:rank=80:density=0.03 galore:rank=80:gap=50:scale=1 full; do
  i=$((i + 1)); out="$WORK/speed-$i"
  java -Xmx2g -Dlowrank.threads=1 -jar "$jar" train "${common[@]}" --method "$spec" --out "$out" > "$out.out" 2>&1
  python3 - "$out/train-log.csv" "$spec" <<'PY'
import csv, sys
speeds = sorted(float(r["tokens_per_s"]) for r in csv.DictReader(open(sys.argv[1])))[:]
print("%-40s median step %.1f tokens/s over %d steps (min %.1f, max %.1f)" % (sys.argv[2], speeds[len(speeds) // 2], len(speeds), speeds[0], speeds[-1]))
PY
done
