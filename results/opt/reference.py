#!/usr/bin/env python3
# -----------------------------------------------------------------------------
# Independent float64 numpy reference forward for Hugging Face "opt"
# (OPTForCausalLM, Meta's OPT decoder family: opt-125m ... opt-66b, opt-350m).
#
# Written in its own words from a reading of Hugging Face transformers' OPT
# code; no project (Java) code was consulted, and no torch / transformers /
# safetensors package is used: the safetensors file is parsed by hand.
#
# Files read (huggingface/transformers, commits as stored in the code index):
#   src/transformers/models/opt/modeling_opt.py
#       @ 0184d2087e15afbd83ffa3cef25044a4f6c05047 (current: attention
#         interface, DynamicCache, position_ids from the attention mask)
#       @ ab910744d640b0ed37e2056eb94de31fd4a6979c (older v4.2x: bmm attention,
#         positions computed inside OPTLearnedPositionalEmbedding) - same math
#   src/transformers/models/opt/configuration_opt.py
#       @ 1f3ae2b3ac7e5b32262588602ff42efb372a6232 (current: hidden_size,
#         enable_bias, layer_norm_elementwise_affine, _remove_final_layer_norm)
#       @ 014674d38b61e5c7109e89d496bd699121a8aa4e (early: d_model with
#         attribute_map hidden_size -> d_model; read here as a fallback)
#   src/transformers/activations.py @ 00e12e7c54598e50e7bef1540db3408f81916de1
#
# Facts relied on:
# * Learned absolute positions, OPTLearnedPositionalEmbedding: a table of
#   max_position_embeddings + 2 rows of width hidden_size; the looked-up row is
#   position_id + 2 (offset 2, a fairseq padding_idx legacy). position ids come
#   from the 2-D attention mask: cumsum(mask, axis=1) * mask - 1, so for an
#   unpadded sequence of T tokens they are 0..T-1 and rows 2..T+1 are used;
#   rows 0 and 1 are never read. T > max_position_embeddings is refused.
# * Embedding: embed_tokens has width word_embed_proj_dim (default
#   hidden_size). If word_embed_proj_dim != hidden_size, project_in
#   (hidden x wep, no bias) maps the token rows up BEFORE the position rows are
#   added: h0 = project_in(E[ids]) + Pos[pos + 2]. No embedding scale.
#   padding_idx=pad_token_id only matters for training; the lookup is plain.
# * Attention: multi-head, head_dim = hidden_size // num_attention_heads (must
#   divide). q = q_proj(x) * head_dim**-0.5 (the scale multiplies the projected
#   q INCLUDING its bias, before the dot products), k = k_proj(x),
#   v = v_proj(x); causal mask; softmax (fp32 in torch, fp64 here); weighted
#   sum of v; heads concatenated in order; out_proj. No rotary, no GQA.
# * Biases: q/k/v/out_proj and fc1/fc2 carry biases iff enable_bias (default
#   true). project_in, project_out and lm_head never have a bias.
# * LayerNorm: torch nn.LayerNorm defaults, eps 1e-5, biased variance:
#   (x - mean) / sqrt(var + 1e-5) * w + b; with layer_norm_elementwise_affine
#   false there is no w and no b (plain normalisation).
# * Decoder layer, pre-norm (do_layer_norm_before true: 125m, 1.3b and up):
#       h = h + attn(self_attn_layer_norm(h))
#       h = h + fc2(act(fc1(final_layer_norm(h))))
#   post-norm (do_layer_norm_before false: opt-350m):
#       h = self_attn_layer_norm(h + attn(h))
#       h = final_layer_norm(h + fc2(act(fc1(h))))
#   (each layer's "final_layer_norm" is its MLP norm, in both layouts.)
# * Decoder-level final_layer_norm: created (and applied after the last layer)
#   only when do_layer_norm_before is true and _remove_final_layer_norm is
#   false. In the post-norm layout there is none; a stray tensor of that name
#   is ignored, as transformers would not load it.
# * Then project_out (wep x hidden, no bias) when word_embed_proj_dim !=
#   hidden_size, i.e. AFTER the final layer norm (pre-norm) or after the last
#   layer (post-norm). lm_head: (vocab x word_embed_proj_dim), no bias;
#   tie_word_embeddings defaults to true (PretrainedConfig) so the head is the
#   token table; when false, lm_head.weight is read.
# * activation_function (ACT2FN): "relu" (default); "gelu" = exact erf GELU
#   x/2 (1 + erf(x/sqrt 2)); "gelu_new" = tanh approximation
#   x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Others are refused here.
# * Tensor names: OPTForCausalLM saves "model.decoder.*" (+ "lm_head.weight");
#   facebook's hub checkpoints (saved from OPTModel) use bare "decoder.*".
# * dropout / attention_dropout / layerdrop are training-only; ignored.
#
# Refused (exit code 2, one line on stderr): _remove_final_layer_norm true,
# activations other than relu / gelu / gelu_new, model_type other than opt,
# other architectures, sequences longer than max_position_embeddings, token ids
# out of range, missing tensors or bias / affine tensors that contradict the
# config, unknown safetensors dtypes.
#
# Usage: python3 reference.py MODEL_DIR ID [ID ...]   -> JSON [[V floats] x T]
# -----------------------------------------------------------------------------

