#!/usr/bin/env python3
# Self-check for results/smollm3/reference.py: builds tiny random SmolLM3 model
# folders with numpy (config.json + hand-written model.safetensors) and checks
# properties of the reference forward. usage: python3 results/smollm3/selfcheck.py
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402

BASE = dict(model_type="smollm3", vocab_size=50, hidden_size=64, intermediate_size=96,
            num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
            rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=False)


def write_safetensors(path, tensors):
    header, chunks, off = {}, [], 0
    for name, arr in tensors.items():
        b = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    hj = json.dumps(header).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hj)) + hj + b"".join(chunks))


def random_weights(c, seed=0, attn_bias=False):
    r = np.random.default_rng(seed)
    Hd, V, I = c["hidden_size"], c["vocab_size"], c["intermediate_size"]
    D = Hd // c["num_attention_heads"]
    nq, nkv = c["num_attention_heads"] * D, c["num_key_value_heads"] * D
    w = {"model.embed_tokens.weight": r.normal(0, 1, (V, Hd)),
         "model.norm.weight": 1 + 0.1 * r.normal(size=Hd),
         "lm_head.weight": r.normal(0, 0.2, (V, Hd))}
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = 1 + 0.1 * r.normal(size=Hd)
        w[p + "post_attention_layernorm.weight"] = 1 + 0.1 * r.normal(size=Hd)
        for n, shape in (("q", (nq, Hd)), ("k", (nkv, Hd)), ("v", (nkv, Hd)), ("o", (Hd, nq))):
            w[p + "self_attn.%s_proj.weight" % n] = r.normal(0, 0.3, shape)
            if attn_bias:
                w[p + "self_attn.%s_proj.bias" % n] = r.normal(0, 0.3, shape[0])
        w[p + "mlp.gate_proj.weight"] = r.normal(0, 0.2, (I, Hd))
        w[p + "mlp.up_proj.weight"] = r.normal(0, 0.2, (I, Hd))
        w[p + "mlp.down_proj.weight"] = r.normal(0, 0.2, (Hd, I))
    return {k: v.astype(np.float32) for k, v in w.items()}


def make_dir(tmp, name, cfg, weights):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as fh:
        json.dump(cfg, fh)
    write_safetensors(os.path.join(d, "model.safetensors"), weights)
    return d


FAILS = []


def check(name, ok, detail=""):
    print("%-62s %s %s" % (name, "PASS" if ok else "FAIL", detail))
    if not ok:
        FAILS.append(name)


