package org.lowrank4j.nn.cskv;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;

/**
 * One shrunk projection W ≈ B·A of a key or value projection W (dKv × d): A (r × d) maps the attention input to the
 * r cached features, B (dKv × r) maps them back to keys or values. Row-major float64.
 */
public record CskvProjection(int rank, int in, int out, double[] a, double[] b) {

    /** ASVD's exponent on the activation scale (the paper's and the reference code's α). */
    public static final double ASVD_ALPHA = 0.5;

    public CskvProjection {
        if (rank < 1 || in < 1 || out < 1 || a.length != (long) rank * in || b.length != (long) out * rank) {
            throw new IllegalArgumentException("CSKV projection of rank " + rank + " from " + in + " to " + out + " needs A of " + rank * in
                    + " and B of " + out * rank + " values, got " + a.length + " and " + b.length);
        }
        for (double v : a) {
            requireFinite(v, "A");
        }
        for (double v : b) {
            requireFinite(v, "B");
        }
    }

    private static void requireFinite(double v, String which) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("CSKV factor " + which + " holds a non-finite value " + v);
        }
    }

    /** Rank for a density: {@code int(ρ · headSize)} per head times the key/value heads, at least one per head. */
    public static int rank(double density, int headSize, int kvHeads) {
        if (!(density > 0) || density > 1) {
            throw new IllegalArgumentException("CSKV density must be in (0, 1], got " + density);
        }
        return Math.max(1, (int) (density * headSize)) * kvHeads;
    }

    /**
     * SVD initialisation: {@code Wᵀ = U Σ Vᵀ}, A = (U_r Σ_r^½)ᵀ, B = V_r Σ_r^½, so B·A is W's best rank-r approximation.
     *
     * @param w the projection (out × in), row-major
     */
    public static CskvProjection svd(double[] w, int out, int in, int rank) {
        return asvd(w, out, in, rank, null);
    }

    /**
     * ASVD initialisation: with {@code s = (meanAbs + 1e-6)^α} per input channel, {@code diag(s) Wᵀ = U Σ Vᵀ},
     * {@code U ← diag(s)⁻¹ U}, then as {@link #svd}. A null {@code meanAbs} is plain SVD.
     */
    public static CskvProjection asvd(double[] w, int out, int in, int rank, double[] meanAbs) {
        if (w.length != (long) out * in) {
            throw new IllegalArgumentException("projection of " + w.length + " values is not " + out + " × " + in);
        }
        if (rank < 1 || rank > Math.min(out, in)) {
            throw new IllegalArgumentException("CSKV rank " + rank + " is outside [1, " + Math.min(out, in) + "] for a " + out + " × " + in + " projection");
        }
        double[] s = new double[in];
        for (int j = 0; j < in; j++) {
            if (meanAbs == null) {
                s[j] = 1;
            } else {
                if (meanAbs.length != in || !(meanAbs[j] >= 0) || !Double.isFinite(meanAbs[j])) {
                    throw new IllegalArgumentException("ASVD needs " + in + " finite non-negative channel means |x|, got " + meanAbs.length
                            + (meanAbs.length == in ? " with " + meanAbs[j] + " at channel " + j : ""));
                }
                s[j] = Math.pow(meanAbs[j] + 1e-6, ASVD_ALPHA);
            }
        }
        DoubleMatrix scaled = DoubleMatrix.zeros(in, out); // diag(s) Wᵀ
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                requireFinite(w[i * in + j], "W");
                scaled.set(j, i, s[j] * w[i * in + j]);
            }
        }
        SvdResult svd = Linalg.backend().svd(scaled);
        DenseMatrix u = svd.u(), vt = svd.vt();
        double[] a = new double[rank * in], b = new double[out * rank];
        for (int k = 0; k < rank; k++) {
            double root = Math.sqrt(svd.s()[k]);
            for (int j = 0; j < in; j++) {
                a[k * in + j] = u.get(j, k) / s[j] * root;
            }
            for (int i = 0; i < out; i++) {
                b[i * rank + k] = vt.get(k, i) * root;
            }
        }
        return new CskvProjection(rank, in, out, a, b);
    }
}
