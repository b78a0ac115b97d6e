#!/usr/bin/env python3
# Self-checks for results/phi3/reference.py on tiny random Phi-3 folders written with numpy.
# Usage: python3 results/phi3/selfcheck.py      (prints one line per check, then "N passed, N failed")
import copy
import shutil
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402

BASE_CFG = {
    "model_type": "phi3",
    "architectures": ["Phi3ForCausalLM"],
    "hidden_size": 16,
    "intermediate_size": 24,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 37,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "sliding_window": None,
    "tie_word_embeddings": False,
    "attention_bias": False,
    "hidden_act": "silu",
    "max_position_embeddings": 64,
}
IDS = [3, 17, 5, 5, 30, 0, 12, 36, 8]


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    pos = 0
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [pos, pos + len(data)]}
        blobs.append(data)
        pos += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(len(raw).to_bytes(8, "little"))
        fh.write(raw)
        for b in blobs:
            fh.write(b)


def random_weights(cfg, seed=0):
    rng = np.random.default_rng(seed)
    D, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = D // H
    w = {"model.embed_tokens.weight": rng.normal(0, 1.0, (V, D))}
    for n in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{n}."
        w[p + "self_attn.qkv_proj.weight"] = rng.normal(0, 0.5, ((H + 2 * KV) * d, D))
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, 0.3, (D, H * d))
        w[p + "mlp.gate_up_proj.weight"] = rng.normal(0, 0.4, (2 * I, D))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, 0.3, (D, I))
        w[p + "input_layernorm.weight"] = 1.0 + rng.normal(0, 0.1, D)
        w[p + "post_attention_layernorm.weight"] = 1.0 + rng.normal(0, 0.1, D)
    w["model.norm.weight"] = 1.0 + rng.normal(0, 0.1, D)
    w["lm_head.weight"] = rng.normal(0, 0.5, (V, D))
    # round to float32 once so every folder variant holds exactly representable values
    return {k: v.astype(np.float32) for k, v in w.items()}


def make_dir(root, name, cfg, weights):
    path = os.path.join(root, name)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as fh:
        json.dump(cfg, fh)
    write_safetensors(os.path.join(path, "model.safetensors"), weights)
    return path


RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'}  {name}  {detail}")


