#!/usr/bin/env python3
"""Writes a LLaMA-architecture model folder with random weights whose singular values decay, for testing the
bounded-memory (blockwise) route on a model larger than the JVM heap. Not a trained model: only its shapes and its
spectrum shape are realistic.

Each projection W (out x in) is (A * s) @ B with A (out x k), B (k x in) standard normal, k = min(out, in) and
s_i = (i + 1)^-decay, scaled so entries have standard deviation 0.02 (LLaMA's initializer_range). The singular values
of such a product follow the decay of s roughly (not exactly). Embedding and lm_head are N(0, 0.02^2); norms are 1.
The tokenizer is the byte-level one of models/sotu-decoder (ids 0-255), copied.

usage: make_llama.py OUT [--hidden 2048 --intermediate 5632 --layers 22 --heads 32 --kv-heads 4 --vocab 32000
                          --positions 256 --layers-per-shard 5 --decay 0.7 --seed 1]
"""
import argparse, json, os, shutil, struct, sys
import numpy as np

def spectrum_matrix(rng, out, inp, decay):
    k = min(out, inp)
    s = (np.arange(1, k + 1, dtype=np.float64) ** -decay)
    s *= 0.02 / np.sqrt((s * s).sum())  # entry variance = sum s_i^2 for unit-normal A, B
    a = rng.standard_normal((out, k), dtype=np.float32) * s.astype(np.float32)
    b = rng.standard_normal((k, inp), dtype=np.float32)
    return a @ b

def write_safetensors(path, tensors):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, t in tensors:
        n = t.size * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, t in tensors:
            f.write(np.ascontiguousarray(t, dtype="<f4").tobytes())
    os.replace(tmp, path)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    for name, default in [("hidden", 2048), ("intermediate", 5632), ("layers", 22), ("heads", 32), ("kv-heads", 4),
                          ("vocab", 32000), ("positions", 256), ("layers-per-shard", 5), ("seed", 1)]:
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--decay", type=float, default=0.7)
    p.add_argument("--tokenizer", default=os.path.join(os.path.dirname(__file__), "..", "..", "models", "sotu-decoder", "tokenizer.json"))
    a = p.parse_args()
    c, f, d = a.hidden, a.intermediate, a.hidden // a.heads
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": c, "intermediate_size": f,
              "num_hidden_layers": a.layers, "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads,
              "vocab_size": a.vocab, "max_position_embeddings": a.positions, "rms_norm_eps": 1e-5, "hidden_act": "silu",
              "rope_theta": 10000.0, "tie_word_embeddings": False}
    groups = [list(range(i, min(i + a.layers_per_shard, a.layers))) for i in range(0, a.layers, a.layers_per_shard)]
    shards = len(groups) + 1
    weight_map, total = {}, 0
    for s in range(shards):
        tensors = []
        if s == 0:
            tensors.append(("model.embed_tokens.weight", (rng.standard_normal((a.vocab, c), dtype=np.float32) * 0.02)))
        else:
            for i in groups[s - 1]:
                pre = f"model.layers.{i}."
                tensors.append((pre + "input_layernorm.weight", np.ones(c, np.float32)))
                for name, out, inp in [("self_attn.q_proj", a.heads * d, c), ("self_attn.k_proj", a.kv_heads * d, c),
                                       ("self_attn.v_proj", a.kv_heads * d, c), ("self_attn.o_proj", c, a.heads * d),
                                       ("mlp.gate_proj", f, c), ("mlp.up_proj", f, c), ("mlp.down_proj", c, f)]:
                    tensors.append((pre + name + ".weight", spectrum_matrix(rng, out, inp, a.decay)))
                tensors.append((pre + "post_attention_layernorm.weight", np.ones(c, np.float32)))
            if s == shards - 1:
                tensors.append(("model.norm.weight", np.ones(c, np.float32)))
                tensors.append(("lm_head.weight", rng.standard_normal((a.vocab, c), dtype=np.float32) * 0.02))
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        write_safetensors(os.path.join(a.out, file), tensors)
        for name, t in tensors:
            weight_map[name] = file
            total += t.size
        print(f"wrote {file}: {len(tensors)} tensors", file=sys.stderr, flush=True)
    with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as fh:
        json.dump({"metadata": {"total_size": total * 4}, "weight_map": weight_map}, fh, indent=1)
    with open(os.path.join(a.out, "config.json"), "w") as fh:
        json.dump(config, fh, indent=2)
    shutil.copy(a.tokenizer, os.path.join(a.out, "tokenizer.json"))
    print(f"{a.out}: {total:,} parameters, {total * 4 / 1e9:.2f} GB float32 in {shards} shards")

if __name__ == "__main__":
    main()
