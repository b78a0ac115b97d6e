#!/usr/bin/env python3
# Self-check for results/granite/reference.py (numpy only).
#
# Builds tiny random Granite folders (config.json + float32 model.safetensors,
# written here by hand) and checks:
#   1. causality (prefix logits equal; changing a later token leaves earlier
#      rows unchanged), and the CLI prints T lists of V floats;
#   2. with embedding/residual multipliers and logits_scaling at 1.0 and
#      attention_multiplier = head_dim**-0.5 the Granite forward equals a plain
#      LLaMA forward written separately here (loop-per-head style), over
#      GQA / MHA / MQA, biases, tied / untied, rope default / linear / llama3;
#   3. logits_scaling = s gives exactly logits(s=1) / s;
#   4. residual_multiplier and embedding_multiplier change the logits, and
#      the full Granite forward with all four scalars non-trivial equals the
#      plain LLaMA forward on weights into which the scalars were folded
#      (embedding rows * e for the input lookup only, o/down weights+biases * r,
#      score scale = a, final norm weight / s);
#   5. configs asking for unimplemented features are refused.
# Usage: python3 results/granite/selfcheck.py

import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ next to the deliverables
import reference as ref  # noqa: E402


# ---------------------------------------------------------------- writers
def write_safetensors(path, tensors):
    header = {}
    blobs = []
    off = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    hb = json.dumps(header).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hb)))
        fh.write(hb)
        for b in blobs:
            fh.write(b)


def make_model(rng, *, V=37, D=24, I=40, L=2, H=4, KV=2, tie=False, attn_bias=False,
               mlp_bias=False, extra=None):
    d = D // H
    cfg = {
        "model_type": "granite", "architectures": ["GraniteForCausalLM"],
        "vocab_size": V, "hidden_size": D, "intermediate_size": I, "num_hidden_layers": L,
        "num_attention_heads": H, "num_key_value_heads": KV, "hidden_act": "silu",
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": tie,
        "attention_bias": attn_bias, "mlp_bias": mlp_bias, "max_position_embeddings": 64,
        "embedding_multiplier": 1.0, "residual_multiplier": 1.0, "logits_scaling": 1.0,
        "attention_multiplier": d ** -0.5,
    }
    if extra:
        cfg.update(extra)
    t = {}
    r = lambda *s: (rng.standard_normal(s) * 0.3).astype(np.float32)
    t["model.embed_tokens.weight"] = r(V, D)
    for l in range(L):
        p = "model.layers.%d." % l
        t[p + "input_layernorm.weight"] = (1 + r(D)).astype(np.float32)
        t[p + "post_attention_layernorm.weight"] = (1 + r(D)).astype(np.float32)
        t[p + "self_attn.q_proj.weight"] = r(H * d, D)
        t[p + "self_attn.k_proj.weight"] = r(KV * d, D)
        t[p + "self_attn.v_proj.weight"] = r(KV * d, D)
        t[p + "self_attn.o_proj.weight"] = r(D, H * d)
        t[p + "mlp.gate_proj.weight"] = r(I, D)
        t[p + "mlp.up_proj.weight"] = r(I, D)
        t[p + "mlp.down_proj.weight"] = r(D, I)
        if attn_bias:
            for n, m in (("q", H * d), ("k", KV * d), ("v", KV * d), ("o", D)):
                t[p + "self_attn.%s_proj.bias" % n] = r(m)
        if mlp_bias:
            for n, m in (("gate", I), ("up", I), ("down", D)):
                t[p + "mlp.%s_proj.bias" % n] = r(m)
    t["model.norm.weight"] = (1 + r(D)).astype(np.float32)
    if not tie:
        t["lm_head.weight"] = r(V, D)
    return cfg, t


def save(folder, cfg, t):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as fh:
        json.dump(cfg, fh)
    write_safetensors(os.path.join(folder, "model.safetensors"), t)


def run_ref(folder, ids):
    c, W = ref.load(folder)
    return ref.forward(c, W, ids)


