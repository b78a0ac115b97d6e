// Greedy continuations of prompts (one a line, stdin) by a folder that `lowrank export` wrote, in transformers.js
// (ONNX Runtime for Node underneath): usage: node generate.mjs FOLDER MAX_NEW_TOKENS < prompts.txt; prints one JSON string a line,
// or with IDS=1 in the environment one JSON object a line, {"prompt": [ids], "generated": [new ids]}.
import { env, AutoTokenizer, AutoModelForCausalLM } from '@huggingface/transformers';
import path from 'node:path';
import fs from 'node:fs';

const folder = path.resolve(process.argv[2]);
env.localModelPath = path.dirname(folder) + path.sep;
env.allowRemoteModels = false;
const id = path.basename(folder);
const tokenizer = await AutoTokenizer.from_pretrained(id);
// a folder over 1.5 GB keeps its weights in onnx/model.onnx_data, which transformers.js reads only when told to
const external = fs.existsSync(path.join(folder, 'onnx', 'model.onnx_data'));
const model = await AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32', use_external_data_format: external });
const prompts = fs.readFileSync(0, 'utf8').split('\n').filter(l => l.length > 0);
for (const prompt of prompts) {
  const inputs = tokenizer(prompt);
  // the model has max_position_embeddings positions; the last one's logits still give one more token, and `lowrank
  // generate` stops after it
  const positions = model.config.max_position_embeddings ?? model.config.n_positions; // LLaMA's name, GPT-2's name
  const room = positions - inputs.input_ids.dims[1] + 1;
  const out = await model.generate({ ...inputs, max_new_tokens: Math.min(Number(process.argv[3]), room), do_sample: false });
  if (process.env.IDS === '1') {
    const ids = Array.from(out[0].data, Number), length = inputs.input_ids.dims[1];
    console.log(JSON.stringify({ prompt: ids.slice(0, length), generated: ids.slice(length) }));
  } else {
    console.log(JSON.stringify(tokenizer.decode(out[0], { skip_special_tokens: true })));
  }
}
