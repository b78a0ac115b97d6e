package org.lowrank4j.nn.tensor;

import org.lowrank4j.linalg.DenseMatrix;

/**
 * The four products of a low-rank branch that have r (the rank) as their narrow side: X·Aᵀ and dY·B (N×r results), and
 * the gradients dYᵀ·H (out×r) and Gᵀ·X (r×in). With r = 8 or 16 (LoRA's usual ranks), float32 and the Vector API on
 * 8-lane vectors, they run as {@link ThinKernels}: BLAS packs the whole of the wide operand for an r-wide result, and
 * these products are too small to pay for it. (Measured, not kept: on the LoRA bench's shapes these kernels took
 * 0.75–0.87× OpenBLAS's time on JDK 17 and 1.04–1.09× on JDK 25; results/lora-comparison/sixteenth-look.) Any other rank, precision or JVM,
 * or {@code -Dlowrank.thin=false}, takes {@link MatMul}. Either way c = alpha·(product) + beta·c, beta 0 ignoring c.
 * Tensors are seen as matrices: rows = all leading axes, columns = the last axis.
 */
public final class ThinProducts {
    private ThinProducts() {
    }

    /** True when the Vector API kernels are in use for the ranks they cover. */
    static final boolean ON = Simd.ON && !"false".equalsIgnoreCase(System.getProperty("lowrank.thin")) && ThinKernels.usable();

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    /** {@code c(N,r) = alpha·u(N,k)·w(r,k)ᵀ + beta·c}: H = X·Aᵀ. */
    public static void timesTransposed(Tensor c, Tensor u, Tensor w, double alpha, double beta) {
        int r = w.dim(0), k = w.dim(1);
        assert u.size() % k == 0 && c.size() == u.size() / k * r : u.shapeString() + " · " + w.shapeString() + "ᵀ -> " + c.shapeString();
        if (!covers(r, c, u, w)) {
            MatMul.gemm(alpha, rows(u, k), w.matrix().transpose(), beta, rows(c, r));
            return;
        }
        float[] wt = scratch(k * r), wv = data(w);
        for (int j = 0; j < r; j++) {
            for (int t = 0; t < k; t++) {
                wt[t * r + j] = wv[j * k + t];
            }
        }
        kernel(data(c), data(u), k, 1, wt, k, r, alpha, beta, u.size() / k);
    }

    /** {@code c(N,r) = alpha·u(N,k)·v(k,r) + beta·c}: G = s·dY·B. */
    public static void times(Tensor c, Tensor u, Tensor v, double alpha, double beta) {
        int k = v.dim(0), r = v.dim(1);
        assert u.size() % k == 0 && c.size() == u.size() / k * r : u.shapeString() + " · " + v.shapeString() + " -> " + c.shapeString();
        if (!covers(r, c, u, v)) {
            MatMul.gemm(alpha, rows(u, k), v.matrix(), beta, rows(c, r));
            return;
        }
        kernel(data(c), data(u), k, 1, data(v), k, r, alpha, beta, u.size() / k);
    }

    /** {@code c(m,r) = alpha·u(N,m)ᵀ·v(N,r) + beta·c}: dB += s·dYᵀ·H. */
    public static void transposedTimes(Tensor c, Tensor u, Tensor v, double alpha, double beta) {
        int m = c.dim(0), r = v.dim(v.rank() - 1), n = v.size() / r;
        assert c.hasShape(m, r) && u.size() == n * m : u.shapeString() + "ᵀ · " + v.shapeString() + " -> " + c.shapeString();
        if (!covers(r, c, u, v)) {
            MatMul.gemm(alpha, rows(u, m).transpose(), rows(v, r), beta, c.matrix());
            return;
        }
        kernel(data(c), data(u), 1, m, data(v), n, r, alpha, beta, m);
    }

    /**
     * {@code w(r,k) += alpha·g(N,r)ᵀ·x(N,k)}: dA += Gᵀ·X. The kernels form xᵀ·g (k×r) and add it transposed.
     */
    public static void addTransposedTimesWide(Tensor w, Tensor g, Tensor x, double alpha) {
        int r = w.dim(0), k = w.dim(1), n = x.size() / k;
        assert x.size() == n * k && g.size() == n * r : g.shapeString() + "ᵀ · " + x.shapeString() + " -> " + w.shapeString();
        if (!covers(r, w, g, x)) {
            MatMul.gemm(alpha, rows(g, r).transpose(), rows(x, k), 1, w.matrix());
            return;
        }
        float[] t = scratch(k * r), wv = data(w);
        kernel(t, data(x), 1, k, data(g), n, r, 1, 0, k);
        for (int j = 0; j < r; j++) {
            for (int i = 0; i < k; i++) {
                wv[j * k + i] += (float) alpha * t[i * r + j];
            }
        }
    }

    /** The kernel over output rows [0, rows), split over cores when large (each row is summed the same way). */
    private static void kernel(float[] c, float[] u, int rowStep, int step, float[] v, int k, int r, double alpha, double beta, int rows) {
        RowChunks.run(rows, (long) k * r, (from, to) -> ThinKernels.rows(c, u, rowStep, step, v, k, r, (float) alpha, (float) beta, from, to));
    }

    private static boolean covers(int r, Tensor... tensors) {
        if (!ON || r != 8 && r != 16) {
            return false;
        }
        for (Tensor t : tensors) {
            if (!(t instanceof FloatTensor)) {
                return false;
            }
        }
        return true;
    }

    private static float[] data(Tensor t) {
        return ((FloatTensor) t).data();
    }

    private static DenseMatrix rows(Tensor t, int cols) {
        return t.matrix(t.size() / cols, cols);
    }

    /** A per-thread buffer of at least {@code size} floats (its contents are overwritten by the caller). */
    private static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) {
            s = new float[size];
            SCRATCH.set(s);
        }
        return s;
    }
}
