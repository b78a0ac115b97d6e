#!/usr/bin/env python3
"""Self-checks for results/olmo2/reference.py (OLMo 2 / OLMo 3 float64 numpy reference).

Builds tiny random OLMo 2 folders (config.json + model.safetensors written here with numpy)
and checks:
  1. the CLI runs and prints T lists of V floats;
  2. causality: logits at positions < t do not depend on tokens at positions >= t;
  3. the vectorised forward agrees with a slow, loop-based forward written separately here
     (explicit per-head GQA mapping h -> h // group, explicit RoPE pair rotation);
  4. q/k norms act on the whole projection: scaling one head's q_proj rows changes the
     normalised queries of the OTHER heads (a per-head norm would leave them unchanged),
     same for k with GQA;
  5. with q/k norm weights set to 1, removing the norms changes the logits;
  6. tied embeddings (no lm_head.weight in the file) use embed_tokens as the output matrix;
  7. RoPE config: linear scaling with factor f equals default RoPE at position/f (checked on the
     cos/sin tables); new-style rope_parameters and the defaults are read; unsupported rope types,
     clip_qkv, sliding_window, non-silu activations and other model types are rejected.
OLMo 3 (model_type "olmo3", tiny random folders of the same layout plus sliding windows):
  8. default layer pattern: without layer_types layers 3, 7, ... (0-based) are full and the rest
     slide with sliding_window (4096 when the key is absent); an explicit layer_types equal to that
     pattern gives the same logits as none;
  9. a window as long as the text gives exactly the logits of no window (all-full layer_types, and
     the olmo2 forward of the same weights); one token shorter changes them;
 10. window rule with every layer sliding: one layer, W=3: changing token j leaves query i's logits
     unchanged exactly when j <= i - 3 (i - W < j <= i is what a query sees); two layers, W=2: the
     receptive field is i - 2 <= j, so tokens further back never matter;
 11. the vectorised forward agrees with the slow loop forward (its own window test) on mixed
     sliding/full layers, GQA and MQA;
 12. config: RoPE scaling (rope_scaling, flat or per-layer-type rope_parameters) and a missing
     rope_theta are refused for olmo3, default-type entries are accepted; bad layer types, a wrong
     layer_types length and sliding layers without sliding_window are refused.
Usage: python3 results/olmo2/selfcheck.py [-v]     (-v prints why each bad config is refused)
"""
import json
import os
import struct
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402


def write_safetensors(path, tensors):
    header = {}
    chunks = []
    off = 0
    for name, arr in tensors.items():
        b = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    hb = json.dumps(header).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in chunks:
            f.write(b)


def make_model(d, seed=0, D=16, H=4, KV=2, L=2, I=24, V=19, tie=False, extra=None, randnorm=True):
    rng = np.random.default_rng(seed)
    hd = D // H
    cfg = {"model_type": "olmo2", "architectures": ["Olmo2ForCausalLM"], "hidden_size": D,
           "num_attention_heads": H, "num_key_value_heads": KV, "num_hidden_layers": L,
           "intermediate_size": I, "vocab_size": V, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
           "tie_word_embeddings": tie, "attention_bias": False, "hidden_act": "silu",
           "max_position_embeddings": 64}
    if extra:
        cfg.update(extra)

    def m(*s):
        return (rng.standard_normal(s) * 0.4).astype(np.float32)

    def nw(n):
        return (1.0 + 0.3 * rng.standard_normal(n)).astype(np.float32) if randnorm \
            else np.ones(n, np.float32)

    t = {"model.embed_tokens.weight": m(V, D), "model.norm.weight": nw(D)}
    for i in range(L):
        p = "model.layers.%d." % i
        t[p + "self_attn.q_proj.weight"] = m(H * hd, D)
        t[p + "self_attn.k_proj.weight"] = m(KV * hd, D)
        t[p + "self_attn.v_proj.weight"] = m(KV * hd, D)
        t[p + "self_attn.o_proj.weight"] = m(D, H * hd)
        t[p + "self_attn.q_norm.weight"] = nw(H * hd)
        t[p + "self_attn.k_norm.weight"] = nw(KV * hd)
        t[p + "post_attention_layernorm.weight"] = nw(D)
        t[p + "post_feedforward_layernorm.weight"] = nw(D)
        t[p + "mlp.gate_proj.weight"] = m(I, D)
        t[p + "mlp.up_proj.weight"] = m(I, D)
        t[p + "mlp.down_proj.weight"] = m(D, I)
    if not tie:
        t["lm_head.weight"] = m(V, D)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    write_safetensors(os.path.join(d, "model.safetensors"), t)
    return cfg, t


