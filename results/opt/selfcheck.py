#!/usr/bin/env python3
# Self-check for results/opt/reference.py (numpy only).
#
# Builds tiny random OPT folders (config.json + model.safetensors written here
# by hand, float32 unless noted) and checks:
#   a. causality (prefix logits equal the full run's first rows; changing later
#      tokens leaves earlier rows unchanged); the CLI prints T lists of V floats;
#   b. reference.forward equals a second formulation written separately here
#      (token-by-token with an explicit per-layer key/value cache, per-head
#      Python loops, scalar LayerNorm statistics, per-element activations) over
#      pre-norm / post-norm, relu / gelu / gelu_new, tied / untied,
#      project_in/out, enable_bias false, layer_norm_elementwise_affine false,
#      both tensor-name prefixes; plus: the two prefixes give identical logits,
#      a tied model ignores a stray lm_head.weight, a post-norm model ignores a
#      stray decoder-level final_layer_norm, F16 / BF16 files read exactly;
#   c. the position offset matters: rolling the position table down by one row
#      changes the logits (and equals the second formulation with offset 1),
#      while garbage in rows 0, 1 and T+2.. changes nothing;
#   d. refused configs / inputs exit with code 2 and exactly one stderr line;
#   e. config defaults (tie true, pre-norm, relu, biases, affine, d_model).
# Usage: python3 results/opt/selfcheck.py

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

REF = os.path.join(HERE, "reference.py")


# ---------------------------------------------------------------- writers
def to_raw(a, dtype):
    a = np.ascontiguousarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    assert dtype == "BF16"
    return (a.view(np.uint32) >> 16).astype("<u2").tobytes()  # truncate to bf16


