package org.lowrank4j.linalg;

/**
 * A (possibly truncated) singular value decomposition {@code a ≈ u · diag(s) · vt}.
 *
 * @param u  m×k, orthonormal columns (left singular vectors)
 * @param s  the k singular values, descending
 * @param vt k×n, orthonormal rows (right singular vectors)
 */
public record SvdResult(DenseMatrix u, double[] s, DenseMatrix vt) {

    public SvdResult {
        if (u.cols() != s.length || vt.rows() != s.length) {
            throw new IllegalArgumentException("SVD parts disagree: u " + u.shape() + ", " + s.length + " values, vt " + vt.shape());
        }
    }

    public int rank() {
        return s.length;
    }

    /** The leading k triplets (views, no copy). */
    public SvdResult truncate(int k) {
        if (k < 0 || k > s.length) {
            throw new IllegalArgumentException("cannot keep " + k + " of " + s.length + " singular triplets");
        }
        return new SvdResult(u.colRange(0, k), java.util.Arrays.copyOf(s, k), vt.rowRange(0, k));
    }

    /** Squared Frobenius error of keeping only the first k values: the sum of the squares of the rest. */
    public double tailEnergy(int k) {
        double sum = 0;
        for (int i = s.length - 1; i >= k; i--) {
            sum += s[i] * s[i];
        }
        return sum;
    }

    /** {@code u · diag(s) · vt} in float64. */
    public DoubleMatrix reconstruct() {
        DoubleMatrix scaledU = u.toDouble().copy();
        for (int i = 0; i < scaledU.rows(); i++) {
            for (int j = 0; j < s.length; j++) {
                scaledU.set(i, j, scaledU.get(i, j) * s[j]);
            }
        }
        return Linalg.multiply(scaledU, vt.toDouble());
    }
}