def maxdiff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def main():
    root = tempfile.mkdtemp(prefix="phi3_selfcheck_")
    cfg = copy.deepcopy(BASE_CFG)
    w = random_weights(cfg)
    base = make_dir(root, "base", cfg, w)
    T = len(IDS)
    full = ref.forward(base, IDS)
    check("shape", full.shape == (T, cfg["vocab_size"]) and np.all(np.isfinite(full)), str(full.shape))

    # 1. causality: prefixes give the same rows; changing a later token leaves earlier rows alone
    worst = max(maxdiff(ref.forward(base, IDS[:k]), full[:k]) for k in range(1, T + 1))
    check("causal: every prefix reproduces the leading rows", worst < 1e-10, f"max|diff|={worst:.2e}")
    changed = list(IDS)
    changed[6] = (changed[6] + 1) % cfg["vocab_size"]
    alt = ref.forward(base, changed)
    check(
        "causal: changing token 6 leaves rows 0..5, changes row 6+",
        maxdiff(alt[:6], full[:6]) < 1e-10 and maxdiff(alt[6:], full[6:]) > 1e-3,
        f"before={maxdiff(alt[:6], full[:6]):.2e} after={maxdiff(alt[6:], full[6:]):.2e}",
    )

    # 2. sliding window: W >= T equals no window; a short W differs from position W on
    for W in (T, T + 5):
        c = dict(cfg, sliding_window=W)
        out = ref.forward(make_dir(root, f"win{W}", c, w), IDS)
        check(f"window {W} (>= T={T}) equals no window", maxdiff(out, full) == 0.0, f"max|diff|={maxdiff(out, full):.2e}")
    W = 3
    out = ref.forward(make_dir(root, "win3", dict(cfg, sliding_window=W), w), IDS)
    row_diffs = np.max(np.abs(out - full), axis=1)
    check(
        "window 3: rows 0..2 equal no window, rows 3+ all differ",
        np.all(row_diffs[:W] == 0.0) and np.all(row_diffs[W:] > 1e-6),
        "row max|diff|=" + ",".join(f"{x:.1e}" for x in row_diffs),
    )
    # W keys including self: with W=1 each position sees only itself, so row i equals the
    # logits of the one-token text [ids[i]] (RoPE cancels at relative distance 0).
    dir1 = make_dir(root, "win1", dict(cfg, sliding_window=1), w)
    out1 = ref.forward(dir1, IDS)
    solo = np.stack([ref.forward(dir1, [t])[0] for t in IDS])
    check("window 1: each row equals its token alone (j > i-W, j <= i)", maxdiff(out1, solo) < 1e-10,
          f"max|diff|={maxdiff(out1, solo):.2e}")
    # With W=2 and L layers the receptive field of row i is tokens i-L*(W-1) .. i: the last row
    # of that slice (re-based to position 0; RoPE only sees relative positions) must equal row i,
    # and a slice one token shorter must not. (Distinct ids here: two equal neighbours have equal
    # values, so dropping one of them would legitimately change nothing.)
    W, L = 2, cfg["num_hidden_layers"]
    ids2 = [3, 17, 5, 29, 30, 0, 12, 36, 8]
    dir2 = make_dir(root, "win2", dict(cfg, sliding_window=W), w)
    out2 = ref.forward(dir2, ids2)
    reach = L * (W - 1)
    same = max(maxdiff(ref.forward(dir2, ids2[i - reach : i + 1])[-1], out2[i]) for i in range(reach, T))
    short = min(maxdiff(ref.forward(dir2, ids2[i - reach + 1 : i + 1])[-1], out2[i]) for i in range(reach, T))
    check(f"window 2, {L} layers: row i depends on exactly tokens i-{reach}..i", same < 1e-10 and short > 1e-6,
          f"exact slice max|diff|={same:.2e}, one shorter min|diff|={short:.2e}")

    # 3. gate/up halves: swapping them changes the logits
    I = cfg["intermediate_size"]
    ws = dict(w)
    for n in range(cfg["num_hidden_layers"]):
        key = f"model.layers.{n}.mlp.gate_up_proj.weight"
        ws[key] = np.concatenate([w[key][I:], w[key][:I]], axis=0)
    swapped = ref.forward(make_dir(root, "swap_gate_up", cfg, ws), IDS)
    check("swapping gate/up halves changes the logits", maxdiff(swapped, full) > 1e-3,
          f"max|diff|={maxdiff(swapped, full):.2e}")

    # 4. k and v blocks of qkv_proj are not interchangeable
    H, KV, d = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"] // cfg["num_attention_heads"]
    wk = dict(w)
    for n in range(cfg["num_hidden_layers"]):
        key = f"model.layers.{n}.self_attn.qkv_proj.weight"
        q, k, v = w[key][: H * d], w[key][H * d : (H + KV) * d], w[key][(H + KV) * d :]
        wk[key] = np.concatenate([q, v, k], axis=0)
    kv_sw = ref.forward(make_dir(root, "swap_kv", cfg, wk), IDS)
    check("swapping k/v blocks of qkv_proj changes the logits", maxdiff(kv_sw, full) > 1e-3)

    # 5. GQA grouping: H=4, KV=2 equals an MHA copy where head h gets kv head h // 2
    wm = dict(w)
    group = H // KV
    for n in range(cfg["num_hidden_layers"]):
        key = f"model.layers.{n}.self_attn.qkv_proj.weight"
        q, k, v = w[key][: H * d], w[key][H * d : (H + KV) * d], w[key][(H + KV) * d :]
        kk = np.concatenate([k[(h // group) * d : (h // group + 1) * d] for h in range(H)], axis=0)
        vv = np.concatenate([v[(h // group) * d : (h // group + 1) * d] for h in range(H)], axis=0)
        wm[key] = np.concatenate([q, kk, vv], axis=0)
    mha = ref.forward(make_dir(root, "mha", dict(cfg, num_key_value_heads=H), wm), IDS)
    check("GQA (query head h -> kv head h // group) equals expanded MHA", maxdiff(mha, full) < 1e-10,
          f"max|diff|={maxdiff(mha, full):.2e}")

    # 6. tied embeddings: no lm_head tensor, tie_word_embeddings true -> head = embed_tokens
    wt = {k: v for k, v in w.items() if k != "lm_head.weight"}
    tied = ref.forward(make_dir(root, "tied", dict(cfg, tie_word_embeddings=True), wt), IDS)
    wu = dict(w)
    wu["lm_head.weight"] = w["model.embed_tokens.weight"]
    untied = ref.forward(make_dir(root, "untied_copy", cfg, wu), IDS)
    check("tied head equals an explicit copy of embed_tokens", maxdiff(tied, untied) == 0.0)

    # 7. unimplemented config features are rejected
    def rejects(c):
        try:
            ref.forward(make_dir(root, "bad", c, w), IDS[:2])
        except AssertionError:
            return True
        return False

    bad = [
        dict(cfg, rope_scaling={"type": "longrope", "short_factor": [1.0, 1.0], "long_factor": [1.0, 1.0]}),
        dict(cfg, rope_scaling={"type": "su", "short_factor": [1.0, 1.0], "long_factor": [1.0, 1.0]}),
        dict(cfg, rope_scaling={"rope_type": "linear", "factor": 2.0}),
        dict(cfg, partial_rotary_factor=0.5),
        dict(cfg, attention_bias=True),
        dict(cfg, hidden_act="gelu"),
    ]
    check("rejects longrope/su/linear, partial rotary, attention_bias, non-silu", all(rejects(c) for c in bad))
    check("accepts rope_scaling {'rope_type': 'default'}",
          maxdiff(ref.forward(make_dir(root, "defrope", dict(cfg, rope_scaling={"rope_type": "default"}), w), IDS), full) == 0.0)

    # 8. command line: JSON output matches the in-process forward
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "reference.py"), base] + [str(t) for t in IDS],
        capture_output=True, text=True, check=True,
    )
    cli = np.array(json.loads(proc.stdout))
    check("CLI JSON equals in-process logits", cli.shape == full.shape and maxdiff(cli, full) == 0.0)

    shutil.rmtree(root, ignore_errors=True)
    passed = sum(RESULTS)
    failed = len(RESULTS) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
