#!/usr/bin/env python3
"""Independent float64 numpy reference forward pass for OLMo 2 (model_type "olmo2",
Olmo2ForCausalLM) and OLMo 3 (model_type "olmo3", Olmo3ForCausalLM), meant as ground truth for
the Java runtime's logits.

It was written in its own words from Hugging Face transformers' OLMo 2 / OLMo 3 code; no project
(Java) code was read.  Files read (huggingface/transformers, stored versions):
  - src/transformers/models/olmo2/modeling_olmo2.py     commit 000c33fdfde12e1ffafbfcdb3c926df5727a00b6
    (generated file, newest style: rope_parameters, check_model_inputs, maybe_autocast)
  - src/transformers/models/olmo2/configuration_olmo2.py commit 008e574391258935f3ecc3035c882e73bbcac419
    (newest style: @strict dataclass config, rope_parameters)
  - src/transformers/models/olmo2/modular_olmo2.py      commits 46474e6759e4160bb54fb49fd0a8fdd71d5ac933
    and 008f5c8c29be84d4721dc6d1e0fcd72300580be4 (older style, inherits OLMo / Llama; same math)
  - src/transformers/modeling_rope_utils.py             commit 0044e3b3facff1a1ad60b235c69d5b45beae75a4
    (default and linear RoPE inverse frequencies)
  OLMo 3:
  - src/transformers/models/olmo3/modular_olmo3.py      commit cdac24dfb91d98fdf0ad46100831380418c3760d
    (first version: Olmo3Config(Olmo2Config) with rope_theta/rope_scaling kwargs; TWO rotary tables)
    and commit 02e8340b967815b4a5417c6273a7774aae298a03 (@strict config; ONE rotary table)
  - src/transformers/models/olmo3/modeling_olmo3.py     commits a0699c971daff96403489086fcfd07469d20b17f
    (generated from the first modular: rotary_embs per layer type) and
    0233e509531ace915c8241b4c16c8032a583279c (rope_parameters style: one rotary_emb for all layers)
  - src/transformers/models/olmo3/configuration_olmo3.py commit 008e574391258935f3ecc3035c882e73bbcac419
    (rope_parameters split per layer type; rope_scaling goes to "full_attention" only)
  - src/transformers/masking_utils.py                   commit 00c4411cbe15d4c56d54d3b56d4d171e9c289dac
    (sliding_window_overlay, causal_mask_function, create_sliding_window_causal_mask)

Rules found (both models):
  * Block layout is post-norm inside the residual branch; there is NO input_layernorm:
        h = x + post_attention_layernorm(attn(x))
        y = h + post_feedforward_layernorm(mlp(h))
    The raw embedding (no scaling) enters layer 0; model.norm (RMSNorm) is applied after the
    last layer, then lm_head (no bias, no logit scaling).
  * q_norm / k_norm are RMSNorms over the WHOLE projection: widths num_heads*head_dim and
    num_kv_heads*head_dim.  They act on q_proj(x) / k_proj(x) BEFORE the reshape into heads and
    BEFORE RoPE.  v is not normalised.
  * RMSNorm: w * x / sqrt(mean(x^2, last axis) + eps); rms_norm_eps default 1e-5.
  * head_dim = config.head_dim if given, else hidden_size // num_attention_heads;
    attention scale head_dim**-0.5.
  * GQA: query head h reads kv head h // (num_heads // num_kv_heads) (repeat_kv expands each kv
    head n_rep times consecutively).
  * RoPE: rotate-half (non-interleaved) on the full head_dim; inv_freq[i] = theta^(-2i/head_dim);
    cos/sin of (pos * inv_freq) duplicated over both halves; x*cos + rotate_half(x)*sin with
    rotate_half([a, b]) = [-b, a].
  * MLP: down(silu(gate(x)) * up(x)), no biases.  attention_bias (default False) adds biases
    to q/k/v/o projections (supported).
  * tie_word_embeddings default False (lm_head.weight separate); when true, lm_head = embed.
  * No clip_qkv (OLMo 1 had it; Olmo2Config deletes it): asserted absent.
OLMo 2 only:
  * rope_theta default 10000.0; "linear" scaling divides inv_freq by factor; other rope types are
    rejected here.  No sliding window: sliding_window / non-full layer_types asserted absent.
OLMo 3 = OLMo 2 (same layer, same q/k norms, same weight names) plus sliding-window attention:
  * sliding_window default 4096 (key absent -> 4096).  layer_types[i] is "sliding_attention" or
    "full_attention"; when layer_types is absent/null it is
        "sliding_attention" if (i + 1) % 4 != 0 else "full_attention"
    i.e. layers 3, 7, 11, ... (0-based) are full, the others slide.  Its length must be
    num_hidden_layers.  Only sliding layers get the window (Olmo3Attention.sliding_window is None
    on full layers); the mask is built from config.sliding_window.
  * Window rule (masking_utils: causal kv_idx <= q_idx AND overlay kv_idx > q_idx - sliding_window):
    query i sees key j iff  i - W < j <= i, i.e. W keys counting itself.  W >= T is plain causal.
  * RoPE differs between transformers versions: the first version (modular cdac24d, modeling
    a0699c9) builds two tables, "sliding_attention" always with rope_type default (no scaling)
    and "full_attention" with rope_scaling; the rope_parameters versions (modeling 0233e50,
    modular 02e8340) compute ONE table from rope_parameters for every layer (scaling on sliding
    layers too), and configuration 008e574 splits rope_parameters per layer type again.  With
    default RoPE all versions give the same single table, so this reference ASSERTS that
    rope_scaling is absent/null/"default" and that every rope_parameters entry (flat, or nested
    per layer type) is "default"; one table serves all layers.
  * The default rope_theta also differs (10000.0 in cdac24d's config, default_theta 500000.0 in
    008e574's), so for olmo3 rope_theta must be given (top level or in rope_parameters; all given
    values must agree).
  * use_sliding_window is not an Olmo3Config field and is ignored, as transformers ignores it.

Usage: python3 reference.py MODEL_DIR ID ID ...   -> JSON list of T lists of V floats.
"""
import json
import os
import struct
import sys

