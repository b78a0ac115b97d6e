package org.lowrank4j.nn.tensor;

import org.lowrank4j.linalg.FloatMatrix;

/**
 * Float32 inference kernels that do in one pass over memory what the layers do in several: the element-wise work
 * around the GEMMs of a post-norm encoder block (residual + bias + layer norm, bias + GELU) and the whole of
 * multi-head attention outside the projections (bias, scale, padding mask, softmax and the two per-head products,
 * reading the heads in place from the token-major projections and writing the token-major result). They keep no
 * activations: the training path ({@link Kernels} through the layers) stays what {@code backward} needs.
 *
 * <p>Plain loops over contiguous rows; rows (or (sequence, head) pairs) are split over the cores with
 * {@link RowChunks}, so results do not depend on the number of cores. Arrays are row-major; a matrix
 * "of stride s" has row n at {@code n·s}.
 */
public final class FusedKernels {
    private FusedKernels() {
    }

    /**
     * {@code out[n] = LayerNorm(y[n] + bias + residual[n])} for rows n of width c, in float32 with the statistics
     * accumulated in float64 per row; {@code out} may alias {@code y} or {@code residual}; {@code bias} and
     * {@code normBias} may be null.
     */
    public static void residualBiasLayerNorm(float[] out, float[] y, float[] bias, float[] residual, float[] weight,
            float[] normBias, int rows, int c, double eps) {
        RowChunks.run(rows, 4L * c, (from, to) -> {
            float[] v = new float[c];
            for (int n = from; n < to; n++) {
                int base = n * c;
                if (bias == null) {
                    for (int j = 0; j < c; j++) {
                        v[j] = y[base + j] + residual[base + j];
                    }
                } else {
                    for (int j = 0; j < c; j++) {
                        v[j] = (y[base + j] + bias[j]) + residual[base + j];
                    }
                }
                normalizeRow(out, base, v, weight, normBias, c, eps);
            }
        });
    }

    /** {@code out[n] = LayerNorm(x[n])} (the embedding norm); out may alias x; normBias may be null. */
    public static void layerNorm(float[] out, float[] x, float[] weight, float[] normBias, int rows, int c, double eps) {
        RowChunks.run(rows, 3L * c, (from, to) -> {
            float[] v = new float[c];
            for (int n = from; n < to; n++) {
                System.arraycopy(x, n * c, v, 0, c);
                normalizeRow(out, n * c, v, weight, normBias, c, eps);
            }
        });
    }

