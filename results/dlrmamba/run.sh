#!/usr/bin/env bash
# DLRMamba on State of the Union text (docs/specs/dlrmamba.md): the full Mamba teacher, its low-rank form, and the
# low-rank form fine-tuned for the same steps three ways (structure-aware distillation, logits-only distillation λ = 0,
# plain next-token cross-entropy); perplexity of each on held-out years 1981–2021.
# Run from the repository root after `mvn -q -DskipTests package`; WORK is a scratch folder, DATA the SOTU folder.
set -euo pipefail
WORK=${WORK:-/tmp/dlrmamba}
DATA=${DATA:-../shared/data/sotu}
OUT=results/dlrmamba
LR=${LR:-bin/lowrank}
export LOWRANK_JAVA_OPTS=${LOWRANK_JAVA_OPTS:--Xmx4g}
mkdir -p "$WORK" "$OUT"

# 1. the teacher: d = 128, 4 layers, N = 16, context 256, trained on 1790–1945 (models/sotu-mamba; ~35 min on 2 shared cores)
if [ ! -f models/sotu-mamba/model.safetensors ]; then
  $LR train --arch mamba --data "$DATA" --from 1790 --to 1945 --out models/sotu-mamba --hidden 128 --layers 4 --context 256 \
    --batch 8 --steps 350 --warmup 20 --lr 2e-3 --validate-every 50 --validation-batches 4 --checkpoint-every 50
fi

# 2. the low-rank form: in_proj, x_proj, out_proj and A_log of every block as U·V from their truncated SVD, half of their parameters removed
$LR compress --model models/sotu-mamba --method dlrmamba --ratio 0.5 --out "$WORK/lowrank" --force
cp "$WORK/lowrank.json" "$OUT/compress-record.json"

# 3. the same student, the same 80 steps of 4 windows of 256 bytes (seed 42, peak LR 1e-3), three objectives
STEPS=${STEPS:-80}
common=(--original models/sotu-mamba --compressed "$WORK/lowrank" --text "$DATA" --text-from 1790 --text-to 1945 --steps "$STEPS" --batch 4 --lr 1e-3 --force)
$LR recover "${common[@]}" --out "$WORK/distilled" > "$WORK/distilled.log" 2>&1 &                                                   # CE + τ²KL + λ·states (λ = 1)
$LR recover "${common[@]}" --out "$WORK/logits-only" --state-weight 0 > "$WORK/logits-only.log" 2>&1 &                            # ablation λ = 0
$LR recover "${common[@]}" --out "$WORK/cross-entropy" --output-weight 0 --state-weight 0 > "$WORK/cross-entropy.log" 2>&1 &      # no teacher
wait
for name in distilled logits-only cross-entropy; do cp "$WORK/$name.json" "$OUT/recover-$name.json"; done

# 4. perplexity and bits per byte on the held-out years (first 60,000 bytes of 1981–2021; windows of 256)
for name in teacher lowrank distilled logits-only cross-entropy; do
  model="$WORK/$name"; [ "$name" = teacher ] && model=models/sotu-mamba
  $LR perplexity --model "$model" --text "$DATA" --from 1981 --to 2021 --max-bytes 60000 --json "$OUT/perplexity-$name.json" --force &
done
wait
sed -i "s#$WORK#\$WORK#g; s#$DATA#../shared/data/sotu#g" "$OUT"/*.json   # repository-relative paths in the records
python3 "$OUT/summarise.py" "$OUT"