import numpy as np

_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
}


def read_safetensors(path):
    """Return {name: float64 ndarray} from a single .safetensors file, parsed by hand."""
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = blob[base + start:base + end]
        shape = tuple(info["shape"])
        dt = info["dtype"]
        if dt == "BF16":
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        elif dt in _DTYPES:
            arr = np.frombuffer(raw, dtype=np.dtype(_DTYPES[dt]).newbyteorder("<"))
        else:
            raise AssertionError("unsupported safetensors dtype %s for %s" % (dt, name))
        out[name] = arr.reshape(shape).astype(np.float64)
    return out


_LAYER_TYPES = ("sliding_attention", "full_attention")


def _olmo3_windows_and_theta(cfg, L):
    """OLMo 3: per-layer attention window (int for sliding layers, None for full ones) and the
    single RoPE theta.  See the header for why RoPE scaling is refused."""
    lt = cfg.get("layer_types")
    if lt is None:
        # every 4th layer (1-based) is full, the rest slide
        lt = ["sliding_attention" if (i + 1) % 4 != 0 else "full_attention" for i in range(L)]
    assert len(lt) == L, "layer_types has %d entries for %d layers" % (len(lt), L)
    bad = [t for t in lt if t not in _LAYER_TYPES]
    assert not bad, "layer types %r are not implemented (only %s)" % (sorted(set(bad)), _LAYER_TYPES)
    sw = cfg["sliding_window"] if "sliding_window" in cfg else 4096
    if "sliding_attention" in lt:
        assert sw is not None, "sliding layers need sliding_window (transformers raises without it)"
        assert int(sw) == sw and int(sw) >= 1, "sliding_window must be a positive integer, got %r" % sw
    windows = [int(sw) if t == "sliding_attention" else None for t in lt]

    def rope_type(d):
        return d.get("rope_type", d.get("type", "default"))

    rs = cfg.get("rope_scaling")
    assert not rs or rope_type(rs) == "default", \
        "olmo3 RoPE scaling is refused: transformers versions disagree on whether sliding layers get it"
    thetas = []
    if cfg.get("rope_theta") is not None:
        thetas.append(float(cfg["rope_theta"]))
    rp = cfg.get("rope_parameters")
    if rp:
        if any(k in rp for k in _LAYER_TYPES):
            extra = set(rp) - set(_LAYER_TYPES)
            assert not extra, "rope_parameters mixes per-layer-type entries with %r" % sorted(extra)
            entries = [rp[k] for k in _LAYER_TYPES if rp.get(k) is not None]
        else:
            entries = [rp]
        for e in entries:
            assert rope_type(e) == "default", \
                "olmo3 RoPE scaling is refused: transformers versions disagree on whether sliding layers get it"
            if e.get("rope_theta") is not None:
                thetas.append(float(e["rope_theta"]))
    assert thetas, "olmo3 needs an explicit rope_theta (the default is 1e4 or 5e5 depending on the version)"
    assert all(t == thetas[0] for t in thetas), "conflicting rope_theta values %r" % thetas
    return windows, thetas[0]