import json
import math
import os
import struct
import sys

import numpy as np

LN_EPS = 1e-5
POS_OFFSET = 2


class Refuse(Exception):
    """A configuration or input this reference does not implement."""


def need(cond, msg):
    if not cond:
        raise Refuse(msg)


# ----------------------------------------------------------------------------
# safetensors, by hand
# ----------------------------------------------------------------------------
class SafeTensors:
    """Lazy reader: tensors are widened to float64 only when asked for."""

    RAW = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}

    def __init__(self, path):
        with open(path, "rb") as fh:
            (hlen,) = struct.unpack("<Q", fh.read(8))
            self.header = json.loads(fh.read(hlen).decode("utf-8"))
        self.header.pop("__metadata__", None)
        self.base = 8 + hlen
        self.raw = np.memmap(path, dtype=np.uint8, mode="r")

    def names(self):
        return set(self.header)

    def get(self, name):
        info = self.header[name]
        dt = info["dtype"]
        need(dt in self.RAW, "unsupported safetensors dtype %s for %s" % (dt, name))
        lo, hi = info["data_offsets"]
        shape = tuple(info["shape"])
        arr = np.frombuffer(self.raw[self.base + lo: self.base + hi].tobytes(), dtype=self.RAW[dt])
        if dt == "BF16":  # bf16 is the top half of a float32
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        need(arr.size == int(np.prod(shape, dtype=np.int64)), "size mismatch for %s" % name)
        return arr.reshape(shape).astype(np.float64)


# ----------------------------------------------------------------------------
# config
# ----------------------------------------------------------------------------
class OPTConfigView:
    def __init__(self, cfg):
        need(cfg.get("model_type", "opt") == "opt", "model_type %r is not opt" % cfg.get("model_type"))
        archs = cfg.get("architectures") or []
        need(all(a == "OPTForCausalLM" for a in archs), "architectures %r not implemented" % (archs,))
        hs = cfg.get("hidden_size", cfg.get("d_model", 768))
        self.hidden = int(hs)
        wep = cfg.get("word_embed_proj_dim")
        self.wep = self.hidden if wep is None else int(wep)
        self.vocab = int(cfg.get("vocab_size", 50272))
        self.ffn = int(cfg.get("ffn_dim", 3072))
        self.layers = int(cfg.get("num_hidden_layers", 12))
        self.heads = int(cfg.get("num_attention_heads", 12))
        self.max_pos = int(cfg.get("max_position_embeddings", 2048))
        need(self.hidden % self.heads == 0, "hidden_size %d not divisible by num_attention_heads %d"
             % (self.hidden, self.heads))
        self.head_dim = self.hidden // self.heads
        self.pre_norm = bool(cfg.get("do_layer_norm_before", True))
        need(not cfg.get("_remove_final_layer_norm", False),
             "_remove_final_layer_norm=true (pre-v4.20.1 fine-tune compatibility) not implemented")
        self.act = cfg.get("activation_function", "relu")
        need(self.act in ("relu", "gelu", "gelu_new"), "activation_function %r not implemented" % (self.act,))
        self.bias = bool(cfg.get("enable_bias", True))
        self.affine = bool(cfg.get("layer_norm_elementwise_affine", True))
        self.tie = bool(cfg.get("tie_word_embeddings", True))
        self.final_norm = self.pre_norm  # decoder-level final_layer_norm exists only then


# ----------------------------------------------------------------------------
# math pieces
# ----------------------------------------------------------------------------
_erf = np.frompyfunc(math.erf, 1, 1)


