#!/usr/bin/env python3
# -----------------------------------------------------------------------------
# Independent float64 numpy reference forward for Hugging Face "granite"
# (GraniteForCausalLM, the dense IBM Granite 3.x decoder; NOT granitemoe /
# granitemoehybrid).
#
# Written in its own words from a reading of Hugging Face transformers' Granite
# code; no project (Java) code was consulted, and no torch / transformers /
# safetensors package is used: the safetensors file is parsed by hand.
#
# Files read (huggingface/transformers, commit as stored in the code index):
#   src/transformers/models/granite/configuration_granite.py
#       @ 008e574391258935f3ecc3035c882e73bbcac419 (v5-style @strict dataclass,
#         rope_parameters) and @ 90f2781aaf6cb2ba75e33a485edec50cbdcbdef5
#         (v4-style __init__, rope_theta / rope_scaling)
#   src/transformers/models/granite/modular_granite.py
#       @ 023633dd63876e9f65e733a9f547952052b63d6a
#   src/transformers/models/granite/modeling_granite.py
#       @ b6dd89b47daad100034ac4e3b7beb2101f07d7f1 (generated from the modular)
#       @ 00aca8155c457c087b7a14160f335fe8e40afc0c (older, pre-refactor)
#   src/transformers/models/llama/modeling_llama.py
#       @ 5dd4a63548857797727ae73eeb6a6e886ea02a3e (what Granite inherits)
#   src/transformers/modeling_rope_utils.py
#       @ ef46806472a64b0013ed413781e3afed82bfa047 (default/linear/llama3 inv_freq)
#
# The four Granite scalars (all default 1.0 in GraniteConfig):
#   embedding_multiplier : the token-embedding rows are multiplied by it right
#       after the lookup, before layer 0 (GraniteModel.forward). Only the input
#       side; a tied lm_head uses the raw, unscaled embedding matrix.
#   attention_multiplier : REPLACES the 1/sqrt(head_dim) score scale:
#       scores = (q_rot . k_rot) * attention_multiplier (GraniteAttention sets
#       self.scaling = config.attention_multiplier). Default 1.0, i.e. NO
#       1/sqrt(d) at all if a config omits it. Released Granite 3.x configs use
#       1/head_dim (muP style), not head_dim**-0.5.
#   residual_multiplier  : each sublayer's output (after o_proj, after
#       down_proj) is multiplied by it before being added to the residual:
#       h = h + r * attn(norm1(h)); h = h + r * mlp(norm2(h)). The residual
#       stream itself is not scaled.
#   logits_scaling       : logits = lm_head(norm(h)) / logits_scaling (a
#       DIVISOR, applied after lm_head; no softcapping).
#
# Everything else is LLaMA: pre-norm RMSNorm (x / sqrt(mean(x^2) + eps) * w,
# rms_norm_eps default 1e-6), rotate-half RoPE on q and k (first half of each
# head paired with second half; cos/sin of pos * inv_freq duplicated over both
# halves), rope_theta default 10000, GQA with query head h using kv head
# h // (H / KV), SwiGLU MLP down(silu(gate(x)) * up(x)), optional biases
# (attention_bias on q/k/v/o, mlp_bias on gate/up/down; both default False),
# final RMSNorm "model.norm", lm_head without bias, tie_word_embeddings default
# False (Granite 3.x checkpoints set it true). head_dim: the older Granite
# attention hard-coded hidden_size // num_attention_heads; later versions use
# config.head_dim when the config carries one (GraniteConfig declares no
# head_dim field), else hidden_size // num_attention_heads. No sliding window.
# -----------------------------------------------------------------------------

import json
import math
import os
import struct
import sys

import numpy as np


# ----------------------------------------------------------------------------
# safetensors, by hand
# ----------------------------------------------------------------------------
_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # widened by hand below
}


def read_safetensors(path):
    """Return {name: float64 ndarray} for every tensor in a .safetensors file."""
    with open(path, "rb") as fh:
        (header_len,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(header_len).decode("utf-8"))
    base = 8 + header_len
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        assert dt in _DTYPES, "unsupported safetensors dtype %s for %s" % (dt, name)
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        buf = np.asarray(raw[base + begin: base + end])
        arr = np.frombuffer(buf.tobytes(), dtype=_DTYPES[dt])
        if dt == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        n = int(np.prod(shape)) if shape else 1
        assert arr.size == n, "size mismatch for %s" % name
        out[name] = arr.reshape(shape).astype(np.float64)
    return out