def parse_config(cfg):
    """Validate the config and return a dict of the settings used by the forward pass."""
    mt = cfg.get("model_type", "olmo2")
    assert mt in ("olmo2", "olmo3"), "model_type must be olmo2 or olmo3, got %r" % mt
    H = int(cfg["num_attention_heads"])
    KV = cfg.get("num_key_value_heads")
    KV = H if KV is None else int(KV)
    D = int(cfg["hidden_size"])
    hd = cfg.get("head_dim") or D // H
    assert H % KV == 0, "num_attention_heads must be a multiple of num_key_value_heads"
    act = cfg.get("hidden_act", "silu")
    assert act == "silu", "only hidden_act=silu is implemented, got %r" % act
    assert cfg.get("clip_qkv") is None, "clip_qkv is not part of OLMo 2/3 and is not implemented"
    prf = cfg.get("partial_rotary_factor")
    assert prf is None or float(prf) == 1.0, "partial_rotary_factor is not implemented"
    assert not cfg.get("mlp_bias", False), "mlp_bias is not part of OLMo 2/3"
    L = int(cfg["num_hidden_layers"])

    if mt == "olmo3":
        windows, theta = _olmo3_windows_and_theta(cfg, L)
        factor = 1.0
    else:
        assert cfg.get("sliding_window") is None and not cfg.get("use_sliding_window", False), \
            "sliding-window attention is not part of OLMo 2"
        lt = cfg.get("layer_types")
        assert lt is None or all(t == "full_attention" for t in lt), "only full attention layers"
        windows = [None] * L

        # RoPE: new-style rope_parameters, or old-style rope_theta + rope_scaling.
        rp = cfg.get("rope_parameters") or {}
        rs = cfg.get("rope_scaling") or {}
        theta = rp.get("rope_theta") or cfg.get("rope_theta") or 10000.0
        scaling = rs if rs else rp
        rtype = scaling.get("rope_type", scaling.get("type", "default"))
        if rtype == "default":
            factor = 1.0
        elif rtype == "linear":
            factor = float(scaling["factor"])
        else:
            raise AssertionError("rope type %r is not implemented (only default, linear)" % rtype)

    return {
        "model_type": mt, "windows": windows,
        "D": D, "H": H, "KV": KV, "hd": int(hd), "L": L,
        "V": int(cfg["vocab_size"]), "I": int(cfg["intermediate_size"]),
        "eps": float(cfg.get("rms_norm_eps", 1e-5)), "theta": float(theta),
        "rope_factor": factor,
        "tie": bool(cfg.get("tie_word_embeddings", False)),
        "bias": bool(cfg.get("attention_bias", False)),
    }


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    c = parse_config(cfg)
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    if c["tie"]:
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    else:
        assert "lm_head.weight" in w, "untied model without lm_head.weight"
    return c, w


def rms_norm(x, weight, eps):
    ms = np.mean(x * x, axis=-1, keepdims=True)
    return weight * (x / np.sqrt(ms + eps))


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def rope_tables(c, T):
    hd = c["hd"]
    inv = 1.0 / (c["theta"] ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    inv = inv / c["rope_factor"]
    ang = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]  # (T, hd/2)
    ang = np.concatenate([ang, ang], axis=-1)                    # (T, hd)
    return np.cos(ang), np.sin(ang)


