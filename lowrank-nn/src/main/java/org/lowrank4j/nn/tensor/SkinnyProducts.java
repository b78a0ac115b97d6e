package org.lowrank4j.nn.tensor;

import java.util.stream.IntStream;

/**
 * Products where one side has only a few columns (a LoRA branch's rank r): {@code (N, wide)·(wide, r)},
 * {@code (N, r)·(r, wide)} and {@code (N, r)ᵀ·(N, wide)}, in plain Java loops on the tensors' own arrays. BLAS would
 * first copy the (N, wide) operand into native memory (and, when it accumulates, copy the result there and back),
 * which at r ≤ 64 costs more than the N·r·wide multiply-adds themselves. Every tensor is compact row-major, seen as a
 * matrix whose columns are its last axis; all of them have one precision.
 *
 * <p>The loops run over rows of the wide operand, in one chunk per core when large enough ({@link RowChunks}); the
 * sums over N ({@link #addTransposedTimes}) add fixed blocks of rows in a fixed order, so no result depends on the
 * number of cores.
 */
public final class SkinnyProducts {
    /** The largest rank these loops are used for; wider products go to BLAS. */
    public static final int MAX_RANK = 64;
    private static final int BLOCK = 128; // rows per partial sum of addTransposedTimes

    private SkinnyProducts() {
    }

    /** Whether {@code rank} columns are narrow enough for these loops. */
    public static boolean fits(int rank) {
        return rank >= 1 && rank <= MAX_RANK;
    }

    /** {@code h(N,r) = s·x(N,in)·a(r,in)ᵀ} (h is overwritten). */
    public static void timesTransposed(Tensor h, double s, Tensor x, Tensor a) {
        int r = a.dim(0), in = a.size() / r, n = x.size() / in;
        check(h.size() == n * r && x.size() == n * in, h, x, a);
        if (h instanceof FloatTensor fh) {
            float[] ho = fh.data(), xs = ((FloatTensor) x).data(), as = ((FloatTensor) a).data();
            float sf = (float) s;
            RowChunks.run(n, (long) in * r, (from, to) -> dotsFloat(ho, xs, as, from, to, in, r, sf));
        } else {
            double[] ho = ((DoubleTensor) h).data(), xs = ((DoubleTensor) x).data(), as = ((DoubleTensor) a).data();
            RowChunks.run(n, (long) in * r, (from, to) -> dotsDouble(ho, xs, as, from, to, in, r, s));
        }
    }

    /** {@code g(N,r) = s·dy(N,out)·b(out,r)} (g is overwritten). */
    public static void times(Tensor g, double s, Tensor dy, Tensor b) {
        int r = b.dim(b.rank() - 1), out = b.size() / r;
        timesTransposed(g, s, dy, transpose(b, out, r));
    }

    /** {@code y(N,out) += s·h(N,r)·b(out,r)ᵀ}. */
    public static void addTimesTransposed(Tensor y, double s, Tensor h, Tensor b) {
        int r = b.dim(b.rank() - 1), out = b.size() / r;
        addTimes(y, s, h, transpose(b, out, r));
    }

    /** {@code y(N,wide) += s·g(N,r)·a(r,wide)}. */
    public static void addTimes(Tensor y, double s, Tensor g, Tensor a) {
        int r = a.dim(0), wide = a.size() / r, n = g.size() / r;
        check(y.size() == n * wide && g.size() == n * r, y, g, a);
        if (y instanceof FloatTensor fy) {
            float[] ys = fy.data(), gs = ((FloatTensor) g).data(), as = ((FloatTensor) a).data();
            float sf = (float) s;
            RowChunks.run(n, (long) wide * r, (from, to) -> axpysFloat(ys, gs, as, from, to, wide, r, sf));
        } else {
            double[] ys = ((DoubleTensor) y).data(), gs = ((DoubleTensor) g).data(), as = ((DoubleTensor) a).data();
            RowChunks.run(n, (long) wide * r, (from, to) -> axpysDouble(ys, gs, as, from, to, wide, r, s));
        }
    }

    /** {@code w(r,wide) += s·u(N,r)ᵀ·v(N,wide)}: a weight gradient whose rows are the narrow side. */
    public static void addTransposedTimes(Tensor w, double s, Tensor u, Tensor v) {
        int r = w.dim(0), wide = w.size() / r, n = u.size() / r;
        check(v.size() == n * wide && u.size() == n * r, w, u, v);
        int blocks = Math.max(1, (n + BLOCK - 1) / BLOCK);
        if (w instanceof FloatTensor fw) {
            float[] ws = fw.data(), us = ((FloatTensor) u).data(), vs = ((FloatTensor) v).data();
            float[][] partial = new float[blocks][];
            eachBlock(blocks, n, wide, r, b -> {
                float[] p = new float[r * wide];
                outerFloat(p, us, vs, b * BLOCK, Math.min(n, (b + 1) * BLOCK), wide, r);
                partial[b] = p;
            });
            for (float[] p : partial) {
                for (int i = 0; i < ws.length; i++) {
                    ws[i] += (float) s * p[i];
                }
            }
        } else {
            double[] ws = ((DoubleTensor) w).data(), us = ((DoubleTensor) u).data(), vs = ((DoubleTensor) v).data();
            double[][] partial = new double[blocks][];
            eachBlock(blocks, n, wide, r, b -> {
                double[] p = new double[r * wide];
                outerDouble(p, us, vs, b * BLOCK, Math.min(n, (b + 1) * BLOCK), wide, r);
                partial[b] = p;
            });
            for (double[] p : partial) {
                for (int i = 0; i < ws.length; i++) {
                    ws[i] += s * p[i];
                }
            }
        }
    }