def write_safetensors(path, tensors, dtype="F32"):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        b = to_raw(tensors[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
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


def make_model(rng, *, V=41, D=24, F=40, L=2, H=4, wep=None, pre=True, act="relu", tie=True,
               bias=True, affine=True, prefix="model.decoder.", max_pos=16, extra=None):
    cfg = {"model_type": "opt", "architectures": ["OPTForCausalLM"], "vocab_size": V,
           "hidden_size": D, "ffn_dim": F, "num_hidden_layers": L, "num_attention_heads": H,
           "max_position_embeddings": max_pos, "do_layer_norm_before": pre,
           "activation_function": act, "tie_word_embeddings": tie, "enable_bias": bias,
           "layer_norm_elementwise_affine": affine, "word_embed_proj_dim": wep if wep else D,
           "_remove_final_layer_norm": False, "pad_token_id": 1, "dropout": 0.1}
    cfg.update(extra or {})
    E = wep if wep else D
    r = lambda *s: (rng.standard_normal(s) * 0.35).astype(np.float32)
    t = {prefix + "embed_tokens.weight": r(V, E), prefix + "embed_positions.weight": r(max_pos + 2, D)}
    if E != D:
        t[prefix + "project_in.weight"] = r(D, E)
        t[prefix + "project_out.weight"] = r(E, D)

    def norm(name):
        if affine:
            t[name + ".weight"] = (1 + r(D)).astype(np.float32)
            t[name + ".bias"] = r(D)

    for l in range(L):
        p = prefix + "layers.%d." % l
        for n in ("q", "k", "v", "out"):
            t[p + "self_attn.%s_proj.weight" % n] = r(D, D)
            if bias:
                t[p + "self_attn.%s_proj.bias" % n] = r(D)
        t[p + "fc1.weight"], t[p + "fc2.weight"] = r(F, D), r(D, F)
        if bias:
            t[p + "fc1.bias"], t[p + "fc2.bias"] = r(F), r(D)
        norm(p + "self_attn_layer_norm")
        norm(p + "final_layer_norm")
    if pre:
        norm(prefix + "final_layer_norm")
    if not tie:
        t["lm_head.weight"] = r(V, E)
    return cfg, t


def save(folder, cfg, t, dtype="F32"):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as fh:
        json.dump(cfg, fh)
    write_safetensors(os.path.join(folder, "model.safetensors"), t, dtype)
    return folder


def run_ref(folder, ids):
    return ref.load(folder).forward(ids)


def run_cli(folder, ids):
    return subprocess.run([sys.executable, REF, folder] + [str(i) for i in ids], capture_output=True, text=True)


# --------------------------------------- second formulation: incremental
def incremental_opt(cfg, t, ids, offset=2):
    """Token at a time, explicit K/V cache per layer, loops over heads."""
    pf = "model.decoder." if "model.decoder.embed_tokens.weight" in t else "decoder."
    g = lambda n: t[pf + n].astype(np.float64)
    D, H, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    E = cfg.get("word_embed_proj_dim") or D
    d = D // H
    pre, act = cfg["do_layer_norm_before"], cfg["activation_function"]
    has_bias, affine = cfg["enable_bias"], cfg["layer_norm_elementwise_affine"]

    def ln(v, name):
        n = len(v)
        m = math.fsum(v) / n
        var = math.fsum((vi - m) ** 2 for vi in v) / n
        y = np.array([(vi - m) / math.sqrt(var + 1e-5) for vi in v])
        return y * g(name + ".weight") + g(name + ".bias") if affine else y

    def lin(x, name):
        y = g(name + ".weight") @ x
        return y + g(name + ".bias") if has_bias else y

    def nonlin(z):
        if act == "relu":
            return np.array([zi if zi > 0 else 0.0 for zi in z])
        if act == "gelu":
            return np.array([0.5 * zi * (1 + math.erf(zi / math.sqrt(2))) for zi in z])
        c = math.sqrt(2 / math.pi)
        return np.array([0.5 * zi * (1 + math.tanh(c * (zi + 0.044715 * zi * zi * zi))) for zi in z])

    tok, pos_tab = g("embed_tokens.weight"), g("embed_positions.weight")
    head = tok if cfg["tie_word_embeddings"] else t["lm_head.weight"].astype(np.float64)
    kcache = [[] for _ in range(L)]
    vcache = [[] for _ in range(L)]
    rows = []
    for step, token in enumerate(ids):
        x = tok[token]
        if E != D:
            x = g("project_in.weight") @ x
        x = x + pos_tab[step + offset]
        for l in range(L):
            p = "layers.%d." % l
            a_in = ln(x, p + "self_attn_layer_norm") if pre else x
            q = lin(a_in, p + "self_attn.q_proj")
            kcache[l].append(lin(a_in, p + "self_attn.k_proj"))
            vcache[l].append(lin(a_in, p + "self_attn.v_proj"))
            ctx = np.zeros(D)
            for h in range(H):
                sl = slice(h * d, (h + 1) * d)
                s = [float(np.dot(q[sl], kk[sl])) / math.sqrt(d) for kk in kcache[l]]
                top = max(s)
                w = [math.exp(si - top) for si in s]
                z = math.fsum(w)
                ctx[sl] = sum((wi / z) * vv[sl] for wi, vv in zip(w, vcache[l]))
            x = x + lin(ctx, p + "self_attn.out_proj")
            if not pre:
                x = ln(x, p + "self_attn_layer_norm")
            m_in = ln(x, p + "final_layer_norm") if pre else x
            x = x + lin(nonlin(lin(m_in, p + "fc1")), p + "fc2")
            if not pre:
                x = ln(x, p + "final_layer_norm")
        if pre:
            x = ln(x, "final_layer_norm")
        if E != D:
            x = g("project_out.weight") @ x
        rows.append(head @ x)
    return np.array(rows)


# ------------------------------------------------------------------ checks
RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print("%-4s %s %s" % ("PASS" if ok else "FAIL", name, detail))


def maxdiff(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def rename(t, old, new):
    return {(new + k[len(old):] if k.startswith(old) else k): v for k, v in t.items()}


def main():
    rng = np.random.default_rng(20240607)
    tmp = tempfile.mkdtemp(prefix="opt_selfcheck_")
    ids = [3, 17, 0, 40, 5, 5, 22, 9, 1]

    # a. causality + CLI
    cfg, t = make_model(rng, pre=False, wep=16, tie=False, act="gelu")
    f = save(os.path.join(tmp, "causal"), cfg, t)
    full = run_ref(f, ids)
    worst = max(maxdiff(run_ref(f, ids[:k]), full[:k]) for k in range(1, len(ids) + 1))
    check("a causality: prefix logits == first rows of the full run", worst < 1e-12, "max|diff|=%.2e" % worst)
    alt = run_ref(f, ids[:5] + [2, 30, 7, 11])
    check("a causality: changing tokens 5..8 leaves rows 0..4 unchanged",
          maxdiff(alt[:5], full[:5]) < 1e-12 and maxdiff(alt[5:], full[5:]) > 1e-6,
          "rows0-4 diff=%.2e, rows5-8 diff=%.2e" % (maxdiff(alt[:5], full[:5]), maxdiff(alt[5:], full[5:])))
    cp = run_cli(f, ids)
    js = json.loads(cp.stdout) if cp.returncode == 0 else [[]]
    check("a CLI prints T lists of V floats equal to forward()",
          cp.returncode == 0 and len(js) == len(ids) and all(len(r) == cfg["vocab_size"] for r in js)
          and all(isinstance(v, float) for r in js for v in r) and maxdiff(js, full) == 0.0
          and cp.stderr == "", "shape=%dx%d" % (len(js), len(js[0])))

    # b. reference == incremental formulation
    variants = [
        dict(pre=True, act="relu", tie=True),
        dict(pre=False, act="relu", tie=False, wep=16, prefix="decoder."),      # opt-350m layout
        dict(pre=True, act="gelu", tie=False, wep=16),
        dict(pre=False, act="gelu_new", tie=True, prefix="decoder."),
        dict(pre=True, act="relu", bias=False, affine=False),
        dict(pre=False, act="gelu", bias=False, affine=False, wep=12, tie=False),
        dict(pre=True, act="gelu_new", wep=32, L=3, H=6, prefix="decoder."),
        dict(pre=False, act="relu", tie=True, wep=16, bias=False, H=2),
    ]
    for n, kw in enumerate(variants):
        cfg, t = make_model(rng, **kw)
        f = save(os.path.join(tmp, "var%d" % n), cfg, t)
        a, b = run_ref(f, ids), incremental_opt(cfg, t, ids)
        check("b forward == incremental KV-cache form [%s]" % ",".join("%s=%s" % kv for kv in kw.items()),
              maxdiff(a, b) < 1e-10, "max|diff|=%.2e" % maxdiff(a, b))

    cfg, t = make_model(rng, pre=True, tie=False, wep=16)
    f1 = save(os.path.join(tmp, "pfx_model"), cfg, t)
    f2 = save(os.path.join(tmp, "pfx_bare"), cfg, rename(t, "model.decoder.", "decoder."))
    check("b prefixes model.decoder. and decoder. give identical logits",
          np.array_equal(run_ref(f1, ids), run_ref(f2, ids)))

    cfg, t = make_model(rng, tie=True)
    base = run_ref(save(os.path.join(tmp, "tie0"), cfg, t), ids)
    stray = dict(t, **{"lm_head.weight": (rng.standard_normal((41, 24)) * 5).astype(np.float32)})
    d_tie = maxdiff(run_ref(save(os.path.join(tmp, "tie1"), cfg, stray), ids), base)
    d_untie = maxdiff(run_ref(save(os.path.join(tmp, "tie2"), dict(cfg, tie_word_embeddings=False), stray), ids), base)
    check("b tied model ignores lm_head.weight; untied reads it", d_tie == 0.0 and d_untie > 1e-3,
          "tied diff=%.1e, untied diff=%.3g" % (d_tie, d_untie))

    cfg, t = make_model(rng, pre=False)
    base = run_ref(save(os.path.join(tmp, "post0"), cfg, t), ids)
    t2 = dict(t, **{"model.decoder.final_layer_norm.weight": np.full(24, 3.0, np.float32),
                    "model.decoder.final_layer_norm.bias": np.full(24, 1.0, np.float32)})
    cp = run_cli(save(os.path.join(tmp, "post1"), cfg, t2), ids)
    check("b post-norm: no decoder-level final norm (a stray one is ignored, noted on stderr only)",
          cp.returncode == 0 and maxdiff(json.loads(cp.stdout), base) == 0.0 and "ignoring" in cp.stderr)

    for dt in ("F16", "BF16"):
        cfg, t = make_model(rng, pre=True, wep=16, tie=False)
        a = run_ref(save(os.path.join(tmp, "dt_" + dt), cfg, t, dt), ids)
        rounded = {k: np.frombuffer(to_raw(v, dt), dtype="<f2").astype(np.float32).reshape(v.shape) if dt == "F16"
                   else (np.frombuffer(to_raw(v, dt), dtype="<u2").astype(np.uint32) << 16).view(np.float32).reshape(v.shape)
                   for k, v in t.items()}
        b = run_ref(save(os.path.join(tmp, "dt32_" + dt), cfg, rounded), ids)
        check("b %s safetensors == F32 file holding the same rounded values" % dt,
              np.array_equal(a, b) and maxdiff(a, run_ref(os.path.join(tmp, "dt_" + dt), ids)) == 0.0)

    # c. position offset
    cfg, t = make_model(rng, pre=True, wep=16, tie=False, prefix="decoder.")
    base = run_ref(save(os.path.join(tmp, "pos0"), cfg, t), ids)
    key = "decoder.embed_positions.weight"
    rolled = dict(t, **{key: np.roll(t[key], 1, axis=0)})
    shifted = run_ref(save(os.path.join(tmp, "pos1"), cfg, rolled), ids)
    check("c rolling the position table down one row changes the logits", maxdiff(shifted, base) > 1e-3,
          "max|diff|=%.3g" % maxdiff(shifted, base))
    want = incremental_opt(cfg, t, ids, offset=1)
    check("c ...and equals the incremental form with offset 1 on the original table",
          maxdiff(shifted, want) < 1e-10, "max|diff|=%.2e" % maxdiff(shifted, want))
    junk = t[key].copy()
    T = len(ids)
    junk[:2] = 1e6
    junk[T + 2:] = -1e6
    jl = run_ref(save(os.path.join(tmp, "pos2"), cfg, dict(t, **{key: junk})), ids)
    check("c only rows 2..T+1 are read (junk in rows 0,1 and T+2.. changes nothing)", maxdiff(jl, base) == 0.0)
    junk2 = t[key].copy()
    junk2[T + 1] += rng.standard_normal(junk2.shape[1]).astype(np.float32)  # not a constant: LN would cancel it
    check("c ...and row T+1 is read", maxdiff(run_ref(save(os.path.join(tmp, "pos3"), cfg, dict(t, **{key: junk2})), ids),
                                            base) > 1e-6)

    # d. refusals through the CLI: exit code 2, one stderr line, empty stdout
    cfg, t = make_model(rng, max_pos=16)
    bad = [
        ("_remove_final_layer_norm", dict(cfg, _remove_final_layer_norm=True), t, ids),
        ("activation silu", dict(cfg, activation_function="silu"), t, ids),
        ("activation unknown", dict(cfg, activation_function="swishy"), t, ids),
        ("model_type gpt2", dict(cfg, model_type="gpt2"), t, ids),
        ("architecture OPTForSequenceClassification", dict(cfg, architectures=["OPTForSequenceClassification"]), t, ids),
        ("hidden % heads != 0", dict(cfg, num_attention_heads=5), t, ids),
        ("sequence longer than max_position_embeddings", cfg, t, list(range(17))),
        ("token id out of range", cfg, t, [3, 41]),
        ("enable_bias=false with bias tensors", dict(cfg, enable_bias=False), t, ids),
        ("affine=false with LayerNorm tensors", dict(cfg, layer_norm_elementwise_affine=False), t, ids),
        ("untied without lm_head.weight", dict(cfg, tie_word_embeddings=False), t, ids),
        ("word_embed_proj_dim without project_in", dict(cfg, word_embed_proj_dim=12),
         dict(t, **{"model.decoder.embed_tokens.weight": t["model.decoder.embed_tokens.weight"][:, :12]}), ids),
    ]
    ok_len = run_cli(save(os.path.join(tmp, "len16"), cfg, t), list(range(16)))
    check("d T == max_position_embeddings is still accepted", ok_len.returncode == 0)
    for n, (name, c2, t2, ids2) in enumerate(bad):
        cp = run_cli(save(os.path.join(tmp, "bad%d" % n), c2, t2), ids2)
        lines = cp.stderr.strip().splitlines()
        check("d refuses %s" % name, cp.returncode == 2 and cp.stdout == "" and len(lines) == 1,
              "rc=%d: %s" % (cp.returncode, lines[0] if lines else "(no stderr)"))

    # e. defaults
    c = ref.OPTConfigView({"model_type": "opt"})
    check("e defaults: tie, pre-norm, relu, biases, affine, wep=hidden=768, 12x12, ffn 3072, max_pos 2048",
          (c.tie, c.pre_norm, c.act, c.bias, c.affine, c.wep, c.hidden, c.heads, c.layers, c.ffn, c.max_pos,
           c.final_norm) == (True, True, "relu", True, True, 768, 768, 12, 12, 3072, 2048, True))
    c = ref.OPTConfigView({"d_model": 64, "num_attention_heads": 4, "word_embed_proj_dim": None,
                           "do_layer_norm_before": False})
    check("e early-style d_model is read; word_embed_proj_dim null -> hidden; post-norm has no final norm",
          (c.hidden, c.wep, c.head_dim, c.final_norm) == (64, 64, 16, False))

    shutil.rmtree(tmp, ignore_errors=True)
    n_ok = sum(RESULTS)
    print("%d/%d checks passed" % (n_ok, len(RESULTS)))
    if n_ok == len(RESULTS):
        print("all checks passed")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