def apply_rope(x, cos, sin):
    """x: (heads, T, hd).  Rotate-half convention."""
    half = x.shape[-1] // 2
    rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos[None] + rot * sin[None]


def _bias(w, name, c):
    return w.get(name) if c["bias"] else None


def qk_states(c, w, i, x, use_qk_norm=True):
    """Projected (and, by default, normalised) q and k of layer i, before head split and RoPE.
    x: (T, D).  Returns q (T, H*hd), k (T, KV*hd)."""
    p = "model.layers.%d.self_attn." % i
    q = linear(x, w[p + "q_proj.weight"], _bias(w, p + "q_proj.bias", c))
    k = linear(x, w[p + "k_proj.weight"], _bias(w, p + "k_proj.bias", c))
    if use_qk_norm:
        q = rms_norm(q, w[p + "q_norm.weight"], c["eps"])
        k = rms_norm(k, w[p + "k_norm.weight"], c["eps"])
    return q, k


def attention(c, w, i, x, cos, sin, use_qk_norm=True):
    T = x.shape[0]
    H, KV, hd = c["H"], c["KV"], c["hd"]
    p = "model.layers.%d.self_attn." % i
    q, k = qk_states(c, w, i, x, use_qk_norm)
    v = linear(x, w[p + "v_proj.weight"], _bias(w, p + "v_proj.bias", c))
    q = q.reshape(T, H, hd).transpose(1, 0, 2)   # (H, T, hd)
    k = k.reshape(T, KV, hd).transpose(1, 0, 2)  # (KV, T, hd)
    v = v.reshape(T, KV, hd).transpose(1, 0, 2)
    q = apply_rope(q, cos, sin)
    k = apply_rope(k, cos, sin)
    group = H // KV
    kv_of = np.arange(H) // group                 # query head h -> kv head h // group
    k = k[kv_of]
    v = v[kv_of]
    scores = np.einsum("htd,hsd->hts", q, k) * (hd ** -0.5)
    future = np.triu(np.ones((T, T), dtype=bool), 1)
    window = c["windows"][i]
    if window is not None:
        # sliding layer: query t sees key s only when t - window < s <= t
        future = future | np.tril(np.ones((T, T), dtype=bool), -window)
    scores = np.where(future[None], -np.inf, scores)
    scores = scores - scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores)
    probs = probs / probs.sum(axis=-1, keepdims=True)
    out = np.einsum("hts,hsd->htd", probs, v)     # (H, T, hd)
    out = out.transpose(1, 0, 2).reshape(T, H * hd)
    return linear(out, w[p + "o_proj.weight"], _bias(w, p + "o_proj.bias", c))


def mlp(w, i, x):
    p = "model.layers.%d.mlp." % i
    g = linear(x, w[p + "gate_proj.weight"])
    u = linear(x, w[p + "up_proj.weight"])
    silu = g / (1.0 + np.exp(-g))
    return linear(silu * u, w[p + "down_proj.weight"])


def forward(c, w, ids, use_qk_norm=True):
    """Logits (T, V) in float64 for one sequence at positions 0..T-1."""
    ids = np.asarray(ids, dtype=np.int64)
    assert ids.ndim == 1 and ids.size > 0
    assert ids.min() >= 0 and ids.max() < c["V"], "token id out of range"
    x = w["model.embed_tokens.weight"][ids]
    cos, sin = rope_tables(c, len(ids))
    eps = c["eps"]
    for i in range(c["L"]):
        p = "model.layers.%d." % i
        a = attention(c, w, i, x, cos, sin, use_qk_norm)
        x = x + rms_norm(a, w[p + "post_attention_layernorm.weight"], eps)
        m = mlp(w, i, x)
        x = x + rms_norm(m, w[p + "post_feedforward_layernorm.weight"], eps)
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w["lm_head.weight"].T


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: reference.py MODEL_DIR ID [ID ...]\n")
        return 2
    c, w = load_model(argv[1])
    ids = [int(t) for t in argv[2:]]
    logits = forward(c, w, ids)
    json.dump([[float(v) for v in row] for row in logits], sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
