package org.lowrank4j.nn.stream;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * FlashSVD's attention (spec c14) for encoders and causal decoders (RoPE, grouped-query heads, narrowed query/key heads
 * with their own frequency groups): Q, K and V stay in rank space
 * ({@code P_q = x·B_qᵀ}, …, (N, r) each) and are expanded one head at a time — K and V of one key/value head over one
 * sequence (T, D), Q in tiles of query rows — so the token-major and head-major (N, C) copies of Q, K and V and the
 * (B, H, T, T) probabilities of the layer-by-layer forward are never stored:
 * <pre>
 *   for each sequence b, key/value head g:   K_g = rope(P_k[b]·A_k[g]ᵀ + b_k[g]),  V_g unrotated       (T, D)
 *     for each query head h of g, query tile R:
 *       S = s·rope(P_q[b, R]·A_q[h]ᵀ + b_q[h])·K_gᵀ,  softmax over the keys row R may see,  ctx[b, R, h] = S·V_g
 *   y = (ctx·B_oᵀ)·A_oᵀ + b_o
 * </pre>
 * On a CPU one query tile's row of scores (tile × T floats) is small, so each row's softmax is taken whole rather than
 * with the online (running max and sum) recurrence over key tiles that a GPU kernel needs to stay in SRAM. The context
 * (N, C) is stored: it is the input of the output projection, as in FlashSVD.
 */
public final class StreamingAttention {
    private StreamingAttention() {
    }

    /**
     * x (B, T, C) -> (B, T, C), equal to {@code attention.forward(x, keyMask)} up to rounding; keeps nothing for a
     * backward pass.
     *
     * @param keyMask (B·T) 1 for a real token and 0 for padding, or null
     * @throws IllegalArgumentException for a weight that is neither dense nor a factor pair
     */
    public static Tensor forward(Attention attention, Tensor x, int[] keyMask, Tiles tiles, TransientMemory memory) {
        if (attention.queryNorm() != null) {
            throw new IllegalArgumentException(attention.key().name() + ": the tiled forward has no per-head query/key norms (Qwen3)");
        }
        if (attention.softcap() > 0) {
            throw new IllegalArgumentException(attention.key().name() + ": the tiled forward does not soft-cap scores (Gemma 2)");
        }
        if (attention.window() > 0 && x.dim(1) > attention.window()) { // up to its window, windowed attention is causal attention
            throw new IllegalArgumentException(attention.key().name() + ": the tiled forward has no sliding-window mask; " + x.dim(1)
                    + " positions run past the window of " + attention.window());
        }
        SiteFactors q = SiteFactors.of(attention.query()), k = SiteFactors.of(attention.key()), v = SiteFactors.of(attention.value()),
                o = SiteFactors.of(attention.output());
        int batch = x.dim(0), time = x.dim(1), channels = x.dim(2), n = batch * time;
        if (keyMask != null && keyMask.length != n) {
            throw new IllegalArgumentException("attention mask of length " + keyMask.length + " for input " + x.shapeString());
        }
        int heads = attention.heads(), group = heads / attention.kvHeads(), d = attention.headSize(), dv = attention.valueSize();
        double scale = attention.scale();
        int tile = Math.min(tiles.queries(), time);
        RotaryEmbedding rope = attention.rope();

        Tensor pq = q.project(x, n, memory), pk = k.project(x, n, memory), pv = v.project(x, n, memory);
        Tensor ctx = memory.take(n, heads * dv);
        Tensor kh = memory.take(time, d), vh = memory.take(time, dv), qt = memory.take(tile, d), scores = memory.take(tile, time);
        DenseMatrix ctxm = ctx.matrix();
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < attention.kvHeads(); g++) {
                k.expand(pk.matrix(n, k.rank()).rowRange(b * time, (b + 1) * time), g * d, (g + 1) * d, kh.matrix(), true);
                if (rope != null) {
                    rope.applyToHead(kh.reshape(1, time, d), 0, g / (attention.kvHeads() / rope.groups()));
                }
                v.expand(pv.matrix(n, v.rank()).rowRange(b * time, (b + 1) * time), g * dv, (g + 1) * dv, vh.matrix(), true);
                for (int h = g * group; h < (g + 1) * group; h++) {
                    for (int t0 = 0; t0 < time; t0 += tile) {
                        int rows = Math.min(tile, time - t0), keys = attention.causal() ? t0 + rows : time;
                        Tensor qTile = rows == tile ? qt : memory.take(rows, d);
                        DenseMatrix qRows = qTile.matrix();
                        q.expand(pq.matrix(n, q.rank()).rowRange(b * time + t0, b * time + t0 + rows), h * d, (h + 1) * d, qRows, true);
                        if (rope != null) {
                            rope.applyToHead(qTile.reshape(1, rows, d), t0, h / (heads / rope.groups()));
                        }
                        DenseMatrix s = scores.matrix().rowRange(0, rows).colRange(0, keys);
                        MatMul.gemm(scale, qRows, kh.matrix().rowRange(0, keys).transpose(), 0, s);
                        softmaxRows(((FloatTensor) scores).data(), time, rows, keys, t0, attention.causal(), keyMask, b * time);
                        MatMul.gemm(1, s, vh.matrix().rowRange(0, keys), 0, ctxm.rowRange(b * time + t0, b * time + t0 + rows).colRange(h * dv, (h + 1) * dv));
                        if (qTile != qt) {
                            memory.give(qTile);
                        }
                    }
                }
            }
        }
        memory.give(kh, vh, qt, scores);
        q.release(pq, memory);
        k.release(pk, memory);
        v.release(pv, memory);
        Tensor po = o.project(ctx, n, memory);
        Tensor y = Tensor.zeros(x.precision(), batch, time, channels);
        o.expand(po.matrix(n, o.rank()), 0, channels, y.matrix(n, channels), true);
        o.release(po, memory);
        memory.give(ctx);
        return y;
    }

    /**
     * Softmax in place over the first {@code keys} entries of each of {@code rows} score rows (stride {@code stride}); row i
     * is query position t0 + i; causal rows see keys up to their own position, padded keys (mask 0) are left out, and a
     * row that sees no key becomes zeros rather than NaN.
     */
    static void softmaxRows(float[] s, int stride, int rows, int keys, int t0, boolean causal, int[] keyMask, int maskOffset) {
        for (int i = 0; i < rows; i++) {
            int base = i * stride, limit = causal ? Math.min(keys, t0 + i + 1) : keys;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < limit; j++) {
                if (keyMask == null || keyMask[maskOffset + j] != 0) {
                    max = Math.max(max, s[base + j]);
                }
            }
            double sum = 0;
            for (int j = 0; j < keys; j++) {
                boolean seen = j < limit && (keyMask == null || keyMask[maskOffset + j] != 0);
                double e = seen ? Math.exp(s[base + j] - max) : 0;
                s[base + j] = (float) e;
                sum += e;
            }
            double inv = sum > 0 ? 1 / sum : 0;
            for (int j = 0; j < keys; j++) {
                s[base + j] = (float) (s[base + j] * inv);
            }
        }
    }
}
