package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;

/**
 * Cholesky factorization {@code G + jitter·I = L Lᵀ} (LAPACK potrf) with retries: when G is not numerically
 * positive definite, a jitter of {@code initialJitter · mean(diag G)} is added and multiplied by 10 on each
 * retry, up to {@code maxRetries} times. Relative jitter means the same thing whether G is a sum or a mean.
 */
public final class Cholesky {
    private final LinalgBackend backend;
    private final double initialJitter;
    private final int maxRetries;

    /** Factor L and the absolute jitter that was added to the diagonal (0 when none was needed). */
    public record Result(DoubleMatrix lower, double jitter) {
    }

    /** Defaults: relative jitter 1e-10, up to 8 retries (largest 1e-3 · mean diag). */
    public Cholesky() {
        this(Linalg.backend(), 1e-10, 8);
    }

    public Cholesky(LinalgBackend backend, double initialJitter, int maxRetries) {
        if (!(initialJitter > 0) || maxRetries < 0) {
            throw new IllegalArgumentException("initial jitter must be > 0 and retries >= 0, got " + initialJitter + ", " + maxRetries);
        }
        this.backend = backend;
        this.initialJitter = initialJitter;
        this.maxRetries = maxRetries;
    }

    /**
     * @throws IllegalArgumentException when G is not square, symmetric and finite
     * @throws ArithmeticException      when G stays indefinite after every retry
     */
    public Result decompose(DenseMatrix g) {
        Linalg.requireSquare("Cholesky input", g);
        Linalg.requireFinite("Cholesky input", g);
        DoubleMatrix a = g.toDouble();
        SymmetricEigen.requireSymmetric(a);
        int n = a.rows();
        DoubleMatrix l = backend.choleskyLower(a);
        if (l != null) {
            return new Result(l, 0);
        }
        double meanDiag = 0;
        for (int i = 0; i < n; i++) {
            meanDiag += a.get(i, i) / n;
        }
        if (!(meanDiag > 0)) {
            throw new ArithmeticException("Cholesky: a " + g.shape() + " matrix with mean diagonal " + meanDiag + " cannot be made positive definite by jitter");
        }
        double jitter = initialJitter * meanDiag;
        for (int attempt = 0; attempt < maxRetries; attempt++, jitter *= 10) {
            DoubleMatrix shifted = a.copy();
            for (int i = 0; i < n; i++) {
                shifted.set(i, i, shifted.get(i, i) + jitter);
            }
            l = backend.choleskyLower(shifted);
            if (l != null) {
                return new Result(l, jitter);
            }
        }
        throw new ArithmeticException("Cholesky: " + g.shape() + " matrix is not positive definite even with jitter " + jitter / 10
                + " (relative " + jitter / 10 / meanDiag + "); use the eigen route (PsdMatrixFunctions) instead");
    }
}
