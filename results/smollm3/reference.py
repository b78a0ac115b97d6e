#!/usr/bin/env python3
# SmolLM3 reference forward pass (float64, numpy only).
#
# What this is: an independent reference implementation of Hugging Face's
# SmolLM3ForCausalLM (model_type "smollm3"). It reads MODEL_DIR/config.json and
# MODEL_DIR/model.safetensors (parsed by hand, no torch / transformers /
# safetensors package), runs one sequence at positions 0..T-1 in float64 and
# prints the logits as JSON: a list of T lists of V floats.
#
#   usage: python3 results/smollm3/reference.py MODEL_DIR ID ID ...
#
# Written in its own words from reading the transformers sources (not from any
# Java code of this project):
#   src/transformers/models/smollm3/configuration_smollm3.py  (commit 008e5743...)
#   src/transformers/models/smollm3/modular_smollm3.py        (commit 008e5743...)
#   src/transformers/models/smollm3/modeling_smollm3.py       (commit 00d4b3d2...)
#   src/transformers/masking_utils.py                         (commit 00c4411c...)
#   src/transformers/modeling_rope_utils.py                   (default/linear/yarn)
#
# Rules found there:
#   * no_rope_layers[i] == 1 means layer i APPLIES RoPE; 0 means a NoPE layer
#     (the attention does `if self.use_rope: apply rotary` with
#     use_rope = no_rope_layers[i]).
#   * Default (no_rope_layers absent): no_rope_layers[i] = int((i+1) % interval != 0)
#     with no_rope_layer_interval default 4, i.e. layers 3, 7, 11, ... (0-based,
#     every 4th layer) skip RoPE; all others use it.
#   * layer_types default: "sliding_attention" for layer i iff use_sliding_window
#     AND sliding_window is not None AND layer i is NoPE; otherwise
#     "full_attention". Defaults: use_sliding_window=False, sliding_window=None,
#     so every layer is full attention by default. max_window_layers (present
#     in some config.json files) is not read by the SmolLM3 code and is ignored.
#   * Mask: query i sees key j iff j <= i (causal) and, on sliding layers,
#     j > i - sliding_window, i.e. i - W < j <= i (W keys including itself).
#   * rope_theta default 2000000.0; rope types handled here: default, linear
#     (inv_freq / factor), yarn (with attention_factor scaling cos and sin).
#     Others are rejected. partial_rotary_factor must be 1.
#   * head_dim = config.head_dim if given, else hidden_size // num_attention_heads;
#     attention scale head_dim ** -0.5; GQA: query head h uses kv head
#     h // (num_attention_heads // num_key_value_heads).
#   * RoPE is rotate-half: dim d pairs with d + head_dim/2; cos/sin built from
#     concat(freqs, freqs).
#   * attention_bias default False (bias on q,k,v,o when True), mlp_bias default
#     False (bias on gate, up, down when True), tie_word_embeddings default True,
#     rms_norm_eps default 1e-6, hidden_act "silu", num_key_value_heads default 4
#     (None -> num_attention_heads).
#   * Block: h += o_proj(attn(input_layernorm(h))); h += mlp(post_attention_layernorm(h));
#     mlp(x) = down(silu(gate(x)) * up(x)); final model.norm; logits = lm_head(h)
#     (embed_tokens.weight when tied). RMSNorm(x) = w * x / sqrt(mean(x^2) + eps).
import json
import math
import os
import struct
import sys

import numpy as np


# --------------------------------------------------------------------------- io

def _bf16_to_f64(raw):
    u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32)
    return (u16 << 16).view("<f4").astype(np.float64)


_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2"}


def read_safetensors(path):
    """Return {name: float64 ndarray} from a single safetensors file."""
    with open(path, "rb") as fh:
        blob = fh.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    base = 8 + hlen
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        raw = blob[base + start:base + end]
        dt = meta["dtype"]
        if dt == "BF16":
            arr = _bf16_to_f64(raw)
        elif dt in _DTYPES:
            arr = np.frombuffer(raw, dtype=_DTYPES[dt]).astype(np.float64)
        else:
            raise AssertionError("unsupported safetensors dtype %s for %s" % (dt, name))
        out[name] = arr.reshape(meta["shape"])
    return out


# ----------------------------------------------------------------------- config

