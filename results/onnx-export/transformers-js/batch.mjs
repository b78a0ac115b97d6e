// Greedy continuations of several prompts (one a line, stdin) in ONE left-padded batch, by a folder that `lowrank export`
// wrote, in transformers.js: usage: node batch.mjs FOLDER MAX_NEW_TOKENS < prompts.txt; prints one JSON string a line.
// The byte-level tokenizer has no padding token; byte 0 stands in (its positions are masked out).
import { env, AutoTokenizer, AutoModelForCausalLM } from '@huggingface/transformers';
import path from 'node:path';
import fs from 'node:fs';

const folder = path.resolve(process.argv[2]);
env.localModelPath = path.dirname(folder) + path.sep;
env.allowRemoteModels = false;
const id = path.basename(folder);
const tokenizer = await AutoTokenizer.from_pretrained(id);
tokenizer.padding_side = 'left';
tokenizer.pad_token_id = 0;
tokenizer.pad_token = tokenizer.decode([0]);
const model = await AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32' });
const prompts = fs.readFileSync(0, 'utf8').split('\n').filter(l => l.length > 0);
const inputs = tokenizer(prompts, { padding: true });
const out = await model.generate({ ...inputs, max_new_tokens: Number(process.argv[3]), do_sample: false, pad_token_id: 0 });
const width = inputs.input_ids.dims[1];
const rows = out.tolist();
for (let b = 0; b < prompts.length; b++) {
  const fresh = rows[b].slice(width).map(Number); // the new tokens of row b
  console.log(JSON.stringify(prompts[b] + tokenizer.decode(fresh, { skip_special_tokens: false })));
}
