#!/usr/bin/env bash
# Speed of the narrowed dense model (modegpt) vs the factorised one (svd-llm, LowRankFolder) vs fp32, at ratio 0.3,
# on the JVM runtime: prefill = the perplexity pass (20 windows of 256 tokens, 5,120 bytes; 'seconds' of its JSON),
# decode = generate's own timing line ("N tokens of prompt, up to M new, S s", in-process, no JVM start) for 189 new
# tokens (the prompt's 67 + 189 fill the 256-position context) minus for 1 new token, over 188 tokens, greedy.
# Rounds alternate the models; run after measure.sh (it reads its folders in $WORK).
set -euo pipefail
WORK=${WORK:?set WORK to a scratch folder}
EVAL="--text ../shared/data/sotu --from 1981 --to 2021 --max-bytes 5120"
PROMPT="Mr. Speaker, Mr. President, distinguished Members of the Congress, "
models="fp32:models/sotu-decoder modegpt0.3:$WORK/modegpt0.3 svd-llm0.3:$WORK/svd-llm0.3"
echo "round,model,prefill_seconds,generate1_seconds,generate189_seconds,decode_ms_per_token"
for round in 1 2 3; do
  for entry in $models; do
    name=${entry%%:*}; folder=${entry#*:}
    bin/lowrank perplexity --model "$folder" $EVAL --json "$WORK/bench-ppl-$name.json" --force > /dev/null 2>&1
    p=$(python3 -c "import json;print(json.load(open('$WORK/bench-ppl-$name.json'))['seconds'])")
    a=$(bin/lowrank generate --model "$folder" --prompt "$PROMPT" --max-tokens 1 2>&1 | sed -n 's/.* new, \([0-9.]*\) s$/\1/p')
    b=$(bin/lowrank generate --model "$folder" --prompt "$PROMPT" --max-tokens 189 2>&1 | sed -n 's/.* new, \([0-9.]*\) s$/\1/p')
    python3 -c "print('$round,$name,%.2f,%.2f,%.2f,%.2f' % ($p, $a, $b, ($b-$a)/188*1000))"
  done
done