class Cfg:
    """The resolved SmolLM3 configuration (defaults from SmolLM3Config)."""

    def __init__(self, raw):
        g = raw.get
        mt = g("model_type", "smollm3")
        assert mt == "smollm3", "model_type must be smollm3, got %r" % mt
        self.vocab = int(g("vocab_size", 128256))
        self.hidden = int(g("hidden_size", 2048))
        self.inter = int(g("intermediate_size", 11008))
        self.layers = int(g("num_hidden_layers", 36))
        self.heads = int(g("num_attention_heads", 16))
        kv = g("num_key_value_heads", 4)
        self.kv_heads = int(self.heads if kv is None else kv)
        assert self.heads % self.kv_heads == 0
        hd = g("head_dim")
        self.head_dim = int(hd) if hd else self.hidden // self.heads
        act = g("hidden_act", "silu")
        assert act == "silu", "only hidden_act=silu is implemented, got %r" % act
        self.eps = float(g("rms_norm_eps", 1e-6))
        self.max_pos = int(g("max_position_embeddings", 32768))
        self.attention_bias = bool(g("attention_bias", False))
        self.mlp_bias = bool(g("mlp_bias", False))
        self.tied = bool(g("tie_word_embeddings", True))
        prf = g("partial_rotary_factor", 1.0)
        assert prf in (None, 1, 1.0), "partial_rotary_factor != 1 not implemented"

        interval = int(g("no_rope_layer_interval", 4))
        nrl = g("no_rope_layers")
        if nrl is None:
            nrl = [int((i + 1) % interval != 0) for i in range(self.layers)]
        assert len(nrl) >= self.layers, "no_rope_layers shorter than num_hidden_layers"
        self.use_rope = [bool(nrl[i]) for i in range(self.layers)]  # 1 -> RoPE on

        self.use_sliding_window = bool(g("use_sliding_window", False))
        sw = g("sliding_window")
        self.sliding_window = None if sw is None else int(sw)
        lt = g("layer_types")
        if lt is None:
            lt = []
            for i in range(self.layers):
                if self.use_sliding_window and self.sliding_window is not None and not self.use_rope[i]:
                    lt.append("sliding_attention")
                else:
                    lt.append("full_attention")
        assert len(lt) >= self.layers
        self.layer_types = list(lt[:self.layers])
        for t in self.layer_types:
            assert t in ("full_attention", "sliding_attention"), "unsupported layer type %r" % t
        if "sliding_attention" in self.layer_types:
            # eager/sdpa masks in transformers follow layer_types, flash follows
            # use_sliding_window: refuse the case where they would disagree.
            assert self.use_sliding_window, "sliding_attention layer but use_sliding_window is false"
            assert self.sliding_window is not None and self.sliding_window > 0
        self.window = [self.sliding_window if t == "sliding_attention" else None
                       for t in self.layer_types]

        self.rope = [self._rope_params(raw, t) for t in self.layer_types]

    def _rope_params(self, raw, layer_type):
        rp = raw.get("rope_parameters")
        if rp is not None:
            if layer_type in rp and isinstance(rp[layer_type], dict):
                rp = rp[layer_type]
            params = dict(rp)
        else:
            params = dict(raw.get("rope_scaling") or {})
            if "rope_theta" in raw and raw["rope_theta"] is not None:
                params["rope_theta"] = raw["rope_theta"]
        if "rope_type" not in params and "type" in params:
            params["rope_type"] = params["type"]
        params.setdefault("rope_type", "default")
        if params.get("rope_theta") is None:
            params["rope_theta"] = raw.get("rope_theta") or 2000000.0
        prf = params.get("partial_rotary_factor", 1.0)
        assert prf in (None, 1, 1.0), "partial_rotary_factor != 1 not implemented"
        assert params["rope_type"] in ("default", "linear", "yarn"), \
            "unsupported rope type %r" % params["rope_type"]
        return params


# ------------------------------------------------------------------------- rope

def rope_inv_freq(cfg, params):
    """Return (inv_freq[head_dim/2], attention_scaling)."""
    dim = cfg.head_dim
    base = float(params["rope_theta"])
    exps = np.arange(0, dim, 2, dtype=np.float64) / dim
    plain = 1.0 / (base ** exps)
    kind = params["rope_type"]
    if kind == "default":
        return plain, 1.0
    if kind == "linear":
        return plain / float(params["factor"]), 1.0
    # yarn
    factor = params.get("factor")
    omax = params.get("original_max_position_embeddings")
    if omax is not None:
        ratio = cfg.max_pos / float(omax)
        if factor is None:
            factor = ratio
        else:
            # transformers versions differ on whether factor is replaced by
            # max_position_embeddings / original; only accept configs where both agree.
            assert abs(float(factor) - ratio) < 1e-9, \
                "yarn: factor %r != max_position_embeddings/original %r (version-dependent)" % (factor, ratio)
    else:
        omax = cfg.max_pos
    factor = float(factor)

    def mscale_of(scale, m=1.0):
        return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0

    att = params.get("attention_factor")
    if att is None:
        ms, msa = params.get("mscale"), params.get("mscale_all_dim")
        att = mscale_of(factor, ms) / mscale_of(factor, msa) if (ms and msa) else mscale_of(factor)
    beta_fast = params.get("beta_fast") or 32
    beta_slow = params.get("beta_slow") or 1

    def corr_dim(rot):
        return dim * math.log(omax / (rot * 2 * math.pi)) / (2 * math.log(base))

    lo, hi = corr_dim(beta_fast), corr_dim(beta_slow)
    if params.get("truncate", True):
        lo, hi = math.floor(lo), math.ceil(hi)
    lo, hi = max(lo, 0), min(hi, dim - 1)
    if lo == hi:
        hi += 0.001
    ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)
    keep = 1.0 - ramp  # weight of the unscaled (extrapolation) frequency
    inv = (plain / factor) * (1.0 - keep) + plain * keep
    return inv, float(att)


