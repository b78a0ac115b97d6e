#!/usr/bin/env bash
# The compensated squeeze (25% budget, 64 calibration windows) with two builds of the CLI jar, alternating, two rounds, wall
# time; then whether the two builds wrote the same adapter bytes. Here: before and after the squeeze kept each window's state
# between blocks instead of running every group's windows from the embedding.
# usage (repository root, nothing else running): JARS="OLD.jar NEW.jar" results/lora-squeeze-compensated/timing-ab.sh ADAPTER OUT [data options...]
set -euo pipefail
adapter=${1:?r = 16 adapter folder}
out=${2:?scratch folder}
shift 2
read -r -a jars <<< "${JARS:?JARS=\"old.jar new.jar\"}"
mkdir -p "$out"
if grep -q AuthenticAMD /proc/cpuinfo && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi # as bin/lowrank
TIMEFORMAT='%R s'
for round in 1 2; do
  for i in 0 1; do
    printf 'build %s (%s), round %s: ' "$i" "$(basename "${jars[$i]}")" "$round"
    { time java -Xmx8g -jar "${jars[$i]}" adapter squeeze --adapter "$adapter" --budget 25% --model models/sotu-decoder "$@" \
        --calibration-windows 64 --compensate --out "$out/build$i" --force > /dev/null 2>&1; } 2>&1
  done
done
if cmp -s "$out/build0/adapter_model.safetensors" "$out/build1/adapter_model.safetensors"; then
  echo "adapter_model.safetensors: the same bytes from both builds"
else
  echo "adapter_model.safetensors: the builds differ"
fi