# ----------------------------------------------------------------------------
# config
# ----------------------------------------------------------------------------
def _rope_settings(cfg, head_dim):
    """Return (rope_type, theta, params dict) from either config style."""
    rp = cfg.get("rope_parameters")
    rs = cfg.get("rope_scaling")
    if isinstance(rp, dict) and rp:
        # transformers v5 style: one dict with rope_type, rope_theta and extras
        params = dict(rp)
        if isinstance(rs, dict) and rs:
            for k, v in rs.items():
                params.setdefault(k, v)
        theta = params.get("rope_theta", cfg.get("rope_theta", 10000.0))
    else:
        params = dict(rs) if isinstance(rs, dict) else {}
        theta = cfg.get("rope_theta", 10000.0)
    rope_type = params.get("rope_type", params.get("type", "default"))
    assert rope_type in ("default", "linear", "llama3"), (
        "rope type %r is not implemented by this reference" % rope_type)
    prf = params.get("partial_rotary_factor", cfg.get("partial_rotary_factor", 1.0))
    assert prf is None or float(prf) == 1.0, "partial_rotary_factor != 1 not implemented"
    assert head_dim % 2 == 0, "head_dim must be even for rotate-half RoPE"
    return rope_type, float(theta), params


class GraniteConfigView:
    def __init__(self, cfg):
        mt = cfg.get("model_type", "granite")
        assert mt == "granite", "model_type %r is not dense granite" % mt
        archs = cfg.get("architectures")
        if archs:
            assert all(a == "GraniteForCausalLM" for a in archs), (
                "architectures %r not implemented" % (archs,))

        self.vocab_size = int(cfg.get("vocab_size", 32000))
        self.hidden_size = int(cfg.get("hidden_size", 4096))
        self.intermediate_size = int(cfg.get("intermediate_size", 11008))
        self.num_layers = int(cfg.get("num_hidden_layers", 32))
        self.num_heads = int(cfg.get("num_attention_heads", 32))
        kv = cfg.get("num_key_value_heads")
        self.num_kv_heads = int(self.num_heads if kv is None else kv)
        assert self.num_heads % self.num_kv_heads == 0, "heads not divisible by kv heads"

        hd = cfg.get("head_dim")
        self.head_dim = int(hd) if hd is not None else self.hidden_size // self.num_heads
        if hd is None:
            assert self.head_dim * self.num_heads == self.hidden_size, (
                "hidden_size must be divisible by num_attention_heads")
        elif self.head_dim * self.num_heads != self.hidden_size:
            sys.stderr.write("note: explicit head_dim %d != hidden/heads; using it as newer "
                             "transformers do (older Granite code would refuse)\n" % self.head_dim)

        act = cfg.get("hidden_act", "silu")
        assert act == "silu", "hidden_act %r not implemented" % act
        self.rms_norm_eps = float(cfg.get("rms_norm_eps", 1e-6))
        self.tie = bool(cfg.get("tie_word_embeddings", False))
        self.attention_bias = bool(cfg.get("attention_bias", False))
        self.mlp_bias = bool(cfg.get("mlp_bias", False))

        self.embedding_multiplier = float(cfg.get("embedding_multiplier", 1.0))
        self.attention_multiplier = float(cfg.get("attention_multiplier", 1.0))
        self.residual_multiplier = float(cfg.get("residual_multiplier", 1.0))
        self.logits_scaling = float(cfg.get("logits_scaling", 1.0))

        # features this reference does not implement
        assert cfg.get("sliding_window") is None, "sliding_window not implemented"
        assert not cfg.get("use_sliding_window", False), "sliding window not implemented"
        assert int(cfg.get("pretraining_tp", 1)) == 1, "pretraining_tp != 1 not implemented"
        for key in ("num_local_experts", "num_experts_per_tok", "mamba_n_heads",
                    "shared_intermediate_size"):
            v = cfg.get(key)
            assert not v, "config key %s (%r) not implemented (not dense granite)" % (key, v)
        lt = cfg.get("layer_types")
        assert not lt or all(t == "full_attention" for t in lt), (
            "layer_types %r not implemented (only full causal attention)" % (lt,))
        pet = cfg.get("position_embedding_type")
        assert pet in (None, "rope"), "position_embedding_type %r not implemented" % pet

        self.rope_type, self.rope_theta, self.rope_params = _rope_settings(cfg, self.head_dim)


# ----------------------------------------------------------------------------
# RoPE
# ----------------------------------------------------------------------------
def rope_inv_freq(c):
    d = c.head_dim
    exps = np.arange(0, d, 2, dtype=np.float64) / d
    inv = 1.0 / (c.rope_theta ** exps)
    if c.rope_type == "linear":
        inv = inv / float(c.rope_params["factor"])
    elif c.rope_type == "llama3":
        p = c.rope_params
        factor = float(p["factor"])
        lo = float(p["low_freq_factor"])
        hi = float(p["high_freq_factor"])
        old_ctx = float(p["original_max_position_embeddings"])
        wavelen = 2.0 * math.pi / inv
        long_wl = old_ctx / lo   # longer than this: fully slowed down
        short_wl = old_ctx / hi  # shorter than this: untouched
        new = np.where(wavelen > long_wl, inv / factor, inv)
        mix = (old_ctx / wavelen - lo) / (hi - lo)
        blended = (1.0 - mix) * new / factor + mix * new
        middle = (wavelen >= short_wl) & (wavelen <= long_wl)
        inv = np.where(middle, blended, new)
    return inv  # attention factor is 1.0 for all three types


