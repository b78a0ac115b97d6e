#!/bin/bash
# The evaluation protocol on the exported files themselves: `lowrank perplexity` over the first 30,000 bytes of SOTU
# 1981–2021 (windows of 256) for each folder of run.sh, from the source folder (JVM runtime) and from the exported one
# (ONNX Runtime), one after the other.
# usage (repository root, after run.sh): OUT=/tmp/onnx-export results/onnx-export/perplexity.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/onnx-export
out=${OUT:?OUT=the folder run.sh wrote into}
: > "$here/perplexity-output.txt"
for m in sotu-dense sotu-w40 sotu-rtn4 sotu-svdq gpt2-dense gpt2-w20; do
  [ -d "$out/$m-onnx" ] || continue
  for f in "$out/$m" "$out/$m-onnx"; do
    echo "$f: $(bin/lowrank perplexity --model "$f" --text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 30000 2>/dev/null | head -1)" \
      | tee -a "$here/perplexity-output.txt"
  done
done