    /** LayerNorm of the row {@code v} into {@code out[base, base + c)}: mean and variance in float64, two passes. */
    private static void normalizeRow(float[] out, int base, float[] v, float[] weight, float[] normBias, int c, double eps) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0; // four chains: the sum is not latency-bound on one accumulator
        int j = 0;
        for (; j + 3 < c; j += 4) {
            s0 += v[j];
            s1 += v[j + 1];
            s2 += v[j + 2];
            s3 += v[j + 3];
        }
        for (; j < c; j++) {
            s0 += v[j];
        }
        double mu = (s0 + s1 + s2 + s3) / c;
        float m = (float) mu;
        double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        j = 0;
        for (; j + 3 < c; j += 4) {
            double d0 = v[j] - mu, d1 = v[j + 1] - mu, d2 = v[j + 2] - mu, d3 = v[j + 3] - mu;
            q0 += d0 * d0;
            q1 += d1 * d1;
            q2 += d2 * d2;
            q3 += d3 * d3;
        }
        for (; j < c; j++) {
            double d0 = v[j] - mu;
            q0 += d0 * d0;
        }
        float s = (float) (1 / Math.sqrt((q0 + q1 + q2 + q3) / c + eps));
        if (normBias == null) {
            for (j = 0; j < c; j++) {
                out[base + j] = (v[j] - m) * s * weight[j];
            }
        } else {
            for (j = 0; j < c; j++) {
                out[base + j] = (v[j] - m) * s * weight[j] + normBias[j];
            }
        }
    }

    /** In place on rows of width c: {@code x = gelu(x + bias)} with the erf GELU (bias may be null). */
    public static void biasGelu(float[] x, float[] bias, int rows, int c) {
        RowChunks.run(rows, 16L * c, (from, to) -> {
            for (int n = from; n < to; n++) {
                int base = n * c;
                if (bias != null) { // the row stays in cache between the two loops, each a simple one the JIT vectorises
                    for (int j = 0; j < c; j++) {
                        x[base + j] += bias[j];
                    }
                }
                FloatKernels.geluErf(x, x, base, base + c);
            }
        });
    }

    /**
     * Bidirectional multi-head attention of a batch of {@code batch} sequences of {@code time} tokens, after the
     * projections and before the output projection. Head h of token n reads its query, key and value at columns
     * {@code qOffset + h·d}, {@code kOffset + g·d}, {@code vOffset + g·d} of row n of {@code qkv} (row stride
     * {@code stride}), g = h / (heads / kvHeads), each plus its bias (null for none), and its result goes to columns
     * {@code h·d} of row n of {@code out} (row stride heads·d). A key with {@code keyMask} 0 is excluded (null: none);
     * a row with no admissible key is zero. The biases are added to {@code qkv} in place (it is a scratch buffer).
     *
     * <p>One pass adds the biases over whole rows; then per (sequence, head) the head's q, k, v rows are gathered into
     * small compact matrices (the only copy of the heads: no split/merge of whole tensors), {@code S = scale·q·kᵀ} and
     * {@code Y = P·v} go to BLAS, and mask + softmax run in one pass over each row of S in place. The two products
     * stay in BLAS because at head size 64 and T of a few dozen the JIT's scalar loops are slower than its kernels.
     */
    public static void attention(float[] out, float[] qkv, int stride, int qOffset, int kOffset, int vOffset, float[] qBias,
            float[] kBias, float[] vBias, int[] keyMask, int batch, int time, int heads, int kvHeads, int d, float scale) {
        int group = heads / kvHeads, width = heads * d;
        addBiases(qkv, stride, batch * time, qOffset, qBias, kOffset, kBias, vOffset, vBias);
        RowChunks.RowRange pairs = (from, to) -> {
            float[] q = new float[time * d], k = new float[time * d], v = new float[time * d], scores = new float[time * time];
            float[] y = new float[time * d];
            FloatMatrix qm = FloatMatrix.wrap(q, time, d), km = FloatMatrix.wrap(k, time, d), vm = FloatMatrix.wrap(v, time, d);
            FloatMatrix sm = FloatMatrix.wrap(scores, time, time), ym = FloatMatrix.wrap(y, time, d);
            float[] keep = new float[time]; // 1 for an admissible key, 0 for padding
            FloatExp.Scratch scratch = FloatExp.scratch();
            for (int pair = from; pair < to; pair++) {
                int b = pair / heads, h = pair % heads, g = h / group, row0 = b * time;
                int limit = 0; // one past the last admissible key: right padding costs no exponentials
                for (int s = 0; s < time; s++) {
                    keep[s] = keyMask == null || keyMask[row0 + s] != 0 ? 1f : 0f;
                    limit = keep[s] != 0 ? s + 1 : limit;
                }
                gatherHead(q, qkv, stride, row0, time, qOffset + h * d, d);
                gatherHead(k, qkv, stride, row0, time, kOffset + g * d, d);
                gatherHead(v, qkv, stride, row0, time, vOffset + g * d, d);
                MatMul.gemm(scale, qm, km.transpose(), 0, sm); // S = s·q kᵀ (T, T)
                maskedSoftmaxRows(scores, keep, limit, time, scratch);
                MatMul.gemm(1, sm, vm, 0, ym);                 // Y = P v (T, d)
                for (int t = 0; t < time; t++) {
                    System.arraycopy(y, t * d, out, (row0 + t) * width + h * d, d);
                }
            }
        };
        if ((long) time * time * d < BLAS_THREADED_PRODUCT) { // BLAS runs each product on one thread: split the pairs
            RowChunks.run(batch * heads, 4L * time * time * d + 1, pairs);
        } else { // BLAS threads each product itself
            pairs.run(0, batch * heads);
        }
    }

    /** About where OpenBLAS starts to thread a product (multiply-adds); below it, the pairs go to the cores instead. */
    private static final long BLAS_THREADED_PRODUCT = 1L << 18;

    /** Adds each projection's bias to its columns of every row of qkv (row stride {@code stride}), in place. */
    private static void addBiases(float[] qkv, int stride, int rows, int qOffset, float[] qBias, int kOffset, float[] kBias,
            int vOffset, float[] vBias) {
        RowChunks.run(rows, stride, (from, to) -> {
            for (int n = from; n < to; n++) {
                addBias(qkv, n * stride + qOffset, qBias);
                addBias(qkv, n * stride + kOffset, kBias);
                addBias(qkv, n * stride + vOffset, vBias);
            }
        });
    }

    private static void addBias(float[] x, int at, float[] bias) {
        if (bias != null) {
            for (int j = 0; j < bias.length; j++) {
                x[at + j] += bias[j];
            }
        }
    }

    /** Rows [row0, row0 + time) of columns [col, col + d) of qkv into dst (time, d). */
    private static void gatherHead(float[] dst, float[] qkv, int stride, int row0, int time, int col, int d) {
        for (int t = 0; t < time; t++) {
            System.arraycopy(qkv, (row0 + t) * stride + col, dst, t * d, d);
        }
    }

    /**
     * Softmax of each row of the (T, T) scores over the keys with {@code keep} 1, in place, 0 for the others; all
     * zeros when no key is kept ({@code limit} 0). Only keys below {@code limit} (one past the last kept key) are read;
     * within them the loops are branch-free: the max sees −∞ for excluded keys, the exponentials are multiplied by
     * {@code keep}.
     */
    private static void maskedSoftmaxRows(float[] scores, float[] keep, int limit, int time, FloatExp.Scratch scratch) {
        if (limit == 0) {
            java.util.Arrays.fill(scores, 0, time * time, 0f);
            return;
        }
        for (int t = 0; t < time; t++) {
            int base = t * time;
            float max = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < limit; s++) {
                max = Math.max(max, keep[s] != 0 ? scores[base + s] : Float.NEGATIVE_INFINITY);
            }
            // excluded keys may score above the max, but the clamped exponential stays finite and keep zeroes it
            FloatExp.exp(scores, scores, base, base + limit, 1f, -max, scratch);
            float sum = 0;
            for (int s = 0; s < limit; s++) {
                float e = scores[base + s] * keep[s];
                scores[base + s] = e;
                sum += e;
            }
            float inv = 1 / sum;
            for (int s = 0; s < limit; s++) {
                scores[base + s] *= inv;
            }
            java.util.Arrays.fill(scores, base + limit, base + time, 0f);
        }
    }
}