# ---------------------------------------------------------------- slow loop implementation
def slow_forward(cfg, t, ids):
    D, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd, L, eps = D // H, cfg["num_hidden_layers"], cfg["rms_norm_eps"]
    theta = cfg.get("rope_theta", 10000.0)
    # attention span per layer: None = all earlier tokens, n = the last n tokens (itself included)
    span = [None] * L
    if cfg.get("model_type") == "olmo3":
        kinds = cfg.get("layer_types") or ["full_attention" if i % 4 == 3 else "sliding_attention"
                                          for i in range(L)]
        n = cfg.get("sliding_window", 4096)
        span = [n if kinds[i] == "sliding_attention" else None for i in range(L)]
    W = {k: v.astype(np.float64) for k, v in t.items()}
    if cfg.get("tie_word_embeddings"):
        W["lm_head.weight"] = W["model.embed_tokens.weight"]

    def norm(vec, g):
        return g * vec / np.sqrt(np.mean(vec ** 2) + eps)

    def rot(vec, pos):
        outv = vec.copy()
        half = hd // 2
        for j in range(half):
            a = pos * theta ** (-2.0 * j / hd)
            x1, x2 = vec[j], vec[j + half]
            outv[j] = x1 * np.cos(a) - x2 * np.sin(a)
            outv[j + half] = x2 * np.cos(a) + x1 * np.sin(a)
        return outv

    T = len(ids)
    xs = [W["model.embed_tokens.weight"][tok].copy() for tok in ids]
    for i in range(L):
        p = "model.layers.%d." % i
        qs, ks, vs = [], [], []
        for pos in range(T):
            q = norm(W[p + "self_attn.q_proj.weight"] @ xs[pos], W[p + "self_attn.q_norm.weight"])
            k = norm(W[p + "self_attn.k_proj.weight"] @ xs[pos], W[p + "self_attn.k_norm.weight"])
            v = W[p + "self_attn.v_proj.weight"] @ xs[pos]
            qs.append([rot(q[h * hd:(h + 1) * hd], pos) for h in range(H)])
            ks.append([rot(k[g * hd:(g + 1) * hd], pos) for g in range(KV)])
            vs.append([v[g * hd:(g + 1) * hd] for g in range(KV)])
        new = []
        for pos in range(T):
            heads = []
            seen = [s for s in range(pos + 1) if span[i] is None or pos - s < span[i]]
            for h in range(H):
                g = h // (H // KV)
                sc = np.array([qs[pos][h] @ ks[s][g] / np.sqrt(hd) for s in seen])
                pr = np.exp(sc - sc.max())
                pr /= pr.sum()
                heads.append(sum(pr[n] * vs[s][g] for n, s in enumerate(seen)))
            a = W[p + "self_attn.o_proj.weight"] @ np.concatenate(heads)
            hmid = xs[pos] + norm(a, W[p + "post_attention_layernorm.weight"])
            gt = W[p + "mlp.gate_proj.weight"] @ hmid
            up = W[p + "mlp.up_proj.weight"] @ hmid
            mo = W[p + "mlp.down_proj.weight"] @ (gt / (1 + np.exp(-gt)) * up)
            new.append(hmid + norm(mo, W[p + "post_feedforward_layernorm.weight"]))
        xs = new
    return np.array([W["lm_head.weight"] @ norm(x, W["model.norm.weight"]) for x in xs])


