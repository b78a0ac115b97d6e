#!/usr/bin/env python3
# Phi-3 (model_type "phi3", Phi3ForCausalLM) reference forward in float64, numpy only.
#
# What this is
#   An independent, slow, plain-numpy forward pass of Hugging Face's Phi-3 decoder, kept as a
#   yardstick for other runtimes' logits. It was written in my own words from reading
#   transformers' Phi-3 sources; no code was copied, and no other runtime's code was consulted.
#
# Sources read (huggingface/transformers, the stored versions available to me):
#   src/transformers/models/phi3/configuration_phi3.py  commit 008e574391258935f3ecc3035c882e73bbcac419
#   src/transformers/models/phi3/modular_phi3.py        commit 06053b84c14d72e9789fbf27844a75aa89b3ded7
#   src/transformers/models/phi3/modeling_phi3.py       commit 00d4b3d2142cb4ced2f51b90614b5d26bc045015
#   src/transformers/models/mistral/modular_mistral.py  commit 0096ba4f66d4f5f7b1d4e162f8a75d0894b40ea8
#     (Phi3Model is generated from MistralModel: same mask choice)
#   src/transformers/masking_utils.py                   commit 00c4411cbe15d4c56d54d3b56d4d171e9c289dac
#
# Rules found there and implemented below
#   * Fused attention input projection self_attn.qkv_proj.weight has H*d + 2*KV*d output rows
#     (H = num_attention_heads, KV = num_key_value_heads, d = head_dim). Rows [0, H*d) are q,
#     the next KV*d rows are k, the last KV*d rows are v. Inside each block the rows are
#     head-major: head h owns rows [h*d, (h+1)*d).
#   * Fused MLP input projection mlp.gate_up_proj.weight has 2*I rows (I = intermediate_size);
#     the FIRST I rows are the gate, the SECOND I rows are "up". Output of the MLP is
#     down_proj( up * act(gate) ), act = ACT2FN[hidden_act] ("silu" for every Phi-3 release).
#   * Sliding window: Phi3Model picks the plain causal mask when config.sliding_window is None,
#     otherwise the sliding-window causal mask, and the SAME mask is used for EVERY layer.
#     masking_utils allows query position i to attend key position j iff
#         j <= i  and  j > i - W        (W = config.sliding_window)
#     i.e. W keys, the query's own position included. (Phi-3-mini-4k ships W = 2047, so a query
#     sees itself plus the 2046 previous tokens; the window only bites when T > 2047.)
#     Note: transformers' flash-attention path now uses window_size=(W-1, W-1), which agrees with
#     this rule; older releases used (W, W), i.e. one key more (transformers issue #39408).
#   * RMSNorm: weight * x / sqrt(mean(x^2) + eps), eps = rms_norm_eps (default 1e-5), no bias.
#   * Decoder block (pre-norm, like LLaMA; resid dropouts are no-ops at inference):
#         h = h + o_proj(attn(input_layernorm(h)))
#         h = h + mlp(post_attention_layernorm(h))
#     then model.norm, then lm_head (no bias). tie_word_embeddings default False.
#   * head_dim = hidden_size // num_attention_heads (config "head_dim" used only if equal);
#     num_key_value_heads defaults to num_attention_heads; GQA: query head h reads kv head
#     h // (H // KV) (repeat_kv expands each kv head n_rep times in a row).
#   * Attention scale head_dim ** -0.5; softmax over allowed keys; heads concatenated in head
#     order before o_proj. No biases anywhere.
#   * RoPE "default" type, rope_theta default 10000: inv_freq[k] = theta ** (-2k/d), k < d/2;
#     angle = pos * inv_freq, duplicated to [angle, angle] over d; rotate-half form
#         x' = x * cos + rotate_half(x) * sin,   rotate_half([a, b]) = [-b, a].
#     Positions are 0..T-1. Only partial_rotary_factor 1.0 and rope type default/none are
#     implemented; "longrope" (also spelled "su"/"yarn" in old configs, remapped to longrope by
#     transformers), "dynamic", "linear", etc. are rejected with an assertion.
#
# Usage: python3 results/phi3/reference.py MODEL_DIR ID ID ...
#   MODEL_DIR holds config.json and a single model.safetensors. Prints a JSON list of T lists of
#   V floats (the logits at every position).
import json
import os
import sys

import numpy as np

# ----------------------------------------------------------------------------- safetensors


_ST_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": None,  # handled by widening the 16-bit pattern into float32
}


