#!/bin/bash
# transformers.js with its own left-padded batches: the five prompts of prompts.txt in one batch (transformers-js/batch.mjs:
# padding on the left, position ids from the mask) against each prompt alone (generate.mjs), 40 greedy tokens, for the
# four LLaMA-family exports of run.sh.  usage (repository root, after run.sh): OUT=/tmp/onnx-export results/onnx-export/js-batch.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
here=results/onnx-export
out=${OUT:?OUT=the folder run.sh wrote into}
(cd $here/transformers-js && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
: > "$here/js-batch-output.txt"
for m in sotu-dense sotu-w40 sotu-rtn4 sotu-svdq; do
  node $here/transformers-js/batch.mjs "$out/$m-onnx" 40 < $here/prompts.txt > "$out/$m-js-batch.txt"
  node $here/transformers-js/generate.mjs "$out/$m-onnx" 40 < $here/prompts.txt > "$out/$m-js-alone.txt"
  same=$(python3 -c 'import sys; a=open(sys.argv[1]).read().splitlines(); b=open(sys.argv[2]).read().splitlines(); print(sum(x==y for x,y in zip(a,b)), "of", len(a))' "$out/$m-js-batch.txt" "$out/$m-js-alone.txt")
  echo "$m: in one left-padded transformers.js batch, the same greedy text as alone for $same prompts" | tee -a "$here/js-batch-output.txt"
done
