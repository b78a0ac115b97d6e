#!/usr/bin/env bash
# Step throughput of full, sst and trp measured back to back (same load on the shared machine): the first 12 steps of
# run.sh's setup (--stop-after 12: the same steps, without the validations and checkpoints of steps 25, 50, ...),
# one after the other, one BLAS thread; writes the median and the per-step tokens/s of steps 3–12 to throughput.csv.
# Usage (from the repository root): WORK=/some/scratch results/spectral-training/throughput.sh
set -euo pipefail
jar="${JAR:-lowrank-cli/target/lowrank.jar}"
common=(--data ../shared/data/sotu --from 1790 --to 1945 --steps 150 --batch 4 --warmup 10 --lr 1e-3
        --validate-every 25 --validation-batches 32 --checkpoint-every 50 --seed 1 --force --stop-after 12)
out=results/spectral-training/throughput.csv
echo "method,median_tokens_per_s,steps_3_to_12_tokens_per_s" > "$out"
for spec in full sst:rank=80:period=10 trp:period=5:energy=0.9:nuclear=3e-4; do
  name="${spec%%:*}"
  java -Xmx2g -Dlowrank.threads=1 -jar "$jar" train "${common[@]}" --method "$spec" --out "$WORK/speed-$name" > "$WORK/speed-$name.out" 2>&1
  python3 - "$WORK/speed-$name/train-log.csv" "$spec" >> "$out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))[2:12]
speeds = [float(r["tokens_per_s"]) for r in rows]
print('%s,%.1f,"%s"' % (sys.argv[2], sorted(speeds)[len(speeds) // 2], " ".join("%.1f" % s for s in speeds)))
PY
done
cat "$out"