# ---------------------------------------------------------------- checks
results = []
VERBOSE = "-v" in sys.argv[1:]


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print("%-62s %s %s" % (name, "PASS" if ok else "FAIL", detail))


def main():
    tmp = tempfile.mkdtemp(prefix="olmo2-selfcheck-")
    d = os.path.join(tmp, "gqa")
    cfg, t = make_model(d, seed=1)
    c, w = ref.load_model(d)
    ids = [3, 7, 1, 18, 0, 5, 9]

    # 1. CLI
    out = subprocess.run([sys.executable, os.path.join(HERE, "reference.py"), d] + [str(i) for i in ids],
                         capture_output=True, text=True, check=True).stdout
    cli = np.array(json.loads(out))
    check("CLI prints T x V JSON", cli.shape == (len(ids), cfg["vocab_size"]), str(cli.shape))
    full = ref.forward(c, w, ids)
    check("CLI == in-process forward", np.allclose(cli, full, rtol=0, atol=1e-12))

    # 2. causality
    diffs = []
    for tcut in range(1, len(ids)):
        alt = list(ids)
        for j in range(tcut, len(ids)):
            alt[j] = (alt[j] + 5) % cfg["vocab_size"]
        la = ref.forward(c, w, alt)
        diffs.append(np.abs(la[:tcut] - full[:tcut]).max())
        pre = ref.forward(c, w, ids[:tcut])
        diffs.append(np.abs(pre - full[:tcut]).max())
    changed = np.abs(ref.forward(c, w, ids[:-1] + [(ids[-1] + 1) % 19])[-1] - full[-1]).max()
    check("causality (past unaffected by future tokens)", max(diffs) < 1e-12 and changed > 1e-6,
          "max past diff %.1e, last-pos change %.2e" % (max(diffs), changed))

    # 3. loop implementation cross-check (GQA H=4, KV=2; and MHA; and MQA)
    slow = slow_forward(cfg, t, ids)
    check("vectorised == slow loop forward (H=4, KV=2)", np.allclose(slow, full, rtol=0, atol=1e-10),
          "max diff %.1e" % np.abs(slow - full).max())
    for (h, kv) in [(4, 4), (4, 1)]:
        d2 = os.path.join(tmp, "h%dkv%d" % (h, kv))
        cfg2, t2 = make_model(d2, seed=2, H=h, KV=kv)
        c2, w2 = ref.load_model(d2)
        a, b = ref.forward(c2, w2, ids), slow_forward(cfg2, t2, ids)
        check("vectorised == slow loop forward (H=%d, KV=%d)" % (h, kv),
              np.allclose(a, b, rtol=0, atol=1e-10), "max diff %.1e" % np.abs(a - b).max())

    # 4. q/k norms over the whole projection
    hd = c["hd"]
    x = w["model.embed_tokens.weight"][ids]
    q0, k0 = ref.qk_states(c, w, 0, x)
    w_s = dict(w)
    qw = w["model.layers.0.self_attn.q_proj.weight"].copy()
    qw[0:hd] *= 3.0                      # scale head 0's rows only
    w_s["model.layers.0.self_attn.q_proj.weight"] = qw
    kw = w["model.layers.0.self_attn.k_proj.weight"].copy()
    kw[0:hd] *= 3.0                      # scale kv head 0's rows only
    w_s["model.layers.0.self_attn.k_proj.weight"] = kw
    q1, k1 = ref.qk_states(c, w_s, 0, x)
    dq = np.abs(q1[:, hd:] - q0[:, hd:]).max()
    dk = np.abs(k1[:, hd:] - k0[:, hd:]).max()
    check("scaling head-0 q_proj rows changes other heads' normed q", dq > 1e-3, "max change %.3f" % dq)
    check("scaling kv-head-0 k_proj rows changes other kv heads' normed k", dk > 1e-3, "max change %.3f" % dk)
    # contrast: a per-head norm would be invariant for the other heads
    def per_head(v, n):
        v = v.reshape(len(ids), n, hd)
        return (v / np.sqrt((v ** 2).mean(-1, keepdims=True) + c["eps"])).reshape(len(ids), -1)
    pq0, _ = ref.qk_states(c, w, 0, x, use_qk_norm=False)
    pq1, _ = ref.qk_states(c, w_s, 0, x, use_qk_norm=False)
    inv = np.abs(per_head(pq1, c["H"])[:, hd:] - per_head(pq0, c["H"])[:, hd:]).max()
    check("(contrast) per-head norm would leave other heads unchanged", inv < 1e-12, "%.1e" % inv)
    lg = ref.forward(c, w_s, ids)
    check("... and the logits change", np.abs(lg - full).max() > 1e-6)

    # 5. unit q/k norm weights vs norms removed
    d3 = os.path.join(tmp, "unitnorm")
    make_model(d3, seed=3, randnorm=False)
    c3, w3 = ref.load_model(d3)
    with_n = ref.forward(c3, w3, ids)
    without = ref.forward(c3, w3, ids, use_qk_norm=False)
    dn = np.abs(with_n - without).max()
    check("unit q/k norm weights: removing norms changes logits", dn > 1e-3, "max diff %.3f" % dn)

    # 6. tied embeddings
    d4 = os.path.join(tmp, "tied")
    cfg4, t4 = make_model(d4, seed=4, tie=True)
    c4, w4 = ref.load_model(d4)
    a, b = ref.forward(c4, w4, ids), slow_forward(cfg4, t4, ids)
    check("tied model (no lm_head.weight) uses embed_tokens", "lm_head.weight" not in t4 and
          np.allclose(a, b, rtol=0, atol=1e-10), "max diff %.1e" % np.abs(a - b).max())

    # 7. RoPE config handling
    base = dict(cfg)
    cl = ref.parse_config(dict(base, rope_scaling={"rope_type": "linear", "factor": 4.0}))
    cd = ref.parse_config(base)
    cosl, sinl = ref.rope_tables(cl, 9)
    cosd, sind = ref.rope_tables(cd, 33)
    check("linear RoPE factor 4 == default RoPE at position/4",
          np.allclose(cosl[4], cosd[1]) and np.allclose(sinl[8], sind[2]))
    cn = ref.parse_config(dict(base, rope_theta=None, rope_parameters={"rope_type": "default", "rope_theta": 500000.0}))
    check("new-style rope_parameters theta read", cn["theta"] == 500000.0 and cn["rope_factor"] == 1.0)
    cdflt = ref.parse_config({k: v for k, v in base.items() if k not in ("rope_theta", "rms_norm_eps", "tie_word_embeddings")})
    check("defaults: theta 1e4, eps 1e-5, untied", cdflt["theta"] == 10000.0 and cdflt["eps"] == 1e-5 and not cdflt["tie"])
    rejected = 0
    bad = [dict(base, rope_scaling={"rope_type": "yarn", "factor": 2.0}),
           dict(base, rope_scaling={"type": "dynamic", "factor": 2.0}),
           dict(base, clip_qkv=8.0), dict(base, sliding_window=4),
           dict(base, hidden_act="gelu"), dict(base, model_type="olmo")]
    for b in bad:
        try:
            ref.parse_config(b)
        except AssertionError:
            rejected += 1
    check("unsupported features rejected", rejected == len(bad), "%d/%d" % (rejected, len(bad)))

    olmo3_checks(tmp)

    shutil.rmtree(tmp, ignore_errors=True)
    nfail = sum(1 for _, ok in results if not ok)
    print("%d checks, %d failed" % (len(results), nfail))
    return 1 if nfail else 0


