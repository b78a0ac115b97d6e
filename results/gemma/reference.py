# A float64 numpy forward of a Gemma folder (config.json + model.safetensors, float32), model_type "gemma" (Gemma 1),
# "gemma2" (Gemma2ForCausalLM) or "gemma3_text" (Gemma3ForCausalLM). Written apart from the Java runtime, from the
# layer order of Hugging Face transformers' modeling code (modeling_gemma.py, modular_gemma2.py, modular_gemma3.py,
# masking_utils.py), in its own words. Gemma 2 follows the eager attention path (the one that applies softcapping).
# Prints the logits of the given token ids as JSON (a list of T lists of V floats).
# usage: python3 results/gemma/reference.py MODEL_DIR ID ID ...
import json, math, struct, sys
import numpy as np

folder, ids = sys.argv[1], [int(x) for x in sys.argv[2:]]
cfg = json.load(open(f"{folder}/config.json"))
kind = cfg["model_type"]
assert kind in ("gemma", "gemma2", "gemma3_text"), kind
g2, g3 = kind == "gemma2", kind == "gemma3_text"
raw = open(f"{folder}/model.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
def tensor(name):
    h = header[name]
    assert h["dtype"] == "F32", h["dtype"]
    a, b = h["data_offsets"]
    return np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").astype(np.float64).reshape(h["shape"])
def has(name):
    return name in header

C, H, KV, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
D = cfg.get("head_dim", 256) or C // H  # all three config classes default head_dim to 256
eps = cfg.get("rms_norm_eps", 1e-6)
# Gemma 1's MLP reads hidden_act (hidden_activation is stored but unused); Gemma 2's and 3's read hidden_activation.
act = cfg.get("hidden_activation", "gelu_pytorch_tanh") if g2 or g3 else cfg.get("hidden_act", "gelu_pytorch_tanh")
assert act in ("gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu"), act
erf = np.frompyfunc(math.erf, 1, 1)
def gelu(x):
    if act == "gelu":  # exact, erf form
        return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)).astype(np.float64))
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
def rms(x, w):  # Gemma's norm: normalize, then scale by (1 + w)
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * (1.0 + w)

# Attention kind and rope parameters of each layer.
if g3:
    types = cfg.get("layer_types") or ["full_attention" if (i + 1) % cfg.get("sliding_window_pattern", 6) == 0
                                       else "sliding_attention" for i in range(L)]
    rp = cfg.get("rope_parameters")
    if rp and "full_attention" in rp:  # newer form: one dict per layer type
        rope = {t: dict(rp.get(t) or {"rope_type": "default"}) for t in ("full_attention", "sliding_attention")}
    else:  # older form: rope_theta + rope_scaling for global layers, rope_local_base_freq (default rope) for local ones
        rope = {"full_attention": dict(cfg.get("rope_scaling") or {"rope_type": "default"}),
                "sliding_attention": {"rope_type": "default"}}
    rope["full_attention"].setdefault("rope_theta", cfg.get("rope_theta", 1e6))
    rope["sliding_attention"].setdefault("rope_theta", cfg.get("rope_local_base_freq", 1e4))
    scale = cfg.get("query_pre_attn_scalar", 256) ** -0.5
    window = cfg.get("sliding_window", 4096)
    bidirectional = bool(cfg.get("use_bidirectional_attention", False))
    if bidirectional:  # the config class rewrites the window; sliding layers then see |i - j| < window
        window = window // 2 + 1
else:  # Gemma 1 and 2: one rope (rope_theta, default 10000, with rope_scaling) shared by every layer
    rp = cfg.get("rope_parameters")
    r = dict(rp if rp and "rope_type" in rp else (cfg.get("rope_scaling") or {"rope_type": "default"}))
    r.setdefault("rope_theta", cfg.get("rope_theta", 10000.0))
    rope = {"full_attention": r, "sliding_attention": r}
    if g2:  # default pattern: even-indexed layers (0, 2, ...) slide, odd ones are full
        types = cfg.get("layer_types") or ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(L)]
        scale, window = cfg.get("query_pre_attn_scalar", 256) ** -0.5, cfg.get("sliding_window", 4096)
        assert not cfg.get("use_bidirectional_attention"), "bidirectional Gemma 2 is not supported here"
    else:
        types, scale = ["full_attention"] * L, D ** -0.5
    bidirectional = False
