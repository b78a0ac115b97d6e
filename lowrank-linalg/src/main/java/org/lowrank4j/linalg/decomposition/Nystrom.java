package org.lowrank4j.linalg.decomposition;

import java.util.Arrays;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;

/**
 * Nyström approximation of a positive semi-definite matrix from k landmark columns:
 * {@code K ≈ C W⁺ Cᵀ} with C = K[:, J] and W = K[J, J], returned as a factor F = C (W^{1/2})⁺ so that K ≈ F Fᵀ.
 * Landmarks come from column-pivoted QR of K (deterministic, default) or uniformly at random with a seed.
 */
public final class Nystrom {
    private final LinalgBackend backend;

    /** Landmark indices and the n×k factor F with K ≈ F·Fᵀ. */
    public record Result(int[] landmarks, DoubleMatrix factor) {
        public DoubleMatrix reconstruct() {
            return Linalg.multiply(factor, factor.transpose());
        }
    }

    public enum Landmarks { PIVOTED_QR, UNIFORM_RANDOM }

    public Nystrom() {
        this(Linalg.backend());
    }

    public Nystrom(LinalgBackend backend) {
        this.backend = backend;
    }

    public Result approximate(DenseMatrix psd, int k, Landmarks how, long seed) {
        Linalg.requireSquare("Nystrom input", psd);
        Svd.validate("Nystrom", psd, k);
        DoubleMatrix a = psd.toDouble();
        SymmetricEigen.requireSymmetric(a);
        int n = a.rows();
        int[] landmarks = how == Landmarks.PIVOTED_QR
                ? Arrays.copyOf(new Qr(backend).decomposePivoted(a).permutation(), k)
                : RandomSubset.draw(n, k, seed);
        return fromLandmarks(a, landmarks);
    }

    /** The approximation for landmarks chosen by the caller. */
    public Result fromLandmarks(DenseMatrix psd, int[] landmarks) {
        DoubleMatrix a = psd.toDouble();
        int n = a.rows(), k = landmarks.length;
        DoubleMatrix c = DoubleMatrix.zeros(n, k), w = DoubleMatrix.zeros(k, k);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                if (landmarks[j] < 0 || landmarks[j] >= n) {
                    throw new IllegalArgumentException("landmark " + landmarks[j] + " is outside [0, " + n + ")");
                }
                c.set(i, j, a.get(i, landmarks[j]));
            }
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                w.set(i, j, a.get(landmarks[i], landmarks[j]));
            }
        }
        DoubleMatrix root = new PsdMatrixFunctions(backend).inverseSqrt(w, 1e-12);
        return new Result(landmarks, (DoubleMatrix) Linalg.multiply(backend, c, root));
    }
}