def activation(name, x):
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "gelu":
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))
    # gelu_new
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def layer_norm(x, w, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    y = (x - mu) / np.sqrt(var + LN_EPS)
    if w is not None:
        y = y * w + b
    return y


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def position_ids_from_mask(mask):
    """transformers: cumsum(mask) * mask - 1 (padding would get -1)."""
    mask = np.asarray(mask, dtype=np.int64)
    return np.cumsum(mask) * mask - 1


# ----------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------
class OPTModel:
    def __init__(self, c, st):
        self.c, self.st = c, st
        names = st.names()
        if "model.decoder.embed_tokens.weight" in names:
            self.prefix = "model.decoder."
        elif "decoder.embed_tokens.weight" in names:
            self.prefix = "decoder."
        else:
            raise Refuse("no model.decoder.embed_tokens.weight / decoder.embed_tokens.weight tensor")
        self.names = names

    def t(self, short, shape):
        name = self.prefix + short
        need(name in self.names, "missing tensor %s" % name)
        a = self.st.get(name)
        need(a.shape == tuple(shape), "tensor %s has shape %r, expected %r" % (name, a.shape, tuple(shape)))
        return a

    def opt_bias(self, short, n):
        """A bias that must exist iff enable_bias."""
        present = (self.prefix + short) in self.names
        need(present == self.c.bias, "tensor %s %s but enable_bias=%s" %
             (self.prefix + short, "present" if present else "missing", self.c.bias))
        return self.t(short, (n,)) if self.c.bias else None

    def norm_params(self, short):
        c = self.c
        for part in (".weight", ".bias"):
            present = (self.prefix + short + part) in self.names
            need(present == c.affine, "tensor %s%s %s but layer_norm_elementwise_affine=%s" %
                 (self.prefix + short, part, "present" if present else "missing", c.affine))
        if not c.affine:
            return None, None
        return self.t(short + ".weight", (c.hidden,)), self.t(short + ".bias", (c.hidden,))

    def head(self, emb):
        c = self.c
        if c.tie:
            return emb
        need("lm_head.weight" in self.names, "tie_word_embeddings=false but lm_head.weight is missing")
        w = self.st.get("lm_head.weight")
        need(w.shape == (c.vocab, c.wep), "lm_head.weight shape %r" % (w.shape,))
        return w

    def attention(self, x, L):
        c, T = self.c, x.shape[0]
        H, d, D = c.heads, c.head_dim, c.hidden
        p = "layers.%d.self_attn." % L
        proj = {}
        for n in ("q", "k", "v", "out"):
            proj[n] = (self.t(p + n + "_proj.weight", (D, D)), self.opt_bias(p + n + "_proj.bias", D))
        q = linear(x, *proj["q"]) * (d ** -0.5)
        k = linear(x, *proj["k"])
        v = linear(x, *proj["v"])
        q, k, v = (a.reshape(T, H, d) for a in (q, k, v))
        scores = np.einsum("ihd,jhd->hij", q, k)             # (H, T, T)
        future = np.triu(np.ones((T, T), dtype=bool), k=1)   # j > i is masked
        scores = np.where(future[None], -np.inf, scores)
        scores = scores - scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs = probs / probs.sum(axis=-1, keepdims=True)
        ctx = np.einsum("hij,jhd->ihd", probs, v).reshape(T, D)
        return linear(ctx, *proj["out"])

    def mlp(self, x, L):
        c = self.c
        p = "layers.%d." % L
        u = linear(x, self.t(p + "fc1.weight", (c.ffn, c.hidden)), self.opt_bias(p + "fc1.bias", c.ffn))
        return linear(activation(c.act, u), self.t(p + "fc2.weight", (c.hidden, c.ffn)),
                      self.opt_bias(p + "fc2.bias", c.hidden))

    def forward(self, ids):
        c = self.c
        ids = np.asarray(ids, dtype=np.int64)
        T = ids.shape[0]
        need(T >= 1, "need at least one token")
        need(T <= c.max_pos, "sequence length %d > max_position_embeddings %d" % (T, c.max_pos))
        need(ids.min() >= 0 and ids.max() < c.vocab, "token id out of range [0, %d)" % c.vocab)

        emb = self.t("embed_tokens.weight", (c.vocab, c.wep))
        pos_table = self.t("embed_positions.weight", (c.max_pos + POS_OFFSET, c.hidden))
        x = emb[ids]
        if c.wep != c.hidden:
            x = linear(x, self.t("project_in.weight", (c.hidden, c.wep)))
        pos = position_ids_from_mask(np.ones(T, dtype=np.int64))   # 0..T-1
        h = x + pos_table[pos + POS_OFFSET]

        for L in range(c.layers):
            ln1 = self.norm_params("layers.%d.self_attn_layer_norm" % L)
            ln2 = self.norm_params("layers.%d.final_layer_norm" % L)
            if c.pre_norm:
                h = h + self.attention(layer_norm(h, *ln1), L)
                h = h + self.mlp(layer_norm(h, *ln2), L)
            else:
                h = layer_norm(h + self.attention(h, L), *ln1)
                h = layer_norm(h + self.mlp(h, L), *ln2)

        if c.final_norm:
            h = layer_norm(h, *self.norm_params("final_layer_norm"))
        elif (self.prefix + "final_layer_norm.weight") in self.names:
            sys.stderr.write("note: post-norm model; ignoring %sfinal_layer_norm.*\n" % self.prefix)
        if c.wep != c.hidden:
            h = linear(h, self.t("project_out.weight", (c.wep, c.hidden)))
        return h @ self.head(emb).T


def load(model_dir):
    with open(os.path.join(model_dir, "config.json")) as fh:
        cfg = json.load(fh)
    c = OPTConfigView(cfg)
    return OPTModel(c, SafeTensors(os.path.join(model_dir, "model.safetensors")))


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: python3 reference.py MODEL_DIR ID [ID ...]\n")
        return 2
    try:
        model = load(argv[1])
        logits = model.forward([int(t) for t in argv[2:]])
    except Refuse as e:
        sys.stderr.write("error: %s\n" % e)
        return 2
    sys.stdout.write(json.dumps([[float(v) for v in row] for row in logits]))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