# ------------------------------------------------- independent plain LLaMA
def llama_inv_freq(theta, d, scaling):
    f = np.array([theta ** (-(2.0 * i) / d) for i in range(d // 2)])
    if scaling is None:
        return f
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return f / scaling["factor"]
    assert kind == "llama3"
    fac, lo, hi = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    ctx = scaling["original_max_position_embeddings"]
    out = []
    for w in f:
        wl = 2 * math.pi / w
        if wl < ctx / hi:
            out.append(w)
        elif wl > ctx / lo:
            out.append(w / fac)
        else:
            sm = (ctx / wl - lo) / (hi - lo)
            out.append((1 - sm) * w / fac + sm * w)
    return np.array(out)


def plain_llama(cfg, t, ids, *, in_embed=None, score_scale=None, o_scale=1.0, final_norm_scale=1.0):
    """Textbook LLaMA decoder, loops over positions and heads."""
    g = lambda n: t[n].astype(np.float64)
    D, H, KV, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
    d = D // H
    eps = cfg["rms_norm_eps"]
    scale = d ** -0.5 if score_scale is None else score_scale
    freqs = llama_inv_freq(cfg["rope_theta"], d, cfg.get("rope_scaling"))
    E = g("model.embed_tokens.weight")
    Ein = E if in_embed is None else in_embed
    T = len(ids)

    def norm(v, w):
        return w * v / math.sqrt(float(np.dot(v, v)) / len(v) + eps)

    def rot(vec, pos):
        out = vec.copy()
        for i in range(d // 2):
            a, b = vec[i], vec[i + d // 2]
            cs, sn = math.cos(pos * freqs[i]), math.sin(pos * freqs[i])
            out[i] = a * cs - b * sn
            out[i + d // 2] = a * sn + b * cs
        return out

    def lin(x, pre, name, scale_out=1.0):
        y = g(pre + name + ".weight") @ x
        if (pre + name + ".bias") in t:
            y = y + g(pre + name + ".bias")
        return y * scale_out

    xs = [Ein[i].copy() for i in ids]
    for l in range(L):
        p = "model.layers.%d." % l
        qs, ks, vs = [], [], []
        for pos in range(T):
            n = norm(xs[pos], g(p + "input_layernorm.weight"))
            q = lin(n, p, "self_attn.q_proj")
            k = lin(n, p, "self_attn.k_proj")
            v = lin(n, p, "self_attn.v_proj")
            qs.append([rot(q[h * d:(h + 1) * d], pos) for h in range(H)])
            ks.append([rot(k[j * d:(j + 1) * d], pos) for j in range(KV)])
            vs.append([v[j * d:(j + 1) * d] for j in range(KV)])
        new = []
        for pos in range(T):
            heads = []
            for h in range(H):
                j = h // (H // KV)
                sc = np.array([np.dot(qs[pos][h], ks[s][j]) * scale for s in range(pos + 1)])
                w = np.exp(sc - sc.max())
                w /= w.sum()
                heads.append(sum(w[s] * vs[s][j] for s in range(pos + 1)))
            a = lin(np.concatenate(heads), p, "self_attn.o_proj", o_scale)
            y = xs[pos] + a
            n2 = norm(y, g(p + "post_attention_layernorm.weight"))
            gt = lin(n2, p, "mlp.gate_proj")
            up = lin(n2, p, "mlp.up_proj")
            m = lin(gt / (1 + np.exp(-gt)) * up, p, "mlp.down_proj", o_scale)
            new.append(y + m)
        xs = new
    head = E if cfg["tie_word_embeddings"] else g("lm_head.weight")
    fw = g("model.norm.weight") * final_norm_scale
    return np.array([head @ norm(x, fw) for x in xs])


# ------------------------------------------------------------------ checks
RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(ok)
    print("%-4s %s %s" % ("PASS" if ok else "FAIL", name, detail))


def maxdiff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def main():
    rng = np.random.default_rng(1234)
    tmp = tempfile.mkdtemp(prefix="granite_selfcheck_")
    ids = [3, 17, 0, 36, 5, 5, 22, 9]

    # 1. causality + CLI
    cfg, t = make_model(rng, extra={"embedding_multiplier": 7.0, "residual_multiplier": 0.3,
                                    "attention_multiplier": 0.05, "logits_scaling": 4.0})
    f = os.path.join(tmp, "causal")
    save(f, cfg, t)
    full = run_ref(f, ids)
    worst = max(maxdiff(run_ref(f, ids[:k]), full[:k]) for k in range(1, len(ids) + 1))
    check("causality: prefix logits == rows of full logits", worst < 1e-12, "max|diff|=%.2e" % worst)
    ids2 = ids[:5] + [1, 2, 30]
    alt = run_ref(f, ids2)
    check("causality: changing tokens 5..7 leaves rows 0..4", maxdiff(alt[:5], full[:5]) < 1e-12 and
          maxdiff(alt[5:], full[5:]) > 1e-6, "rows0-4 diff=%.2e" % maxdiff(alt[:5], full[:5]))
    out = subprocess.run([sys.executable, os.path.join(HERE, "reference.py"), f] + [str(i) for i in ids],
                         capture_output=True, text=True, check=True).stdout
    js = json.loads(out)
    check("CLI prints T lists of V floats equal to forward()",
          len(js) == len(ids) and all(len(r) == cfg["vocab_size"] for r in js) and maxdiff(js, full) == 0.0,
          "shape=%dx%d" % (len(js), len(js[0])))

    # 2. Granite(1,1,1, d^-1/2) == plain LLaMA
    variants = [
        dict(H=4, KV=2),
        dict(H=4, KV=4, tie=True),
        dict(H=4, KV=1, attn_bias=True, mlp_bias=True),
        dict(H=2, KV=1, D=16, tie=True, attn_bias=True, extra={"rope_scaling": {"type": "linear", "factor": 2.5}}),
        dict(H=4, KV=2, D=32, extra={"rope_theta": 500000.0, "rope_scaling": {
            "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 400}}),
        dict(H=4, KV=2, L=3),
    ]
    for n, kw in enumerate(variants):
        cfg, t = make_model(rng, **kw)
        f = os.path.join(tmp, "llama%d" % n)
        save(f, cfg, t)
        a = run_ref(f, ids)
        b = plain_llama(cfg, t, ids)
        check("granite(1,1,1,d^-1/2) == plain LLaMA [%s]" % ",".join("%s=%s" % kv for kv in kw.items()),
              maxdiff(a, b) < 1e-10, "max|diff|=%.2e" % maxdiff(a, b))

    # 2b. the llama3 rope path actually differs from default rope (it is exercised)
    cfg, t = make_model(rng, D=32, extra={"rope_theta": 500000.0})
    f0 = os.path.join(tmp, "rope_default"); save(f0, cfg, t)
    cfg3 = dict(cfg, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                   "high_freq_factor": 4.0, "original_max_position_embeddings": 400})
    f3 = os.path.join(tmp, "rope_llama3"); save(f3, cfg3, t)
    c3 = ref.GraniteConfigView(cfg3)
    inv3, inv0 = ref.rope_inv_freq(c3), ref.rope_inv_freq(ref.GraniteConfigView(cfg))
    ratio = inv3 / inv0
    check("llama3 rope: high freq kept, low freq /8, a middle one blended", ratio[0] == 1.0 and
          abs(ratio[-1] - 0.125) < 1e-15 and np.any((ratio > 0.13) & (ratio < 0.99)) and
          maxdiff(run_ref(f3, ids), run_ref(f0, ids)) > 1e-6, "ratios=%s" % np.round(ratio, 4).tolist())
    # v5-style rope_parameters is read the same way as rope_theta + rope_scaling
    cfg5 = {k: v for k, v in cfg3.items() if k not in ("rope_theta", "rope_scaling")}
    cfg5["rope_parameters"] = dict(cfg3["rope_scaling"], rope_theta=500000.0)
    f5 = os.path.join(tmp, "rope_v5"); save(f5, cfg5, t)
    check("rope_parameters (v5 style) == rope_theta+rope_scaling", maxdiff(run_ref(f5, ids), run_ref(f3, ids)) == 0.0)

    # 3. logits_scaling divides exactly
    cfg, t = make_model(rng, tie=True, extra={"embedding_multiplier": 3.0, "residual_multiplier": 0.5,
                                              "attention_multiplier": 0.125})
    f1 = os.path.join(tmp, "ls1"); save(f1, cfg, t)
    base = run_ref(f1, ids)
    for s in (16.0, 8.0, 0.37, 3.0):
        fs = os.path.join(tmp, "ls%g" % s); save(fs, dict(cfg, logits_scaling=s), t)
        got = run_ref(fs, ids)
        check("logits_scaling=%g gives exactly logits/%g" % (s, s), np.array_equal(got, base / s),
              "max|got*s - base|=%.2e" % maxdiff(got * s, base))

    # 4. residual / embedding multipliers matter, and folding equivalence
    for key, val in (("residual_multiplier", 0.22), ("embedding_multiplier", 12.0), ("attention_multiplier", 1.0 / 6)):
        fm = os.path.join(tmp, "m_" + key); save(fm, dict(cfg, **{key: val}), t)
        dd = maxdiff(run_ref(fm, ids), base)
        check("%s=%g changes the logits" % (key, val), dd > 1e-3, "max|diff|=%.3g" % dd)

    for n, kw in enumerate([dict(tie=True), dict(tie=False, attn_bias=True, mlp_bias=True, KV=1)]):
        e, r, a, s = 12.0, 0.22, 1.0 / 6, 16.0
        cfg, t = make_model(rng, extra={"embedding_multiplier": e, "residual_multiplier": r,
                                        "attention_multiplier": a, "logits_scaling": s}, **kw)
        fg = os.path.join(tmp, "fold%d" % n); save(fg, cfg, t)
        got = run_ref(fg, ids)
        want = plain_llama(cfg, t, ids, in_embed=t["model.embed_tokens.weight"].astype(np.float64) * e,
                           score_scale=a, o_scale=r, final_norm_scale=1.0 / s)
        check("granite(e=12,r=0.22,a=1/6,s=16) == LLaMA with scalars folded into weights [%s]" %
              ",".join("%s=%s" % kv for kv in kw.items()), maxdiff(got, want) < 1e-10,
              "max|diff|=%.2e" % maxdiff(got, want))

    # 5. refusals
    bad = [("sliding_window", {"sliding_window": 4}), ("yarn rope", {"rope_scaling": {"rope_type": "yarn", "factor": 2.0}}),
           ("dynamic rope", {"rope_scaling": {"type": "dynamic", "factor": 2.0}}),
           ("hidden_act gelu", {"hidden_act": "gelu"}), ("model_type granitemoe", {"model_type": "granitemoe"}),
           ("partial_rotary_factor", {"partial_rotary_factor": 0.5})]
    cfg, t = make_model(rng)
    for name, extra in bad:
        try:
            ref.GraniteConfigView(dict(cfg, **extra))
            refused = False
        except AssertionError:
            refused = True
        check("refuses %s" % name, refused)
    # defaults: a bare config gets 1.0 multipliers (note: attention scale 1.0, not d^-1/2)
    cd = ref.GraniteConfigView({"model_type": "granite"})
    check("defaults: e=r=a=s=1.0, eps=1e-6, theta=1e4, tie=False, head_dim=128",
          (cd.embedding_multiplier, cd.residual_multiplier, cd.attention_multiplier, cd.logits_scaling,
           cd.rms_norm_eps, cd.rope_theta, cd.tie, cd.head_dim) == (1.0, 1.0, 1.0, 1.0, 1e-6, 10000.0, False, 128))

    shutil.rmtree(tmp, ignore_errors=True)
    n_ok = sum(RESULTS)
    print("\n%d/%d checks passed" % (n_ok, len(RESULTS)))
    return 0 if n_ok == len(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