class SafeTensorsFile:
    """Minimal hand-written reader: 8-byte little-endian header length, JSON header, raw data."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as fh:
            header_len = int.from_bytes(fh.read(8), "little")
            header = json.loads(fh.read(header_len).decode("utf-8"))
        self.data_start = 8 + header_len
        header.pop("__metadata__", None)
        self.entries = header
        self.raw = np.memmap(path, dtype=np.uint8, mode="r")

    def names(self):
        return list(self.entries.keys())

    def has(self, name):
        return name in self.entries

    def get(self, name):
        """Return the tensor as a fresh float64 array."""
        info = self.entries[name]
        kind = info["dtype"]
        shape = tuple(info["shape"])
        lo, hi = info["data_offsets"]
        chunk = self.raw[self.data_start + lo : self.data_start + hi]
        if kind not in _ST_DTYPES:
            raise AssertionError(f"tensor {name}: unsupported safetensors dtype {kind}")
        if kind == "BF16":
            bits = chunk.view("<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = chunk.view(_ST_DTYPES[kind])
        count = int(np.prod(shape)) if shape else 1
        assert arr.size == count, f"tensor {name}: byte size does not match shape {shape}"
        return arr.reshape(shape).astype(np.float64)


# ----------------------------------------------------------------------------- config


class Phi3Settings:
    def __init__(self, cfg):
        mt = cfg.get("model_type", "phi3")
        assert mt == "phi3", f"model_type {mt!r} is not phi3"
        self.hidden = int(cfg.get("hidden_size", 3072))
        self.inter = int(cfg.get("intermediate_size", 8192))
        self.layers = int(cfg.get("num_hidden_layers", 32))
        self.heads = int(cfg.get("num_attention_heads", 32))
        kv = cfg.get("num_key_value_heads")
        self.kv_heads = int(kv) if kv is not None else self.heads
        self.vocab = int(cfg.get("vocab_size", 32064))
        self.eps = float(cfg.get("rms_norm_eps", 1e-5))
        self.tied = bool(cfg.get("tie_word_embeddings", False))
        act = cfg.get("hidden_act", "silu")
        assert act == "silu", f"hidden_act {act!r} not implemented (only silu)"

        assert self.hidden % self.heads == 0, "hidden_size must be a multiple of num_attention_heads"
        self.head_dim = self.hidden // self.heads
        explicit_hd = cfg.get("head_dim")
        assert explicit_hd is None or int(explicit_hd) == self.head_dim, (
            f"config head_dim {explicit_hd} differs from hidden_size // num_attention_heads; not implemented"
        )
        assert self.heads % self.kv_heads == 0, "num_attention_heads must be a multiple of num_key_value_heads"
        assert self.head_dim % 2 == 0, "head_dim must be even for rotate-half RoPE"

        for flag in ("attention_bias", "mlp_bias"):
            assert not cfg.get(flag, False), f"{flag}=true is not implemented"

        # RoPE: old style (rope_theta + rope_scaling) or new style (rope_parameters).
        theta = cfg.get("rope_theta", 10000.0)
        partial = cfg.get("partial_rotary_factor", 1.0)
        rope_kinds = []
        for key in ("rope_scaling", "rope_parameters"):
            block = cfg.get(key)
            if block is None:
                continue
            assert isinstance(block, dict), f"{key} must be a dict or null"
            rope_kinds.append(block.get("rope_type", block.get("type", "default")))
            if "rope_theta" in block:
                theta = block["rope_theta"]
            if "partial_rotary_factor" in block:
                partial = block["partial_rotary_factor"]
            for extra in ("short_factor", "long_factor", "factor"):
                assert block.get(extra) is None or rope_kinds[-1] == "default", (
                    f"{key}.{extra} present: RoPE scaling not implemented"
                )
        for kind in rope_kinds:
            assert kind == "default", f"RoPE type {kind!r} not implemented (longrope/su/yarn/linear/dynamic rejected)"
        assert float(partial) == 1.0, f"partial_rotary_factor {partial} not implemented (only 1.0)"
        self.theta = float(theta)

        sw = cfg.get("sliding_window")
        if sw is not None:
            sw = int(sw)
            assert sw >= 1, "sliding_window must be a positive integer or null"
        self.window = sw
        self.max_pos = int(cfg.get("max_position_embeddings", 4096))


# ----------------------------------------------------------------------------- math


def rms_norm(x, w, eps):
    ms = np.mean(x * x, axis=-1, keepdims=True)
    return w * (x / np.sqrt(ms + eps))


def silu(x):
    return x / (1.0 + np.exp(-x))


def rope_tables(n_pos, head_dim, theta):
    half = head_dim // 2
    inv_freq = theta ** (-(np.arange(half, dtype=np.float64) * 2.0) / head_dim)
    ang = np.arange(n_pos, dtype=np.float64)[:, None] * inv_freq[None, :]  # (T, half)
    full = np.concatenate([ang, ang], axis=-1)  # (T, d)
    return np.cos(full), np.sin(full)


def apply_rope(x, cos, sin):
    # x: (heads, T, d)
    half = x.shape[-1] // 2
    swapped = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos[None] + swapped * sin[None]


def allowed_keys(T, window):
    q = np.arange(T)[:, None]
    k = np.arange(T)[None, :]
    ok = k <= q
    if window is not None:
        ok &= k > q - window
    return ok


def attention_block(x, wqkv, wo, s, cos, sin):
    T = x.shape[0]
    H, KV, d = s.heads, s.kv_heads, s.head_dim
    assert wqkv.shape == ((H + 2 * KV) * d, s.hidden), f"qkv_proj shape {wqkv.shape}"
    fused = x @ wqkv.T  # (T, (H+2KV)d)
    q = fused[:, : H * d].reshape(T, H, d).transpose(1, 0, 2)
    k = fused[:, H * d : (H + KV) * d].reshape(T, KV, d).transpose(1, 0, 2)
    v = fused[:, (H + KV) * d :].reshape(T, KV, d).transpose(1, 0, 2)
    q = apply_rope(q, cos, sin)
    k = apply_rope(k, cos, sin)
    group = H // KV
    ok = allowed_keys(T, s.window)
    scale = 1.0 / np.sqrt(d)
    heads_out = np.empty((H, T, d))
    for h in range(H):
        g = h // group
        scores = (q[h] @ k[g].T) * scale
        scores = np.where(ok, scores, -np.inf)
        scores -= scores.max(axis=-1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=-1, keepdims=True)
        heads_out[h] = p @ v[g]
    merged = heads_out.transpose(1, 0, 2).reshape(T, H * d)
    return merged @ wo.T


def mlp_block(x, wgu, wdown, s):
    I = s.inter
    assert wgu.shape == (2 * I, s.hidden), f"gate_up_proj shape {wgu.shape}"
    both = x @ wgu.T
    gate, up = both[:, :I], both[:, I:]
    return (up * silu(gate)) @ wdown.T


def forward(model_dir, ids):
    with open(os.path.join(model_dir, "config.json")) as fh:
        cfg = json.load(fh)
    s = Phi3Settings(cfg)
    st = SafeTensorsFile(os.path.join(model_dir, "model.safetensors"))
    for name in st.names():
        assert not name.endswith(".bias"), f"bias tensor {name} present; biases not implemented"

    ids = [int(t) for t in ids]
    assert len(ids) >= 1, "need at least one token id"
    T = len(ids)
    if T > s.max_pos:
        print(f"warning: {T} tokens exceed max_position_embeddings {s.max_pos}", file=sys.stderr)

    emb = st.get("model.embed_tokens.weight")
    assert emb.shape == (s.vocab, s.hidden), f"embed_tokens shape {emb.shape}"
    assert all(0 <= t < s.vocab for t in ids), "token id out of range"
    h = emb[ids].copy()
    if st.has("lm_head.weight"):
        head = st.get("lm_head.weight")
    else:
        assert s.tied, "lm_head.weight missing and tie_word_embeddings is false"
        head = emb
    if not s.tied:
        del emb

    cos, sin = rope_tables(T, s.head_dim, s.theta)
    for n in range(s.layers):
        pre = f"model.layers.{n}."
        a_in = rms_norm(h, st.get(pre + "input_layernorm.weight"), s.eps)
        h = h + attention_block(
            a_in, st.get(pre + "self_attn.qkv_proj.weight"), st.get(pre + "self_attn.o_proj.weight"), s, cos, sin
        )
        m_in = rms_norm(h, st.get(pre + "post_attention_layernorm.weight"), s.eps)
        h = h + mlp_block(m_in, st.get(pre + "mlp.gate_up_proj.weight"), st.get(pre + "mlp.down_proj.weight"), s)
    h = rms_norm(h, st.get("model.norm.weight"), s.eps)
    assert head.shape == (s.vocab, s.hidden), f"lm_head shape {head.shape}"
    return h @ head.T


def main(argv):
    if len(argv) < 3:
        print("usage: reference.py MODEL_DIR ID [ID ...]", file=sys.stderr)
        return 2
    logits = forward(argv[1], argv[2:])
    json.dump([[float(v) for v in row] for row in logits], sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
