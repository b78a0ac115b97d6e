# Reference RoPE frequencies for RopeScalingTest, computed apart from the Java code: numpy, float64, vectorised the way
# Hugging Face transformers' modeling_rope_utils states each rule (the types default, linear, llama3, yarn).
# Regenerate: python3 lowrank-nn/src/test/resources/rope/reference.py > lowrank-nn/src/test/resources/rope/reference.json
import json, math
import numpy as np

def standard(head, theta):
    return 1.0 / theta ** (np.arange(0, head, 2, dtype=np.float64) / head)

def llama3(head, theta, s):
    f = standard(head, theta)
    wl = 2 * math.pi / f
    lo_wl = s["original_max_position_embeddings"] / s["low_freq_factor"]
    hi_wl = s["original_max_position_embeddings"] / s["high_freq_factor"]
    scaled = np.where(wl > lo_wl, f / s["factor"], f)
    smooth = (s["original_max_position_embeddings"] / wl - s["low_freq_factor"]) / (s["high_freq_factor"] - s["low_freq_factor"])
    blended = (1 - smooth) * scaled / s["factor"] + smooth * scaled
    medium = (wl >= hi_wl) & (wl <= lo_wl)
    return np.where(medium, blended, scaled), 1.0

def yarn(head, theta, maxpos, s):
    factor = s["factor"]
    context = s.get("original_max_position_embeddings", maxpos)
    fast, slow = s.get("beta_fast", 32), s.get("beta_slow", 1)
    dim_at = lambda rot: head * math.log(context / (rot * 2 * math.pi)) / (2 * math.log(theta))
    lo, hi = dim_at(fast), dim_at(slow)
    if s.get("truncate", True):
        lo, hi = math.floor(lo), math.ceil(hi)
    lo, hi = max(lo, 0), min(hi, head - 1)
    if lo == hi:
        hi += 0.001
    ramp = np.clip((np.arange(head // 2, dtype=np.float64) - lo) / (hi - lo), 0, 1)
    extrapolation_weight = 1 - ramp
    f = standard(head, theta)
    inv = (f / factor) * (1 - extrapolation_weight) + f * extrapolation_weight
    attention = s.get("attention_factor", 0.1 * math.log(factor) + 1 if factor > 1 else 1.0)
    return inv, attention

cases = [
    ("llama3, Llama 3.2 1B shape", 64, 500000.0, 131072,
     {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}),
    ("llama3, Llama 3.1 8B shape", 128, 500000.0, 131072,
     {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}),
    ("linear", 64, 10000.0, 8192, {"type": "linear", "factor": 4.0}),
    ("yarn, defaults", 128, 1000000.0, 32768, {"rope_type": "yarn", "factor": 4.0}),
    ("yarn, every option", 64, 10000.0, 8192,
     {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048, "beta_fast": 16.0, "beta_slow": 2.0,
      "attention_factor": 1.2, "truncate": False}),
]
out = []
for name, head, theta, maxpos, s in cases:
    kind = s.get("rope_type", s.get("type"))
    if kind == "llama3":
        inv, att = llama3(head, theta, s)
    elif kind == "linear":
        inv, att = standard(head, theta) / s["factor"], 1.0
    else:
        inv, att = yarn(head, theta, maxpos, s)
    out.append({"name": name, "head_dim": head, "rope_theta": theta, "max_position_embeddings": maxpos, "rope_scaling": s,
                "inverse_frequencies": [float(x) for x in inv], "attention_factor": float(att)})
print(json.dumps(out, indent=1))
