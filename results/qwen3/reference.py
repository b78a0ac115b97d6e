# A float64 numpy forward of a LLaMA-family folder (config.json + model.safetensors, float32), written apart from the
# Java runtime from the layer order transformers' modeling code gives: LLaMA, Qwen2 (q/k/v biases) and Qwen3 (an RMSNorm
# over every query and key head before RoPE), and the sliding windows of Mistral and Qwen (masking_utils: t - j < window).
# Prints the logits of the given token ids as JSON.
# usage: python3 results/qwen3/reference.py MODEL_DIR ID ID ...
import json, struct, sys
import numpy as np

folder, ids = sys.argv[1], [int(x) for x in sys.argv[2:]]
cfg = json.load(open(f"{folder}/config.json"))
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

C, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
D = cfg.get("head_dim") or C // H
eps, theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
def rms(x, w):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w
def rotate(x, pos):  # x (T, heads, D), rotate-half pairs i and i + D/2
    inv = 1.0 / theta ** (np.arange(0, D, 2) / D)
    ang = np.outer(pos, inv)
    cos, sin = np.cos(np.concatenate([ang, ang], -1))[:, None, :], np.sin(np.concatenate([ang, ang], -1))[:, None, :]
    half = np.concatenate([-x[..., D // 2:], x[..., :D // 2]], -1)
    return x * cos + half * sin
def linear(x, p):
    y = x @ tensor(p + ".weight").T
    return y + tensor(p + ".bias") if has(p + ".bias") else y

def window(i):  # the sliding window of layer i, as transformers' configs pick it (None: every earlier position)
    w, kind = cfg.get("sliding_window"), cfg["model_type"]
    if w is None or (kind in ("qwen2", "qwen3") and not cfg.get("use_sliding_window", False)):
        return None
    if cfg.get("layer_types"):
        return w if cfg["layer_types"][i] == "sliding_attention" else None
    if kind == "mistral":
        return w
    return w if kind in ("qwen2", "qwen3") and i >= cfg.get("max_window_layers", 28) else None

T = len(ids)
h = tensor("model.embed_tokens.weight")[ids]
pos = np.arange(T)
for i in range(cfg["num_hidden_layers"]):
    p = f"model.layers.{i}."
    x = rms(h, tensor(p + "input_layernorm.weight"))
    q = linear(x, p + "self_attn.q_proj").reshape(T, H, D)
    k = linear(x, p + "self_attn.k_proj").reshape(T, KV, D)
    v = linear(x, p + "self_attn.v_proj").reshape(T, KV, D)
    if has(p + "self_attn.q_norm.weight"):
        q, k = rms(q, tensor(p + "self_attn.q_norm.weight")), rms(k, tensor(p + "self_attn.k_norm.weight"))
    q, k = rotate(q, pos), rotate(k, pos)
    out = np.zeros((T, H, D))
    for head in range(H):
        g = head // (H // KV)
        s = q[:, head] @ k[:, g].T / np.sqrt(D)
        s[np.triu_indices(T, 1)] = -np.inf
        if window(i) is not None:  # key j is seen from query t only when t - j < window
            s[np.tril_indices(T, -window(i))] = -np.inf
        w = np.exp(s - s.max(-1, keepdims=True))
        out[:, head] = (w / w.sum(-1, keepdims=True)) @ v[:, g]
    h = h + linear(out.reshape(T, H * D), p + "self_attn.o_proj")
    x = rms(h, tensor(p + "post_attention_layernorm.weight"))
    gate = linear(x, p + "mlp.gate_proj")
    h = h + linear(gate / (1 + np.exp(-gate)) * linear(x, p + "mlp.up_proj"), p + "mlp.down_proj")
h = rms(h, tensor("model.norm.weight"))
head = tensor("lm_head.weight") if has("lm_head.weight") else tensor("model.embed_tokens.weight")
print(json.dumps((h @ head.T).tolist()))
