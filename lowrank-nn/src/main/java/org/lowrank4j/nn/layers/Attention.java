package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Multi-head scaled dot-product attention with its four projections: bidirectional with a key padding mask (BERT)
 * or causal (GPT-2, LLaMA), optional RoPE on queries and keys, grouped-query heads ({@code kvHeads} divides
 * {@code heads}; query head h reads key/value head {@code h / (heads / kvHeads)}, as Hugging Face's
 * {@code repeat_kv}), a sliding window ({@link #withWindow}), soft-capped scores ({@link #withSoftcap}, Gemma 2), and
 * incremental decoding through a {@link KVCache}.
 *
 * <p>Shapes: x (B,T,C); q (B,NH,T,D), k and v (B,NKV,S,D) head-major; scores and probabilities (B,NH,T,S) with S
 * the number of keys (T, or the cache length when decoding); the per-head products go to BLAS one (b, h) at a time.
 *
 * <p>Query/key heads may be narrower than value/output heads ({@code Dqk ≠ Dvo}) and the score scale need not be
 * {@code 1/√Dqk}: a model whose heads kept only some of their dimensions (MoDeGPT) keeps the original scale, its
 * queries and keys of size Dqk, its values of size Dvo, and RoPE tables of the kept pairs' frequencies.
 */
public final class Attention implements Module {
    private final String name;
    private final Linear query;  // C -> NH·D
    private final Linear key;    // C -> NKV·D
    private final Linear value;  // C -> NKV·D
    private final Linear output; // NH·D -> C
    private final int heads;
    private final int kvHeads;
    private final int headSize;   // Dqk, the query/key head size
    private final int valueSize;  // Dvo, the value/output head size
    private final double scale;   // score scale, 1/√Dqk unless given
    private final boolean causal;
    private final RotaryEmbedding rope; // or null
    private final RMSNorm queryNorm, keyNorm; // RMSNorm over each query and key head before RoPE (Qwen3), or null
    private final boolean wholeNorms;         // those norms span the whole projection, every head at once (OLMo 2)
    private final int window;     // causal attention over the last `window` positions (a sliding-window layer), or 0: all
    private final double softcap; // scores soft-capped as cap·tanh(s / cap) before the mask (Gemma 2), or 0: none
    // activations of the latest training forward
    private Tensor q;     // (B,NH,T,Dqk), after RoPE
    private Tensor k;     // (B,NKV,T,Dqk), after RoPE
    private Tensor v;     // (B,NKV,T,Dvo)
    private Tensor probs; // (B,NH,T,T)
    private Tensor capped; // (B,NH,T,T), the soft-capped scores before the softmax, when soft-capping
    private Tensor spareScores; // the latest backward's dS (B,NH,T,T), its buffer reused by the next backward of that shape
    // Buffers reused from one call to the next while the shapes stay the same, which saves their allocation, zeroing and
    // collection (every one is written in full before it is read): the projections token-major before the split into
    // heads (q, k, v), P·V head-major (B,NH,T,Dvo) and token-major (B,T,NH·Dvo), and the backward's gradients.
    private final Tensor[] projected = new Tensor[3];
    private final Tensor[] unprojected = new Tensor[3];
    private Tensor mixed, mixedTokens;
    private Tensor dMixedTokens, dMixed, dq, dk, dv;
    private final StepBuffers.Slot inputGradient = new StepBuffers.Slot(); // dx in a training step

    public Attention(String name, Linear query, Linear key, Linear value, Linear output, int heads, int kvHeads,
            boolean causal, RotaryEmbedding rope) {
        this(name, query, key, value, output, heads, kvHeads, causal, rope, 0, true, null, null, false, 0, 0);
    }

    /**
     * Attention whose query/key head size {@code Dqk = query.out / heads} may differ from the value/output head size
     * {@code Dvo = value.out / kvHeads}, with scores scaled by {@code scale} (the original model's 1/√D when heads were
     * narrowed).
     */
    public Attention(String name, Linear query, Linear key, Linear value, Linear output, int heads, int kvHeads,
            boolean causal, RotaryEmbedding rope, double scale) {
        this(name, query, key, value, output, heads, kvHeads, causal, rope, scale, false, null, null, false, 0, 0);
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException(name + ": score scale must be positive and finite, got " + scale);
        }
    }

    private Attention(String name, Linear query, Linear key, Linear value, Linear output, int heads, int kvHeads,
            boolean causal, RotaryEmbedding rope, double scale, boolean equalHeads, RMSNorm queryNorm, RMSNorm keyNorm, boolean wholeNorms,
            int window, double softcap) {
        if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0 || query.outFeatures() % heads != 0 || value.outFeatures() % kvHeads != 0) {
            throw new IllegalArgumentException(name + ": " + heads + " query heads and " + kvHeads
                    + " key/value heads do not fit query width " + query.outFeatures() + " and value width " + value.outFeatures());
        }
        int d = query.outFeatures() / heads;
        int dv = equalHeads ? d : value.outFeatures() / kvHeads;
        int c = query.inFeatures();
        if (key.inFeatures() != c || value.inFeatures() != c || key.outFeatures() != kvHeads * d || value.outFeatures() != kvHeads * dv
                || output.inFeatures() != heads * dv || output.outFeatures() != c || d < 1 || dv < 1) {
            throw new IllegalArgumentException(name + ": projections do not fit C=" + c + ", " + heads + " heads, " + kvHeads
                    + " kv heads of size " + d + ": q " + query.outFeatures() + "x" + query.inFeatures() + ", k " + key.outFeatures() + "x"
                    + key.inFeatures() + ", v " + value.outFeatures() + "x" + value.inFeatures() + ", o " + output.outFeatures() + "x"
                    + output.inFeatures());
        }
        if (rope != null && rope.headSize() != d) {
            throw new IllegalArgumentException(name + ": rotary tables for head size " + rope.headSize() + " but heads are of size " + d);
        }
        if (rope != null && kvHeads % rope.groups() != 0) {
            throw new IllegalArgumentException(name + ": " + rope.groups() + " rotary frequency groups do not divide " + kvHeads + " key/value heads");
        }
        this.name = name;
        this.query = query;
        this.key = key;
        this.value = value;
        this.output = output;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headSize = d;
        this.valueSize = dv;
        this.scale = equalHeads ? 1 / Math.sqrt(d) : scale;
        this.causal = causal;
        this.rope = rope;
        int queryWidth = wholeNorms ? heads * d : d, keyWidth = wholeNorms ? kvHeads * d : d;
        if ((queryNorm == null) != (keyNorm == null) || queryNorm != null && (queryNorm.weight().value().size() != queryWidth
                || keyNorm.weight().value().size() != keyWidth)) {
            throw new IllegalArgumentException(name + ": query and key norms come together, over " + queryWidth + " and " + keyWidth + " values");
        }
        this.queryNorm = queryNorm;
        this.keyNorm = keyNorm;
        this.wholeNorms = wholeNorms;
        if (window < 0 || window > 0 && !causal) {
            throw new IllegalArgumentException(name + ": a sliding window is a positive number of positions of causal attention, got " + window);
        }
        this.window = window;
        if (!(softcap >= 0) || Double.isInfinite(softcap)) {
            throw new IllegalArgumentException(name + ": a score soft-cap is a positive number (or 0 for none), got " + softcap);
        }
        this.softcap = softcap;
    }

    /**
     * This attention with an RMSNorm over every query head and every key head, applied after the projection and before
     * RoPE (Qwen3's {@code q_norm} and {@code k_norm}, each of the head size, shared by all heads).
     */
    public Attention withHeadNorms(RMSNorm queryNorm, RMSNorm keyNorm) {
        return new Attention(name, query, key, value, output, heads, kvHeads, causal, rope, scale, false, queryNorm, keyNorm, false, window, softcap);
    }

    /**
     * This attention with an RMSNorm over the whole query projection (NH·D) and one over the whole key projection (NKV·D),
     * applied after the projections and before the split into heads and RoPE (OLMo 2's {@code q_norm} and {@code k_norm}).
     */
    public Attention withProjectionNorms(RMSNorm queryNorm, RMSNorm keyNorm) {
        return new Attention(name, query, key, value, output, heads, kvHeads, causal, rope, scale, false, queryNorm, keyNorm, true, window, softcap);
    }

    /** True when the query and key norms span the whole projection (OLMo 2), false when each runs over one head. */
    public boolean normsSpanHeads() {
        return wholeNorms;
    }

    /**
     * This attention over a sliding window: each query sees itself and the {@code window − 1} positions before it (Gemma 3's
     * sliding layers). Causal attention only.
     */
    public Attention withWindow(int window) {
        if (window < 1) {
            throw new IllegalArgumentException(name + ": a sliding window needs at least 1 position, got " + window);
        }
        return new Attention(name, query, key, value, output, heads, kvHeads, causal, rope, scale, false, queryNorm, keyNorm, wholeNorms, window, softcap);
    }

    /** The sliding window in positions, or 0 when every earlier position is seen. */
    public int window() {
        return window;
    }

    /**
     * This attention with its scores soft-capped: {@code s = cap·tanh(s / cap)} after the scale and before the mask and the
     * softmax (Gemma 2's {@code attn_logit_softcapping}).
     */
    public Attention withSoftcap(double cap) {
        if (!(cap > 0) || Double.isInfinite(cap)) {
            throw new IllegalArgumentException(name + ": a score soft-cap must be a positive number, got " + cap);
        }
        return new Attention(name, query, key, value, output, heads, kvHeads, causal, rope, scale, false, queryNorm, keyNorm, wholeNorms, window, cap);
    }

    /** The scores' soft-cap, or 0 when they are not capped. */
    public double softcap() {
        return softcap;
    }

    /** The RMSNorm over each query head (or the whole query projection, {@link #normsSpanHeads}) before RoPE, or null. */
    public RMSNorm queryNorm() {
        return queryNorm;
    }

    /** The RMSNorm over each key head before RoPE, or null. */
    public RMSNorm keyNorm() {
        return keyNorm;
    }

    /** Zero dense projections named {@code name.q}, {@code .k}, {@code .v}, {@code .o}, head size C / heads. */
    public static Attention dense(String name, int channels, int heads, int kvHeads, boolean bias, boolean causal,
            RotaryEmbedding rope, Precision precision) {
        if (heads < 1 || channels % heads != 0) {
            throw new IllegalArgumentException(name + ": " + channels + " channels do not split into " + heads + " heads");
        }
        int d = channels / heads;
        return new Attention(name, Linear.dense(name + ".q", channels, heads * d, bias, precision),
                Linear.dense(name + ".k", channels, kvHeads * d, bias, precision),
                Linear.dense(name + ".v", channels, kvHeads * d, bias, precision),
                Linear.dense(name + ".o", heads * d, channels, bias, precision), heads, kvHeads, causal, rope);
    }

    /**
     * Training / full-sequence forward: x (B,T,C) -> (B,T,C), keeping what {@link #backward} needs.
     *
     * @param attentionMask (B·T) with 1 for a real token and 0 for padding (padding keys are ignored), or null
     */
    public Tensor forward(Tensor x, int[] attentionMask) {
        int batch = checkInput(x), time = x.dim(1);
        if (attentionMask != null && attentionMask.length != batch * time) {
            throw new IllegalArgumentException(name + ": attention mask of length " + attentionMask.length + " for input " + x.shapeString());
        }
        Kernels kn = Kernels.of(x);
        q = project(q, QUERY, x, heads, headSize);
        k = project(k, KEY, x, kvHeads, headSize);
        v = project(v, VALUE, x, kvHeads, valueSize);
        probs = Tensor.reuse(probs, x.precision(), batch, heads, time, time); // every entry is written before it is read
        capped = softcap > 0 ? Tensor.reuse(capped, x.precision(), batch, heads, time, time) : null;
        Tensor y = attend(q, k, v, time, probs, capped, attentionMask, 0, kn); // (B,T,NH·D)
        return output.forward(y);
    }

    /** dout (B,T,C) -> dx (B,T,C); adds into the gradients of the four projections. */
    public Tensor backward(Tensor dout) {
        return backward(dout, true);
    }

    /**
     * As {@link #backward(Tensor)}; without {@code inputGradient} it returns null and skips the q, k and v projections'
     * products back to the input (nothing below this layer trains), adding only into the projections' gradients.
     */
    public Tensor backward(Tensor dout, boolean inputGradient) {
        if (probs == null) {
            throw new IllegalStateException(name + ": backward needs a preceding forward(x, mask) (cached decoding keeps no activations)");
        }
        int batch = q.dim(0), time = q.dim(2);
        Kernels kn = Kernels.of(dout);
        Precision precision = dout.precision();
        dMixedTokens = Tensor.reuse(dMixedTokens, precision, batch, time, heads * valueSize);
        output.backwardInto(dMixedTokens, dout, false);               // (B,T,NH·Dvo)
        Tensor dy = dMixed = Tensor.reuse(dMixed, precision, batch, heads, time, valueSize); // (B,NH,T,Dvo)
        kn.splitHeads(dy, dMixedTokens, 0);
        Tensor dq = this.dq = Tensor.reuse(this.dq, precision, q.shape()); // written in full by dQ = s·dS K
        Tensor dk = this.dk = Tensor.reuse(this.dk, precision, k.shape()), dv = this.dv = Tensor.reuse(this.dv, precision, v.shape());
        dk.fill(0); // dK and dV add up over the query heads of a group
        dv.fill(0);
        Tensor dprobs = Tensor.reuse(spareScores, probs.precision(), probs.shape()); // (B,NH,T,T), every entry written
        int group = heads / kvHeads;
        forEachSequence(batch, time, time, b -> {
            for (int h = 0; h < heads; h++) {
                int qRow = (b * heads + h) * time, kvRow = (b * kvHeads + h / group) * time;
                DenseMatrix dyBh = rows(dy, qRow, time, valueSize), vBg = rows(v, kvRow, time, valueSize);
                DenseMatrix pBh = rows(probs, qRow, time, time), dpBh = rows(dprobs, qRow, time, time);
                MatMul.gemm(1, dyBh, vBg.transpose(), 0, dpBh);                         // dP = dY Vᵀ   (T,T)
                timesProbabilities(causal, 1, pBh.transpose(), false, dyBh, 1, rows(dv, kvRow, time, valueSize)); // dV += Pᵀ dY
            }
        });
        if (causal) {
            kn.causalSoftmaxBackward(dprobs, probs, dprobs, 0);       // dS, in place, reading only keys t' <= t
        } else {
            kn.softmaxBackward(dprobs, probs, dprobs);               // dS, in place
        }
        if (softcap > 0) {
            kn.softcapBackward(dprobs, dprobs, capped, softcap);      // back through the cap, in place
        }
        forEachSequence(batch, time, time, b -> {
            for (int h = 0; h < heads; h++) {
                int qRow = (b * heads + h) * time, kvRow = (b * kvHeads + h / group) * time;
                DenseMatrix dsBh = rows(dprobs, qRow, time, time);
                DenseMatrix kBg = rows(k, kvRow, time, headSize), qBh = rows(q, qRow, time, headSize);
                timesProbabilities(causal, scale, dsBh, true, kBg, 0, rows(dq, qRow, time, headSize));               // dQ = s·dS K
                timesProbabilities(causal, scale, dsBh.transpose(), false, qBh, 1, rows(dk, kvRow, time, headSize)); // dK += s·dSᵀ Q
            }
        });
        spareScores = dprobs;
        Tensor dx = inputGradient ? this.inputGradient.take(precision, batch, time, query.inFeatures()) : null; // written in full by q's unproject
        unproject(QUERY, dq, false, dx);
        unproject(KEY, dk, true, dx);
        unproject(VALUE, dv, true, dx);
        return dx;
    }

    /** A cache for decoding {@code batch} sequences of up to {@code capacity} positions through this layer. */
    public KVCache newCache(int batch, int capacity) {
        return new KVCache(query.weight().precision(), batch, kvHeads, capacity, headSize, valueSize);
    }

    /**
     * Incremental causal forward: x (B,T,C) holds the next T positions (a prompt, or one token); their keys and
     * values are appended to the cache and they attend to everything cached. Keeps no activations for backward.
     * Equal to the corresponding rows of {@link #forward(Tensor, int[])} on the whole sequence; positions the cache marks
     * as left padding ({@link KVCache#startAt}) are not attended to.
     */
    public Tensor decode(Tensor x, KVCache cache) {
        if (!causal) {
            throw new IllegalStateException(name + ": a KV cache only makes sense for causal attention");
        }
        int batch = checkInput(x), time = x.dim(1), past = cache.length();
        if (cache.store() != null) { // another layout of the cache (CSKV's compressed branches) runs the attention itself
            if (cache.batch() != batch || past + time > cache.capacity()) {
                throw new IllegalArgumentException(name + ": " + past + " cached + " + time + " new positions of batch " + batch
                        + " do not fit the cache (batch " + cache.batch() + ", capacity " + cache.capacity() + ")");
            }
            q = k = v = probs = capped = null;
            Tensor y = cache.store().attend(this, x, past);
            cache.advance(time);
            return output.forward(y);
        }
        if (cache.batch() != batch || cache.keys.dim(1) != kvHeads || cache.keys.dim(3) != headSize || cache.values.dim(3) != valueSize) {
            throw new IllegalArgumentException(name + ": cache " + cache.keys.shapeString() + " does not fit input " + x.shapeString());
        }
        if (past + time > cache.capacity()) {
            throw new IllegalArgumentException(name + ": " + past + " cached + " + time + " new positions exceed the cache capacity " + cache.capacity());
        }
        q = k = v = probs = capped = null;
        Kernels kn = Kernels.of(x);
        Tensor qNow = Tensor.zeros(x.precision(), batch, heads, time, headSize);
        projectInto(qNow, QUERY, x, 0, past);
        projectInto(cache.keys, KEY, x, past, past);
        projectInto(cache.values, VALUE, x, past, past);
        Tensor p = Tensor.zeros(x.precision(), batch, heads, time, past + time);
        Tensor y = attend(qNow, cache.keys, cache.values, past + time, p, null, cache.keyMask(past + time), past, kn);
        cache.advance(time);
        return output.forward(y);
    }

    private int checkInput(Tensor x) {
        if (x.rank() != 3 || x.dim(2) != query.inFeatures() || x.dim(1) < 1) {
            throw new IllegalArgumentException(name + ": input must be (B, T, " + query.inFeatures() + "), got " + x.shapeString());
        }
        return x.dim(0);
    }

    private static final int QUERY = 0, KEY = 1, VALUE = 2;

    private Linear projection(int which) {
        return which == QUERY ? query : which == KEY ? key : value;
    }

    private RMSNorm headNorm(int which) {
        return which == QUERY ? queryNorm : which == KEY ? keyNorm : null;
    }

    /** Token-major q or k (B, T, H·D) seen as one row per head, (B, T·H, D): what a per-head norm runs over. */
    private Tensor headRows(Tensor tokens) {
        return tokens.reshape(tokens.dim(0), tokens.dim(1) * (tokens.dim(2) / headSize), headSize);
    }

    /** The q, k or v projection of x, RoPE'd for q and k (positions 0..T-1), head-major (B,H,T,D) in {@code old} if it fits. */
    private Tensor project(Tensor old, int which, Tensor x, int headCount, int size) {
        Tensor out = Tensor.reuse(old, x.precision(), x.dim(0), headCount, x.dim(1), size);
        projectInto(out, which, x, 0, 0);
        return out;
    }

    /**
     * Writes the q, k or v projection of x (B,T,H·D), RoPE'd for positions [position, position+T) for q and k, into slots
     * [t0, t0+T) of the head-major {@code target} (B,H,S,D).
     */
    private void projectInto(Tensor target, int which, Tensor x, int t0, int position) {
        Linear proj = projection(which);
        Tensor tokens = projected[which] = Tensor.reuse(projected[which], x.precision(), x.dim(0), x.dim(1), proj.outFeatures());
        proj.forwardInto(tokens, x);
        RMSNorm norm = headNorm(which);
        if (norm != null) { // the norm keeps its input for the backward
            tokens = wholeNorms ? norm.forward(tokens) : norm.forward(headRows(tokens)).reshape(tokens.shape());
        }
        if (which != VALUE && rope != null) {
            rope.apply(tokens, position, false);
        }
        Kernels.of(x).splitHeads(target, tokens, t0);
    }

    /**
     * Back through the split, RoPE (q and k) and the projection: head-major gradient (B,H,T,D) written or added into dx
     * (B,T,C), or, when dx is null, only into the projection's parameter gradients.
     */
    private void unproject(int which, Tensor headGrad, boolean accumulate, Tensor dx) {
        Linear proj = projection(which);
        Tensor tokens = unprojected[which] = Tensor.reuse(unprojected[which], headGrad.precision(), headGrad.dim(0), headGrad.dim(2),
                proj.outFeatures());
        Kernels.of(headGrad).mergeHeads(tokens, headGrad, 0);
        if (which != VALUE && rope != null) {
            rope.apply(tokens, 0, true);
        }
        RMSNorm norm = headNorm(which);
        if (norm != null) {
            tokens = wholeNorms ? norm.backward(tokens) : norm.backward(headRows(tokens)).reshape(tokens.shape());
        }
        if (dx == null) {
            proj.backwardParameters(tokens);
        } else {
            proj.backwardInto(dx, tokens, accumulate);
        }
    }

    /**
     * softmax(s·Q Kᵀ + mask) V for every (b, h), with the first {@code keys} slots of the head-major key/value
     * stores (the scores soft-capped first when this attention caps them, and copied into {@code keepCapped} unless it is
     * null); fills {@code p} (B,NH,T,keys) and returns the token-major result (B,T,NH·D).
     */
    private Tensor attend(Tensor qh, Tensor keyStore, Tensor valueStore, int keys, Tensor p, Tensor keepCapped, int[] keyMask, int past,
            Kernels kn) {
        int batch = qh.dim(0), time = qh.dim(2), slots = keyStore.dim(2), group = heads / kvHeads;
        forEachSequence(batch, time, keys, b -> {
            for (int h = 0; h < heads; h++) {
                int qRow = (b * heads + h) * time, kvRow = (b * kvHeads + h / group) * slots;
                MatMul.gemm(scale, rows(qh, qRow, time, headSize), rows(keyStore, kvRow, keys, headSize).transpose(), 0,
                        rows(p, qRow, time, keys)); // S = s·Q Kᵀ (T, keys)
            }
        });
        if (softcap > 0) {
            kn.softcap(p, softcap);
            if (keepCapped != null) {
                keepCapped.copyFrom(p);
            }
        }
        kn.attentionSoftmax(p, keyMask, causal, past, window);
        Tensor y = mixed = Tensor.reuse(mixed, qh.precision(), batch, heads, time, valueSize); // (B,NH,T,Dvo), written per head
        boolean triangular = causal && past == 0 && keys == time; // P is zero above its diagonal
        forEachSequence(batch, time, keys, b -> {
            for (int h = 0; h < heads; h++) {
                int qRow = (b * heads + h) * time, kvRow = (b * kvHeads + h / group) * slots;
                timesProbabilities(triangular, 1, rows(p, qRow, time, keys), true, rows(valueStore, kvRow, keys, valueSize), 0,
                        rows(y, qRow, time, valueSize)); // Y = P V
            }
        });
        mixedTokens = Tensor.reuse(mixedTokens, qh.precision(), batch, time, heads * valueSize);
        kn.mergeHeads(mixedTokens, y, 0);
        return mixedTokens;
    }

    /**
     * Runs {@code body} for every sequence b of the batch: in parallel on the common pool when the per-head products are
     * small enough that BLAS runs each on one thread (OpenBLAS threads a product only above about 2.6e5 multiply-adds),
     * else one after the other so that BLAS threads each product. Sequences touch disjoint rows of every tensor here
     * (a key/value head belongs to one sequence), so the split does not change any result.
     */
    private void forEachSequence(int batch, int time, int keys, java.util.function.IntConsumer body) {
        long perHead = (long) time * keys * headSize;
        if (batch > 1 && perHead < SMALL_PRODUCT && (long) batch * heads * perHead >= SMALL_PRODUCT) {
            java.util.stream.IntStream.range(0, batch).parallel().forEach(body);
        } else {
            for (int b = 0; b < batch; b++) {
                body.accept(b);
            }
        }
    }

    private static final long SMALL_PRODUCT = 1L << 18;

    /**
     * {@code c = alpha·a·b + beta·c} where {@code a} is (a view of) the probabilities or their gradient: when
     * {@code triangular} (causal attention over a square block, zero above the diagonal) only the triangle named by
     * {@code lower} is read, as seen through any transpose, for about half the work; otherwise a plain product.
     */
    private static void timesProbabilities(boolean triangular, double alpha, DenseMatrix a, boolean lower, DenseMatrix b, double beta,
            DenseMatrix c) {
        if (triangular) {
            MatMul.triangularGemm(alpha, a, lower, b, beta, c);
        } else {
            MatMul.gemm(alpha, a, b, beta, c);
        }
    }

    /** Rows [first, first + count) of a tensor seen as a matrix with {@code cols} columns, as a view. */
    private static DenseMatrix rows(Tensor t, int first, int count, int cols) {
        return t.matrix(t.size() / cols, cols).rowRange(first, first + count);
    }

    public Linear query() {
        return query;
    }

    public Linear key() {
        return key;
    }

    public Linear value() {
        return value;
    }

    public Linear output() {
        return output;
    }

    public int heads() {
        return heads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    /** The query/key head size Dqk. */
    public int headSize() {
        return headSize;
    }

    /** The value/output head size Dvo (equal to {@link #headSize} unless heads were narrowed). */
    public int valueSize() {
        return valueSize;
    }

    /** The score scale (1/√Dqk unless given). */
    public double scale() {
        return scale;
    }

    /** The rotary tables, or null. */
    public RotaryEmbedding rope() {
        return rope;
    }

    public boolean causal() {
        return causal;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Linear l : List.of(query, key, value, output)) {
            out.addAll(l.parameters());
        }
        if (queryNorm != null) {
            out.add(queryNorm.weight());
            out.add(keyNorm.weight());
        }
        return out;
    }
}
