#!/bin/bash
# alternating A/B of the LoRA step bench: base (main at cba5bd4) vs new (this session), Haswell and SkylakeX kernels
cd "$(dirname "$0")/../../.."
for i in 1 2; do
  for ct in Haswell SkylakeX; do
    for j in base new; do
      OPENBLAS_CORETYPE=$ct java -jar $JARS/$j.jar --suite lora --out results/lora-comparison/ab-folded-blocked/ab-$j-$ct-$i.json > /dev/null
      echo "$j $ct $i $(uptime)" >> /dev/stderr
    done
  done
done