def apply_rope(x, cos, sin):
    """x: [heads, T, D]; cos/sin: [T, D]. Dim d is paired with d + D/2."""
    half = x.shape[-1] // 2
    rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos[None] + rot * sin[None]


# ---------------------------------------------------------------------- forward

def rms_norm(x, w, eps):
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def silu(x):
    return x / (1.0 + np.exp(-x))


def linear(x, W, b=None):
    y = x @ W.T
    return y if b is None else y + b


def forward(model_dir, ids, raw_config=None, weights=None, position_offset=0):
    """Return float64 logits [T, V] for one sequence at positions offset..offset+T-1."""
    if raw_config is None:
        with open(os.path.join(model_dir, "config.json")) as fh:
            raw_config = json.load(fh)
    cfg = Cfg(raw_config)
    if weights is None:
        weights = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    W = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}

    def get(name):
        assert name in W, "missing tensor %s" % name
        return W[name]

    def opt(name, needed):
        if not needed:
            assert name not in W, "tensor %s present but config says no bias" % name
            return None
        return get(name)

    ids = np.asarray(ids, dtype=np.int64)
    T = len(ids)
    assert T > 0
    assert ids.min() >= 0 and ids.max() < cfg.vocab, "token id out of range"
    H, KV, D = cfg.heads, cfg.kv_heads, cfg.head_dim
    group = H // KV

    emb = get("model.embed_tokens.weight")
    assert emb.shape == (cfg.vocab, cfg.hidden)
    h = emb[ids].copy()

    pos = np.arange(T, dtype=np.float64) + position_offset
    qi = np.arange(T)[:, None]
    kj = np.arange(T)[None, :]
    causal = kj <= qi

    for layer in range(cfg.layers):
        p = "model.layers.%d." % layer
        x = rms_norm(h, get(p + "input_layernorm.weight"), cfg.eps)
        ab = cfg.attention_bias
        q = linear(x, get(p + "self_attn.q_proj.weight"), opt(p + "self_attn.q_proj.bias", ab))
        k = linear(x, get(p + "self_attn.k_proj.weight"), opt(p + "self_attn.k_proj.bias", ab))
        v = linear(x, get(p + "self_attn.v_proj.weight"), opt(p + "self_attn.v_proj.bias", ab))
        q = q.reshape(T, H, D).transpose(1, 0, 2)
        k = k.reshape(T, KV, D).transpose(1, 0, 2)
        v = v.reshape(T, KV, D).transpose(1, 0, 2)
        if cfg.use_rope[layer]:
            inv, scale = rope_inv_freq(cfg, cfg.rope[layer])
            ang = pos[:, None] * inv[None, :]
            ang = np.concatenate([ang, ang], axis=-1)
            cos, sin = np.cos(ang) * scale, np.sin(ang) * scale
            q = apply_rope(q, cos, sin)
            k = apply_rope(k, cos, sin)
        allowed = causal
        if cfg.window[layer] is not None:
            allowed = causal & (kj > qi - cfg.window[layer])
        out = np.empty((H, T, D))
        for hh in range(H):
            g = hh // group
            s = (q[hh] @ k[g].T) * (D ** -0.5)
            s = np.where(allowed, s, -np.inf)
            s = s - s.max(axis=-1, keepdims=True)
            e = np.exp(s)
            a = e / e.sum(axis=-1, keepdims=True)
            out[hh] = a @ v[g]
        attn = out.transpose(1, 0, 2).reshape(T, H * D)
        h = h + linear(attn, get(p + "self_attn.o_proj.weight"), opt(p + "self_attn.o_proj.bias", ab))

        x = rms_norm(h, get(p + "post_attention_layernorm.weight"), cfg.eps)
        mb = cfg.mlp_bias
        gate = linear(x, get(p + "mlp.gate_proj.weight"), opt(p + "mlp.gate_proj.bias", mb))
        up = linear(x, get(p + "mlp.up_proj.weight"), opt(p + "mlp.up_proj.bias", mb))
        h = h + linear(silu(gate) * up, get(p + "mlp.down_proj.weight"), opt(p + "mlp.down_proj.bias", mb))

    h = rms_norm(h, get("model.norm.weight"), cfg.eps)
    if cfg.tied:
        head = emb
        if "lm_head.weight" in W and not np.array_equal(W["lm_head.weight"], emb):
            sys.stderr.write("warning: tie_word_embeddings=true; ignoring differing lm_head.weight\n")
    else:
        head = get("lm_head.weight")
    assert head.shape == (cfg.vocab, cfg.hidden)
    return h @ head.T


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: reference.py MODEL_DIR ID [ID ...]\n")
        return 2
    ids = [int(a) for a in argv[2:]]
    logits = forward(argv[1], ids)
    json.dump([[float(v) for v in row] for row in logits], sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