    /** {@code w(wide,r) += s·v(N,wide)ᵀ·u(N,r)}: a weight gradient whose columns are the narrow side. */
    public static void addTransposedTimesInto(Tensor w, double s, Tensor v, Tensor u) {
        int r = w.dim(w.rank() - 1), wide = w.size() / r;
        Tensor t = Tensor.zeros(w.precision(), r, wide);
        addTransposedTimes(t, s, u, v);
        addTransposed(w, t, r, wide);
    }

    // ---- loops ----------------------------------------------------------------------------------------------

    private static void eachBlock(int blocks, int n, int wide, int r, java.util.function.IntConsumer body) {
        if (blocks > 1 && (long) n * wide * r >= (1 << 16)) {
            IntStream.range(0, blocks).parallel().forEach(body);
        } else {
            for (int b = 0; b < blocks; b++) {
                body.accept(b);
            }
        }
    }

    /** h[i,k] = s·Σ_j x[i,j]·a[k,j] for rows [from, to), four k at a time. */
    private static void dotsFloat(float[] h, float[] x, float[] a, int from, int to, int in, int r, float s) {
        for (int i = from; i < to; i++) {
            int xo = i * in, ho = i * r, k = 0;
            for (; k + 3 < r; k += 4) {
                int a0 = k * in, a1 = a0 + in, a2 = a1 + in, a3 = a2 + in;
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int j = 0; j < in; j++) {
                    float xv = x[xo + j];
                    s0 += xv * a[a0 + j];
                    s1 += xv * a[a1 + j];
                    s2 += xv * a[a2 + j];
                    s3 += xv * a[a3 + j];
                }
                h[ho + k] = s * s0;
                h[ho + k + 1] = s * s1;
                h[ho + k + 2] = s * s2;
                h[ho + k + 3] = s * s3;
            }
            for (; k < r; k++) {
                int a0 = k * in;
                float s0 = 0;
                for (int j = 0; j < in; j++) {
                    s0 += x[xo + j] * a[a0 + j];
                }
                h[ho + k] = s * s0;
            }
        }
    }

    private static void dotsDouble(double[] h, double[] x, double[] a, int from, int to, int in, int r, double s) {
        for (int i = from; i < to; i++) {
            int xo = i * in, ho = i * r, k = 0;
            for (; k + 3 < r; k += 4) {
                int a0 = k * in, a1 = a0 + in, a2 = a1 + in, a3 = a2 + in;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int j = 0; j < in; j++) {
                    double xv = x[xo + j];
                    s0 += xv * a[a0 + j];
                    s1 += xv * a[a1 + j];
                    s2 += xv * a[a2 + j];
                    s3 += xv * a[a3 + j];
                }
                h[ho + k] = s * s0;
                h[ho + k + 1] = s * s1;
                h[ho + k + 2] = s * s2;
                h[ho + k + 3] = s * s3;
            }
            for (; k < r; k++) {
                int a0 = k * in;
                double s0 = 0;
                for (int j = 0; j < in; j++) {
                    s0 += x[xo + j] * a[a0 + j];
                }
                h[ho + k] = s * s0;
            }
        }
    }

    /** y[i,:] += s·Σ_k g[i,k]·a[k,:] for rows [from, to), four k per pass over the row. */
    private static void axpysFloat(float[] y, float[] g, float[] a, int from, int to, int wide, int r, float s) {
        for (int i = from; i < to; i++) {
            int yo = i * wide, go = i * r, k = 0;
            for (; k + 3 < r; k += 4) {
                float g0 = s * g[go + k], g1 = s * g[go + k + 1], g2 = s * g[go + k + 2], g3 = s * g[go + k + 3];
                int a0 = k * wide, a1 = a0 + wide, a2 = a1 + wide, a3 = a2 + wide;
                for (int j = 0; j < wide; j++) {
                    y[yo + j] += g0 * a[a0 + j] + g1 * a[a1 + j] + g2 * a[a2 + j] + g3 * a[a3 + j];
                }
            }
            for (; k < r; k++) {
                float g0 = s * g[go + k];
                int a0 = k * wide;
                for (int j = 0; j < wide; j++) {
                    y[yo + j] += g0 * a[a0 + j];
                }
            }
        }
    }

    private static void axpysDouble(double[] y, double[] g, double[] a, int from, int to, int wide, int r, double s) {
        for (int i = from; i < to; i++) {
            int yo = i * wide, go = i * r, k = 0;
            for (; k + 3 < r; k += 4) {
                double g0 = s * g[go + k], g1 = s * g[go + k + 1], g2 = s * g[go + k + 2], g3 = s * g[go + k + 3];
                int a0 = k * wide, a1 = a0 + wide, a2 = a1 + wide, a3 = a2 + wide;
                for (int j = 0; j < wide; j++) {
                    y[yo + j] += g0 * a[a0 + j] + g1 * a[a1 + j] + g2 * a[a2 + j] + g3 * a[a3 + j];
                }
            }
            for (; k < r; k++) {
                double g0 = s * g[go + k];
                int a0 = k * wide;
                for (int j = 0; j < wide; j++) {
                    y[yo + j] += g0 * a[a0 + j];
                }
            }
        }
    }

    /** p[k,:] += Σ_i u[i,k]·v[i,:] over rows [from, to), four rows per pass over p. */
    private static void outerFloat(float[] p, float[] u, float[] v, int from, int to, int wide, int r) {
        int i = from;
        for (; i + 3 < to; i += 4) {
            int v0 = i * wide, v1 = v0 + wide, v2 = v1 + wide, v3 = v2 + wide;
            for (int k = 0; k < r; k++) {
                float u0 = u[i * r + k], u1 = u[(i + 1) * r + k], u2 = u[(i + 2) * r + k], u3 = u[(i + 3) * r + k];
                int po = k * wide;
                for (int j = 0; j < wide; j++) {
                    p[po + j] += u0 * v[v0 + j] + u1 * v[v1 + j] + u2 * v[v2 + j] + u3 * v[v3 + j];
                }
            }
        }
        for (; i < to; i++) {
            int v0 = i * wide;
            for (int k = 0; k < r; k++) {
                float u0 = u[i * r + k];
                int po = k * wide;
                for (int j = 0; j < wide; j++) {
                    p[po + j] += u0 * v[v0 + j];
                }
            }
        }
    }

    private static void outerDouble(double[] p, double[] u, double[] v, int from, int to, int wide, int r) {
        int i = from;
        for (; i + 3 < to; i += 4) {
            int v0 = i * wide, v1 = v0 + wide, v2 = v1 + wide, v3 = v2 + wide;
            for (int k = 0; k < r; k++) {
                double u0 = u[i * r + k], u1 = u[(i + 1) * r + k], u2 = u[(i + 2) * r + k], u3 = u[(i + 3) * r + k];
                int po = k * wide;
                for (int j = 0; j < wide; j++) {
                    p[po + j] += u0 * v[v0 + j] + u1 * v[v1 + j] + u2 * v[v2 + j] + u3 * v[v3 + j];
                }
            }
        }
        for (; i < to; i++) {
            int v0 = i * wide;
            for (int k = 0; k < r; k++) {
                double u0 = u[i * r + k];
                int po = k * wide;
                for (int j = 0; j < wide; j++) {
                    p[po + j] += u0 * v[v0 + j];
                }
            }
        }
    }

    /** b (rows, cols) transposed into a fresh compact (cols, rows) tensor. */
    private static Tensor transpose(Tensor b, int rows, int cols) {
        Tensor t = Tensor.zeros(b.precision(), cols, rows);
        if (b instanceof FloatTensor fb) {
            float[] from = fb.data(), to = ((FloatTensor) t).data();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    to[j * rows + i] = from[i * cols + j];
                }
            }
        } else {
            double[] from = ((DoubleTensor) b).data(), to = ((DoubleTensor) t).data();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    to[j * rows + i] = from[i * cols + j];
                }
            }
        }
        return t;
    }

    /** w(wide, r) += t(r, wide)ᵀ. */
    private static void addTransposed(Tensor w, Tensor t, int r, int wide) {
        check(w.size() == r * wide, w, t, t);
        if (w instanceof FloatTensor fw) {
            float[] to = fw.data(), from = ((FloatTensor) t).data();
            for (int k = 0; k < r; k++) {
                for (int j = 0; j < wide; j++) {
                    to[j * r + k] += from[k * wide + j];
                }
            }
        } else {
            double[] to = ((DoubleTensor) w).data(), from = ((DoubleTensor) t).data();
            for (int k = 0; k < r; k++) {
                for (int j = 0; j < wide; j++) {
                    to[j * r + k] += from[k * wide + j];
                }
            }
        }
    }

    private static void check(boolean fits, Tensor a, Tensor b, Tensor c) {
        if (!fits || a.precision() != b.precision() || b.precision() != c.precision()) {
            throw new IllegalArgumentException("skinny product: shapes " + a.shapeString() + ", " + b.shapeString() + ", " + c.shapeString()
                    + " (" + a.precision() + ", " + b.precision() + ", " + c.precision() + ") do not fit");
        }
    }
}
