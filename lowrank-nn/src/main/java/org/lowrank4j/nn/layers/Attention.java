package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Multi-head scaled dot-product attention with its four projections: bidirectional with a key padding mask (BERT)
 * or causal (GPT-2, LLaMA), optional RoPE on queries and keys, grouped-query heads ({@code kvHeads} divides
 * {@code heads}; query head h reads key/value head {@code h / (heads / kvHeads)}, as Hugging Face's
 * {@code repeat_kv}), and incremental decoding through a {@link KVCache}.
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
    // activations of the latest training forward
    private Tensor q;     // (B,NH,T,Dqk), after RoPE
    private Tensor k;     // (B,NKV,T,Dqk), after RoPE
    private Tensor v;     // (B,NKV,T,Dvo)
    private Tensor probs; // (B,NH,T,T)
    private Tensor spareScores; // the latest backward's dS (B,NH,T,T), its buffer reused by the next backward of that shape

    public Attention(String name, Linear query, Linear key, Linear value, Linear output, int heads, int kvHeads,
            boolean causal, RotaryEmbedding rope) {
        this(name, query, key, value, output, heads, kvHeads, causal, rope, 0, true);
    }

    /**
     * Attention whose query/key head size {@code Dqk = query.out / heads} may differ from the value/output head size
     * {@code Dvo = value.out / kvHeads}, with scores scaled by {@code scale} (the original model's 1/√D when heads were
     * narrowed).
     */
    public Attention(String name, Linear query, Linear key, Linear value, Linear output, int heads, int kvHeads,
            boolean causal, RotaryEmbedding rope, double scale) {
        this(name, query, key, value, output, heads, kvHeads, causal, rope, scale, false);
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException(name + ": score scale must be positive and finite, got " + scale);
        }
    }

    private Attention(String name, Linear query, Linear key, Linear value, Linear output, int heads, int kvHeads,
            boolean causal, RotaryEmbedding rope, double scale, boolean equalHeads) {
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
        q = project(query, x, heads, headSize, true);
        k = project(key, x, kvHeads, headSize, true);
        v = project(value, x, kvHeads, valueSize, false);
        probs = reuseOrZeros(probs, x.precision(), batch, heads, time, time); // every entry is written before it is read
        Tensor y = attend(q, k, v, time, probs, attentionMask, 0, kn); // (B,T,NH·D)
        return output.forward(y);
    }

    /** dout (B,T,C) -> dx (B,T,C); adds into the gradients of the four projections. */
    public Tensor backward(Tensor dout) {
        if (probs == null) {
            throw new IllegalStateException(name + ": backward needs a preceding forward(x, mask) (cached decoding keeps no activations)");
        }
        int batch = q.dim(0), time = q.dim(2);
        Kernels kn = Kernels.of(dout);
        Tensor dyTokens = output.backward(dout);                     // (B,T,NH·D)
        Tensor dy = Tensor.zeros(dout.precision(), batch, heads, time, valueSize); // (B,NH,T,Dvo)
        kn.splitHeads(dy, dyTokens, 0);
        Tensor dq = q.zerosLike(), dk = k.zerosLike(), dv = v.zerosLike();
        Tensor dprobs = reuseOrZeros(spareScores, probs.precision(), probs.shape()); // (B,NH,T,T), every entry written
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
        Tensor dx = unproject(query, dq, heads, headSize, true);
        kn.addInPlace(dx, unproject(key, dk, kvHeads, headSize, true));
        kn.addInPlace(dx, unproject(value, dv, kvHeads, valueSize, false));
        return dx;
    }

    /**
     * {@code old} when it has this precision and shape, else a new zero tensor. The (B,NH,T,T) score tensors are the
     * largest a training step allocates (8 MB a layer at B = 4, 8 heads, T = 256); taking the previous step's saves the
     * allocation, its zeroing and the collections it brings on.
     */
    private static Tensor reuseOrZeros(Tensor old, Precision precision, int... shape) {
        return old != null && old.precision() == precision && java.util.Arrays.equals(old.shape(), shape) ? old : Tensor.zeros(precision, shape);
    }

    /** A cache for decoding {@code batch} sequences of up to {@code capacity} positions through this layer. */
    public KVCache newCache(int batch, int capacity) {
        return new KVCache(query.weight().precision(), batch, kvHeads, capacity, headSize, valueSize);
    }

    /**
     * Incremental causal forward: x (B,T,C) holds the next T positions (a prompt, or one token); their keys and
     * values are appended to the cache and they attend to everything cached. Keeps no activations for backward.
     * Equal to the corresponding rows of {@link #forward(Tensor, int[])} on the whole sequence (no padding).
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
            q = k = v = probs = null;
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
        q = k = v = probs = null;
        Kernels kn = Kernels.of(x);
        Tensor qNow = Tensor.zeros(x.precision(), batch, heads, time, headSize);
        projectInto(qNow, query, x, heads, 0, past, true);
        projectInto(cache.keys, key, x, kvHeads, past, past, true);
        projectInto(cache.values, value, x, kvHeads, past, past, false);
        Tensor p = Tensor.zeros(x.precision(), batch, heads, time, past + time);
        Tensor y = attend(qNow, cache.keys, cache.values, past + time, p, null, past, kn);
        cache.advance(time);
        return output.forward(y);
    }

    private int checkInput(Tensor x) {
        if (x.rank() != 3 || x.dim(2) != query.inFeatures() || x.dim(1) < 1) {
            throw new IllegalArgumentException(name + ": input must be (B, T, " + query.inFeatures() + "), got " + x.shapeString());
        }
        return x.dim(0);
    }

    /** proj(x) (B,T,H·D), rotated if asked (positions 0..T-1), as a fresh head-major (B,H,T,D). */
    private Tensor project(Linear proj, Tensor x, int headCount, int size, boolean rotate) {
        Tensor out = Tensor.zeros(x.precision(), x.dim(0), headCount, x.dim(1), size);
        projectInto(out, proj, x, headCount, 0, 0, rotate);
        return out;
    }

    /**
     * Writes proj(x) (B,T,H·D), rotated for positions [position, position+T) if asked, into slots [t0, t0+T) of
     * the head-major {@code target} (B,H,S,D).
     */
    private void projectInto(Tensor target, Linear proj, Tensor x, int headCount, int t0, int position, boolean rotate) {
        assert target.dim(1) == headCount;
        Tensor tokens = proj.forward(x);
        if (rotate && rope != null) {
            rope.apply(tokens, position, false);
        }
        Kernels.of(x).splitHeads(target, tokens, t0);
    }

    /** Back through split, RoPE and projection: head-major gradient (B,H,T,D) -> dx (B,T,C). */
    private Tensor unproject(Linear proj, Tensor headGrad, int headCount, int size, boolean rotated) {
        Tensor tokens = Tensor.zeros(headGrad.precision(), headGrad.dim(0), headGrad.dim(2), headCount * size);
        Kernels.of(headGrad).mergeHeads(tokens, headGrad, 0);
        if (rotated && rope != null) {
            rope.apply(tokens, 0, true);
        }
        return proj.backward(tokens);
    }

    /**
     * softmax(s·Q Kᵀ + mask) V for every (b, h), with the first {@code keys} slots of the head-major key/value
     * stores; fills {@code p} (B,NH,T,keys) and returns the token-major result (B,T,NH·D).
     */
    private Tensor attend(Tensor qh, Tensor keyStore, Tensor valueStore, int keys, Tensor p, int[] keyMask, int past, Kernels kn) {
        int batch = qh.dim(0), time = qh.dim(2), slots = keyStore.dim(2), group = heads / kvHeads;
        forEachSequence(batch, time, keys, b -> {
            for (int h = 0; h < heads; h++) {
                int qRow = (b * heads + h) * time, kvRow = (b * kvHeads + h / group) * slots;
                MatMul.gemm(scale, rows(qh, qRow, time, headSize), rows(keyStore, kvRow, keys, headSize).transpose(), 0,
                        rows(p, qRow, time, keys)); // S = s·Q Kᵀ (T, keys)
            }
        });
        kn.attentionSoftmax(p, keyMask, causal, past);
        Tensor y = Tensor.zeros(qh.precision(), batch, heads, time, valueSize); // (B,NH,T,Dvo)
        boolean triangular = causal && past == 0 && keys == time; // P is zero above its diagonal
        forEachSequence(batch, time, keys, b -> {
            for (int h = 0; h < heads; h++) {
                int qRow = (b * heads + h) * time, kvRow = (b * kvHeads + h / group) * slots;
                timesProbabilities(triangular, 1, rows(p, qRow, time, keys), true, rows(valueStore, kvRow, keys, valueSize), 0,
                        rows(y, qRow, time, valueSize)); // Y = P V
            }
        });
        Tensor tokens = Tensor.zeros(qh.precision(), batch, time, heads * valueSize);
        kn.mergeHeads(tokens, y, 0);
        return tokens;
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
        return out;
    }
}
