#!/bin/bash
# Longer context without training, through RoPE scaling: models/sotu-decoder (trained on 256-token windows,
# max_position_embeddings 256) with max_position_embeddings 1024 and each scaling, perplexity over 256- and 1024-token
# windows of the same text. Run from the repository root after `mvn -B -q install -DskipTests`:
#   OUT=/tmp/ctx results/rope-scaling/context.sh > results/rope-scaling/context-output.txt
set -euo pipefail
out=${OUT:?folder for the model copies}
text=${TEXT:-../shared/data/sotu}
mkdir -p "$out"
variant() { # name max_position_embeddings rope_scaling-json
  rm -rf "$out/$1"
  mkdir -p "$out/$1"
  cp models/sotu-decoder/{model.safetensors,tokenizer.json} "$out/$1/"
  python3 - "$out/$1/config.json" "$2" "$3" <<'PY'
import json, sys
c = json.load(open('models/sotu-decoder/config.json'))
c['max_position_embeddings'] = int(sys.argv[2])
if sys.argv[3] != 'none':
    c['rope_scaling'] = json.loads(sys.argv[3])
json.dump(c, open(sys.argv[1], 'w'), indent=2)
PY
}
variant plain-256 256 none
variant plain-1024 1024 none
variant linear-4 1024 '{"rope_type": "linear", "factor": 4.0}'
variant llama3-4 1024 '{"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 256}'
variant yarn-4 1024 '{"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 256}'
printf '%-12s %7s %11s %14s\n' variant window perplexity bits/byte
for v in plain-256 plain-1024 linear-4 llama3-4 yarn-4; do
  for w in 256 1024; do
    [ "$v" = plain-256 ] && [ "$w" = 1024 ] && continue
    bin/lowrank perplexity --model "$out/$v" --text "$text" --from 2001 --to 2021 --max-bytes 204800 --window $w \
      --json "$out/$v-$w.json" --force > /dev/null 2>&1
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%-12s %7d %11.4f %14.4f' % (sys.argv[2], d['window'], d['perplexity'], d['bits_per_byte']))" \
      "$out/$v-$w.json" $v
  done
done