def diff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def main():
    tmp = tempfile.mkdtemp(prefix="smollm3_selfcheck_")
    W = random_weights(BASE)
    d0 = make_dir(tmp, "base", BASE, W)
    rng = np.random.default_rng(1)
    ids = [int(x) for x in rng.integers(0, 50, 12)]

    # 0. safetensors round trip + CLI output shape
    rd = ref.read_safetensors(os.path.join(d0, "model.safetensors"))
    check("safetensors round trip", all(np.array_equal(rd[k], W[k].astype(np.float64)) for k in W))
    out = subprocess.run([sys.executable, os.path.join(HERE, "reference.py"), d0] + [str(i) for i in ids],
                         capture_output=True, text=True, check=True).stdout
    cli = np.array(json.loads(out))
    L = ref.forward(d0, ids)
    check("CLI JSON is T x V and equals forward()", cli.shape == (12, 50) and diff(cli, L) == 0.0)

    # 1. defaults: no_rope_layers -> [1,1,1,0], all full attention
    c = ref.Cfg(BASE)
    check("default no_rope_layers == [1,1,1,0] (layer 3 NoPE)", c.use_rope == [True, True, True, False])
    check("default layer_types all full_attention", c.layer_types == ["full_attention"] * 4)
    c8 = ref.Cfg(dict(BASE, num_hidden_layers=8, use_sliding_window=True, sliding_window=3))
    check("sliding default only on NoPE layers (3, 7)",
          [i for i, t in enumerate(c8.layer_types) if t == "sliding_attention"] == [3, 7])
    same = ref.forward(None, ids, dict(BASE, no_rope_layers=[1, 1, 1, 0]), W)
    check("explicit [1,1,1,0] == default", diff(same, L) == 0.0)
    allrope = ref.forward(None, ids, dict(BASE, no_rope_layers=[1, 1, 1, 1]), W)
    check("all-RoPE differs from default (layer 3 really NoPE)", diff(allrope, L) > 1e-6, "%.3g" % diff(allrope, L))

    # 2. causality
    ids2 = list(ids)
    ids2[7] = (ids2[7] + 5) % 50
    L2 = ref.forward(None, ids2, BASE, W)
    check("causality: prefix logits unchanged", diff(L2[:7], L[:7]) == 0.0)
    check("causality: later logits change", diff(L2[7:], L[7:]) > 1e-6)

    # 3. NoPE invariances
    nope = dict(BASE, no_rope_layers=[0, 0, 0, 0])
    a = ref.forward(None, ids, nope, W)
    b = ref.forward(None, ids, dict(nope, rope_theta=7.0, rope_scaling={"rope_type": "linear", "factor": 3.0}), W)
    check("all-NoPE: invariant to rope_theta / rope_scaling", diff(a, b) == 0.0)
    c_ = ref.forward(None, ids, nope, W, position_offset=37)
    check("all-NoPE: invariant to position offset", diff(a, c_) == 0.0)
    rope_d = ref.forward(None, ids, dict(BASE, rope_theta=7.0), W)
    check("default model: rope_theta matters", diff(rope_d, L) > 1e-6)
    one = dict(BASE, num_hidden_layers=1)
    perm = ids[:11][::-1] + ids[11:]
    n1 = ref.forward(None, ids, dict(one, no_rope_layers=[0]), W)[-1]
    n2 = ref.forward(None, perm, dict(one, no_rope_layers=[0]), W)[-1]
    check("1-layer NoPE: last logits invariant to prefix permutation", diff(n1, n2) < 1e-12, "%.2g" % diff(n1, n2))
    r1 = ref.forward(None, ids, dict(one, no_rope_layers=[1]), W)[-1]
    r2 = ref.forward(None, perm, dict(one, no_rope_layers=[1]), W)[-1]
    check("1-layer RoPE: prefix permutation changes last logits", diff(r1, r2) > 1e-6)

    # 4. RoPE is relative: global position offset leaves logits unchanged
    for name, extra in (("default", {}), ("linear", {"rope_scaling": {"type": "linear", "factor": 4.0}}),
                        ("yarn", {"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                                                   "original_max_position_embeddings": 8192},
                                  "max_position_embeddings": 32768})):
        cfgx = dict(BASE, **extra)
        x0 = ref.forward(None, ids, cfgx, W)
        x1 = ref.forward(None, ids, cfgx, W, position_offset=123)
        check("RoPE %s: invariant to global position offset" % name, diff(x0, x1) < 1e-9, "%.2g" % diff(x0, x1))
    # rotate-half convention vs complex rotation of pairs (d, d + D/2)
    D = 16
    q = rng.normal(size=(1, 5, D))
    inv = 1.0 / (10000.0 ** (np.arange(0, D, 2) / D))
    ang = np.arange(5)[:, None] * inv[None]
    e = np.concatenate([ang, ang], -1)
    got = ref.apply_rope(q, np.cos(e), np.sin(e))[0]
    z = (q[0, :, :D // 2] + 1j * q[0, :, D // 2:]) * np.exp(1j * ang)
    check("rotate-half == complex rotation of (d, d+D/2)", diff(got, np.concatenate([z.real, z.imag], -1)) < 1e-12)

    # 5. sliding window
    T = len(ids)
    sw_big = ref.forward(None, ids, dict(BASE, use_sliding_window=True, sliding_window=T), W)
    sw_huge = ref.forward(None, ids, dict(BASE, use_sliding_window=True, sliding_window=1000), W)
    check("window >= T equals no window", diff(sw_big, L) == 0.0 and diff(sw_huge, L) == 0.0)
    sw3 = ref.forward(None, ids, dict(BASE, use_sliding_window=True, sliding_window=3), W)
    check("window 3 differs from no window", diff(sw3, L) > 1e-6)
    # 1-layer NoPE sliding model: position i sees exactly j in (i-W, i]
    Wn = 3
    onesw = dict(one, no_rope_layers=[0], use_sliding_window=True, sliding_window=Wn)
    base1 = ref.forward(None, ids, onesw, W)
    i = 9
    far = list(ids)
    far[i - Wn] = (far[i - Wn] + 1) % 50  # j = i - W: outside the window
    near = list(ids)
    near[i - Wn + 1] = (near[i - Wn + 1] + 1) % 50  # j = i - W + 1: inside
    check("window: key j = i-W not seen", diff(ref.forward(None, far, onesw, W)[i], base1[i]) == 0.0)
    check("window: key j = i-W+1 seen", diff(ref.forward(None, near, onesw, W)[i], base1[i]) > 1e-6)

    # 6. ties, biases, asserts
    Wt = {k: v for k, v in W.items() if k != "lm_head.weight"}
    tied = ref.forward(None, ids, dict(BASE, tie_word_embeddings=True), Wt)
    h_untied_like = ref.forward(None, ids, BASE, dict(Wt, **{"lm_head.weight": W["model.embed_tokens.weight"]}))
    check("tied embedding == untied with lm_head := embed", diff(tied, h_untied_like) == 0.0)
    Wb = random_weights(BASE, attn_bias=True)
    Lb = ref.forward(None, ids, dict(BASE, attention_bias=True), Wb)
    check("attention_bias model runs, causal", diff(Lb[:7], ref.forward(None, ids2, dict(BASE, attention_bias=True), Wb)[:7]) == 0.0)
    for what, cfgbad in (("rope type dynamic", dict(BASE, rope_scaling={"rope_type": "dynamic", "factor": 2.0})),
                         ("hidden_act gelu", dict(BASE, hidden_act="gelu")),
                         ("mlp_bias w/o tensors", dict(BASE, mlp_bias=True))):
        try:
            ref.forward(None, ids, cfgbad, W)
            check("asserts on " + what, False)
        except AssertionError:
            check("asserts on " + what, True)
    # 7. GQA grouping: query head h uses kv head h // (H/KV). Equivalent MHA model
    # whose kv heads are [kv0, kv0, kv1, kv1] must give identical logits.
    Dh = BASE["hidden_size"] // BASE["num_attention_heads"]
    Wm = dict(W)
    for li in range(BASE["num_hidden_layers"]):
        for n in ("k", "v"):
            key = "model.layers.%d.self_attn.%s_proj.weight" % (li, n)
            heads = W[key].reshape(BASE["num_key_value_heads"], Dh, -1)
            Wm[key] = np.repeat(heads, 2, axis=0).reshape(-1, BASE["hidden_size"])
    mha = ref.forward(None, ids, dict(BASE, num_key_value_heads=4), Wm)
    check("GQA == MHA with kv heads repeated [0,0,1,1]", diff(mha, L) < 1e-12, "%.2g" % diff(mha, L))
    print("tmp dir:", tmp)
    print("ALL PASS" if not FAILS else "FAILURES: %s" % FAILS)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