def apply_rope(x, cos, sin):
    """x: (T, nh, d); cos/sin: (T, d/2). Rotate-half convention."""
    half = x.shape[-1] // 2
    a = x[..., :half]
    b = x[..., half:]
    c = cos[:, None, :]
    s = sin[:, None, :]
    return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)


# ----------------------------------------------------------------------------
# forward
# ----------------------------------------------------------------------------
def rmsnorm(x, w, eps):
    ms = np.mean(x * x, axis=-1, keepdims=True)
    return x / np.sqrt(ms + eps) * w


def _linear(x, W, b=None):
    y = x @ W.T
    if b is not None:
        y = y + b
    return y


def silu(x):
    return x / (1.0 + np.exp(-x))


def forward(c, W, ids):
    ids = np.asarray(ids, dtype=np.int64)
    T = ids.shape[0]
    assert T >= 1
    emb = W["model.embed_tokens.weight"]
    assert emb.shape == (c.vocab_size, c.hidden_size), "embed shape %r" % (emb.shape,)
    assert ids.min() >= 0 and ids.max() < c.vocab_size, "token id out of range"

    H, KV, d = c.num_heads, c.num_kv_heads, c.head_dim
    group = H // KV

    h = emb[ids] * c.embedding_multiplier

    pos = np.arange(T, dtype=np.float64)
    ang = pos[:, None] * rope_inv_freq(c)[None, :]
    cos, sin = np.cos(ang), np.sin(ang)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)

    def bias(name, on):
        if on:
            assert name in W, "missing bias %s" % name
            return W[name]
        assert name not in W, "unexpected bias tensor %s (bias flag is off)" % name
        return None

    for L in range(c.num_layers):
        p = "model.layers.%d." % L
        x = rmsnorm(h, W[p + "input_layernorm.weight"], c.rms_norm_eps)
        q = _linear(x, W[p + "self_attn.q_proj.weight"], bias(p + "self_attn.q_proj.bias", c.attention_bias))
        k = _linear(x, W[p + "self_attn.k_proj.weight"], bias(p + "self_attn.k_proj.bias", c.attention_bias))
        v = _linear(x, W[p + "self_attn.v_proj.weight"], bias(p + "self_attn.v_proj.bias", c.attention_bias))
        q = apply_rope(q.reshape(T, H, d), cos, sin)
        k = apply_rope(k.reshape(T, KV, d), cos, sin)
        v = v.reshape(T, KV, d)
        kv_of = np.arange(H) // group          # query head h reads kv head h // (H/KV)
        kk = k[:, kv_of, :]                    # (T, H, d)
        vv = v[:, kv_of, :]
        scores = np.einsum("qhd,khd->hqk", q, kk) * c.attention_multiplier
        scores = np.where(future[None, :, :], -np.inf, scores)
        scores = scores - scores.max(axis=-1, keepdims=True)
        prob = np.exp(scores)
        prob = prob / prob.sum(axis=-1, keepdims=True)
        ctx = np.einsum("hqk,khd->qhd", prob, vv).reshape(T, H * d)
        attn = _linear(ctx, W[p + "self_attn.o_proj.weight"], bias(p + "self_attn.o_proj.bias", c.attention_bias))
        h = h + c.residual_multiplier * attn

        x = rmsnorm(h, W[p + "post_attention_layernorm.weight"], c.rms_norm_eps)
        g = _linear(x, W[p + "mlp.gate_proj.weight"], bias(p + "mlp.gate_proj.bias", c.mlp_bias))
        u = _linear(x, W[p + "mlp.up_proj.weight"], bias(p + "mlp.up_proj.bias", c.mlp_bias))
        m = _linear(silu(g) * u, W[p + "mlp.down_proj.weight"], bias(p + "mlp.down_proj.bias", c.mlp_bias))
        h = h + c.residual_multiplier * m

    h = rmsnorm(h, W["model.norm.weight"], c.rms_norm_eps)
    if c.tie:
        head = emb
    else:
        assert "lm_head.weight" in W, "tie_word_embeddings is false but lm_head.weight is missing"
        head = W["lm_head.weight"]
    logits = h @ head.T
    return logits / c.logits_scaling


def load(model_dir):
    with open(os.path.join(model_dir, "config.json")) as fh:
        cfg = json.load(fh)
    c = GraniteConfigView(cfg)
    W = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    return c, W


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: python3 reference.py MODEL_DIR ID [ID ...]\n")
        return 2
    c, W = load(argv[1])
    ids = [int(t) for t in argv[2:]]
    logits = forward(c, W, ids)
    sys.stdout.write(json.dumps([[float(v) for v in row] for row in logits]))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