# Gemma 2 caps every layer's scores (sliding and full) as cap * tanh(s / cap), after scaling, before the mask.
softcap = cfg.get("attn_logit_softcapping", 50.0) if g2 else None
if not g2 and cfg.get("attn_logit_softcapping") is not None:
    print("note: attn_logit_softcapping is ignored, as transformers' Gemma/Gemma3 attention ignores it", file=sys.stderr)
def rotate(x, pos, r):  # x (T, heads, D), rotate-half pairs i and i + D/2
    kind_ = r.get("rope_type", r.get("type", "default"))
    assert kind_ in ("default", "linear"), kind_
    inv = 1.0 / r["rope_theta"] ** (np.arange(0, D, 2) / D)
    if kind_ == "linear":
        inv = inv / r["factor"]
    ang = np.concatenate([np.outer(pos, inv)] * 2, -1)
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    return x * cos + np.concatenate([-x[..., D // 2:], x[..., :D // 2]], -1) * sin
def linear(x, p):
    y = x @ tensor(p + ".weight").T
    return y + tensor(p + ".bias") if has(p + ".bias") else y

T = len(ids)
pos = np.arange(T)
i_, j_ = pos[:, None], pos[None, :]
allowed = {"full_attention": np.ones((T, T), bool) if bidirectional else j_ <= i_}
if g2 or g3:  # sliding: j in (i - window, i], i.e. i - j < window (self included); bidirectional: |i - j| < window
    allowed["sliding_attention"] = np.abs(i_ - j_) < window if bidirectional else (j_ <= i_) & (j_ > i_ - window)
# Embedding times sqrt(hidden_size), the scale rounded to float32 as transformers does for a float32 checkpoint.
h = tensor("model.embed_tokens.weight")[ids] * float(np.float32(math.sqrt(C)))
for i in range(L):
    p, t = f"model.layers.{i}.", types[i]
    x = rms(h, tensor(p + "input_layernorm.weight"))
    q = linear(x, p + "self_attn.q_proj").reshape(T, H, D)
    k = linear(x, p + "self_attn.k_proj").reshape(T, KV, D)
    v = linear(x, p + "self_attn.v_proj").reshape(T, KV, D)
    if g3:  # per-head (1 + w) RMSNorm over head_dim, before RoPE
        q, k = rms(q, tensor(p + "self_attn.q_norm.weight")), rms(k, tensor(p + "self_attn.k_norm.weight"))
    q, k = rotate(q, pos, rope[t]), rotate(k, pos, rope[t])
    out = np.zeros((T, H, D))
    for head in range(H):
        g = head // (H // KV)
        s = q[:, head] @ k[:, g].T * scale  # Gemma 1/3: transformers applies no attn_logit_softcapping
        if softcap is not None:
            s = np.tanh(s / softcap) * softcap
        s = np.where(allowed[t], s, -np.inf)
        w = np.exp(s - s.max(-1, keepdims=True))
        out[:, head] = (w / w.sum(-1, keepdims=True)) @ v[:, g]
    a = linear(out.reshape(T, H * D), p + "self_attn.o_proj")
    if g2 or g3:  # sandwich norms: post_attention_layernorm on the attention output, then the residual add
        h = h + rms(a, tensor(p + "post_attention_layernorm.weight"))
        x = rms(h, tensor(p + "pre_feedforward_layernorm.weight"))
    else:  # Gemma 1: post_attention_layernorm is the pre-MLP norm, as in LLaMA
        h = h + a
        x = rms(h, tensor(p + "post_attention_layernorm.weight"))
    m = linear(gelu(linear(x, p + "mlp.gate_proj")) * linear(x, p + "mlp.up_proj"), p + "mlp.down_proj")
    h = h + (rms(m, tensor(p + "post_feedforward_layernorm.weight")) if g2 or g3 else m)
h = rms(h, tensor("model.norm.weight"))
tied = cfg.get("tie_word_embeddings", True)  # True by default in all three config classes
logits = h @ (tensor("model.embed_tokens.weight") if tied else tensor("lm_head.weight")).T
# GemmaForCausalLM has no logit capping; Gemma 2 defaults the cap to 30.0, Gemma 3 to None.
cap = cfg.get("final_logit_softcapping", 30.0) if g2 else cfg.get("final_logit_softcapping") if g3 else None
if cap is not None:
    logits = np.tanh(logits / cap) * cap
print(json.dumps(logits.tolist()))