def olmo3(extra=None):
    e = {"model_type": "olmo3", "architectures": ["Olmo3ForCausalLM"]}
    e.update(extra or {})
    return e


def olmo3_checks(tmp):
    ids = [3, 7, 1, 18, 0, 5, 9, 12, 4, 16]
    T, V = len(ids), 19

    # 8. default layer pattern
    d = os.path.join(tmp, "o3-default")
    cfg, t = make_model(d, seed=11, L=8, extra=olmo3({"sliding_window": 3}))
    c, w = ref.load_model(d)
    want = [3, 3, 3, None, 3, 3, 3, None]
    check("olmo3 default pattern: layers 3 and 7 full, others slide (W=3)", c["windows"] == want,
          str(c["windows"]))
    c0 = ref.parse_config({k: v for k, v in cfg.items() if k != "sliding_window"})
    check("olmo3 default sliding_window is 4096", c0["windows"] == [4096, 4096, 4096, None] * 2)
    d2 = os.path.join(tmp, "o3-explicit")
    explicit = ["sliding_attention", "sliding_attention", "sliding_attention", "full_attention"] * 2
    make_model(d2, seed=11, L=8, extra=olmo3({"sliding_window": 3, "layer_types": explicit}))
    a = ref.forward(c, w, ids)
    b = ref.forward(*ref.load_model(d2), ids)
    check("olmo3 explicit default-pattern layer_types == absent layer_types", np.array_equal(a, b))
    slow = slow_forward(cfg, t, ids)
    check("olmo3 default pattern: vectorised == slow loop (8 layers, W=3)",
          np.allclose(a, slow, rtol=0, atol=1e-10), "max diff %.1e" % np.abs(a - slow).max())
    allfull = ref.forward(ref.parse_config(dict(cfg, layer_types=["full_attention"] * 8)), w, ids)
    dd = np.abs(a - allfull).max()
    check("olmo3 default pattern with W=3 differs from all-full (T=10)", dd > 1e-6, "max diff %.2e" % dd)

    # 9. a window as long as the text == no window
    d3 = os.path.join(tmp, "o3-longwin")
    cfg3, t3 = make_model(d3, seed=12, L=3, extra=olmo3({"sliding_window": T,
                                                         "layer_types": ["sliding_attention"] * 3}))
    c3, w3 = ref.load_model(d3)
    slide_T = ref.forward(c3, w3, ids)
    out = subprocess.run([sys.executable, os.path.join(HERE, "reference.py"), d3] + [str(i) for i in ids],
                         capture_output=True, text=True, check=True).stdout
    check("olmo3 CLI == in-process forward", np.array_equal(np.array(json.loads(out)), slide_T))
    full = ref.forward(ref.parse_config(dict(cfg3, layer_types=["full_attention"] * 3)), w3, ids)
    as_olmo2 = ref.forward(ref.parse_config(dict(cfg3, model_type="olmo2", sliding_window=None,
                                                 layer_types=None)), w3, ids)
    check("olmo3 window == text length: identical to full attention", np.array_equal(slide_T, full))
    check("olmo3 window == text length: identical to olmo2 forward", np.array_equal(slide_T, as_olmo2))
    big = ref.forward(ref.parse_config(dict(cfg3, sliding_window=4096)), w3, ids)
    check("olmo3 window 4096 > text: identical to full attention", np.array_equal(big, full))
    short = ref.forward(ref.parse_config(dict(cfg3, sliding_window=T - 1)), w3, ids)
    ds = np.abs(short - full).max()
    dfirst = np.abs(short[:T - 1] - full[:T - 1]).max()
    check("olmo3 window == text length - 1: only the last query changes", ds > 1e-6 and dfirst == 0.0,
          "last %.2e, others %.1e" % (ds, dfirst))

    # 10. window rule, every layer sliding
    for L, W in [(1, 3), (2, 2), (3, 3)]:
        d4 = os.path.join(tmp, "o3-rule-%d-%d" % (L, W))
        make_model(d4, seed=13 + L, L=L, extra=olmo3({"sliding_window": W,
                                                      "layer_types": ["sliding_attention"] * L}))
        c4, w4 = ref.load_model(d4)
        base = ref.forward(c4, w4, ids)
        reach = L * (W - 1)          # furthest distance back that can still reach a query
        worst_out, least_in = 0.0, np.inf
        for j in range(T):
            alt = list(ids)
            alt[j] = (alt[j] + 7) % V
            la = ref.forward(c4, w4, alt)
            for i in range(T):
                diff = np.abs(la[i] - base[i]).max()
                if i < j or i - j > reach:       # future token, or beyond the window(s)
                    worst_out = max(worst_out, diff)
                else:
                    least_in = min(least_in, diff)
        ok = worst_out == 0.0 and least_in > 1e-9
        check("olmo3 all sliding L=%d W=%d: token j affects query i iff 0 <= i-j <= %d" % (L, W, reach),
              ok, "outside max %.1e, inside min %.2e" % (worst_out, least_in))

    # 11. mixed layers against the slow loop
    for (h, kv, W, types) in [(4, 2, 2, ["sliding_attention", "full_attention", "sliding_attention"]),
                              (4, 1, 4, ["full_attention", "sliding_attention", "sliding_attention"]),
                              (4, 4, 1, ["sliding_attention", "sliding_attention", "full_attention"])]:
        d5 = os.path.join(tmp, "o3-mixed-%d-%d-%d" % (h, kv, W))
        cfg5, t5 = make_model(d5, seed=20 + W, H=h, KV=kv, L=3,
                              extra=olmo3({"sliding_window": W, "layer_types": types, "rope_theta": 500000.0}))
        a5 = ref.forward(*ref.load_model(d5), ids)
        s5 = slow_forward(cfg5, t5, ids)
        check("olmo3 vectorised == slow loop (H=%d KV=%d W=%d, %s)" % (h, kv, W, "".join(x[0] for x in types)),
              np.allclose(a5, s5, rtol=0, atol=1e-10), "max diff %.1e" % np.abs(a5 - s5).max())

    # 12. config handling
    base = dict(cfg3)
    accepted = [dict(base, rope_scaling=None), dict(base, rope_scaling={"rope_type": "default"}),
                dict(base, rope_theta=None, rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
                dict(base, rope_theta=None, rope_parameters={
                    "full_attention": {"rope_type": "default", "rope_theta": 10000.0},
                    "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}})]
    thetas = []
    for b in accepted:
        thetas.append(ref.parse_config(b)["theta"])
    check("olmo3 default-type rope_scaling / rope_parameters accepted", thetas == [10000.0] * 4, str(thetas))
    rejected = 0
    bad = [dict(base, rope_scaling={"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 8192}),
           dict(base, rope_scaling={"rope_type": "linear", "factor": 2.0}),
           dict(base, rope_parameters={"rope_type": "yarn", "factor": 8.0, "rope_theta": 10000.0}),
           dict(base, rope_parameters={"full_attention": {"rope_type": "yarn", "factor": 8.0, "rope_theta": 1e4},
                                       "sliding_attention": {"rope_type": "default", "rope_theta": 1e4}}),
           {k: v for k, v in base.items() if k != "rope_theta"},
           dict(base, rope_parameters={"rope_type": "default", "rope_theta": 5e5}),
           dict(base, layer_types=["sliding_attention", "chunked_attention", "full_attention"]),
           dict(base, layer_types=["sliding_attention"] * 2),
           dict(base, sliding_window=None),
           dict(base, sliding_window=0),
           dict(base, clip_qkv=8.0)]
    for b in bad:
        try:
            ref.parse_config(b)
        except AssertionError as e:
            rejected += 1
            if VERBOSE:
                print("    refused:", e)
    check("olmo3 unsupported / ambiguous configs rejected", rejected == len(bad), "%d/%d" % (rejected, len(bad)))
    ok_full = ref.parse_config(dict(base, sliding_window=None, layer_types=["full_attention"] * 3))
    check("olmo3 all-full layers need no sliding_window", ok_full["windows"] == [None] * 3)


if __name__ == "__main__":
    sys.exit(main())
