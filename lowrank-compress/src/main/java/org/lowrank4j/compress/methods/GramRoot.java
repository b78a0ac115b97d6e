package org.lowrank4j.compress.methods;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;
import org.lowrank4j.linalg.decomposition.TriangularSolve;

/**
 * A square root R (n×n) of a Gram matrix G = Σ x xᵀ, {@code R Rᵀ = G}, and the solves the whitening methods need
 * (spec {@code shared/methods/c04-svd-llm.md}, c01 "weighted SVD template"). Two routes:
 * <ul>
 *   <li>CHOLESKY (SVD-LLM V1): R = L, lower triangular; when G is not numerically positive definite an optional
 *       relative jitter {@code ε·mean(diag G)} is added once (the SVD-LLM code's fallback, made relative so it means
 *       the same for summed and averaged Grams);</li>
 *   <li>EIGEN (SVD-LLM V2): {@code G = U S Uᵀ}, {@code R = U S^{1/2}}; eigenvalues at or below
 *       {@code floor·λ_max} count as zero and R⁻¹ becomes the pseudo-inverse {@code S^{+1/2} Uᵀ}.</li>
 * </ul>
 * {@link #of} tries Cholesky, then the jitter, then falls back to the eigen route, like the whitened method's AUTO
 * route. Everything is float64; R⁻¹ is never formed on the Cholesky route (triangular solves instead).
 */
public final class GramRoot {
    /** Which square root was taken. */
    public enum Route { CHOLESKY, EIGEN }

    private final Route route;
    private final DoubleMatrix root;              // R (n×n): L on the Cholesky route, U S^{1/2} on the eigen route
    private final DoubleMatrix pseudoInverseRootT; // (R⁺)ᵀ = U S^{+1/2} (n×n), eigen route only
    private final double jitter;

    private GramRoot(Route route, DoubleMatrix root, DoubleMatrix pseudoInverseRootT, double jitter) {
        this.route = route;
        this.root = root;
        this.pseudoInverseRootT = pseudoInverseRootT;
        this.jitter = jitter;
    }

    /**
     * Cholesky when G is positive definite (after at most one relative jitter when {@code relativeJitter > 0}),
     * otherwise the eigen route with the given relative floor.
     */
    public static GramRoot of(DoubleMatrix g, double relativeJitter, double relativeFloor) {
        DoubleMatrix s = symmetric(g);
        DoubleMatrix l = Linalg.backend().choleskyLower(s);
        if (l != null) {
            return new GramRoot(Route.CHOLESKY, l, null, 0);
        }
        if (relativeJitter > 0) {
            int n = s.rows();
            double meanDiag = 0;
            for (int i = 0; i < n; i++) {
                meanDiag += s.get(i, i) / n;
            }
            if (meanDiag > 0) {
                double added = relativeJitter * meanDiag;
                DoubleMatrix shifted = s.copy();
                for (int i = 0; i < n; i++) {
                    shifted.set(i, i, shifted.get(i, i) + added);
                }
                l = Linalg.backend().choleskyLower(shifted);
                if (l != null) {
                    return new GramRoot(Route.CHOLESKY, l, null, added);
                }
            }
        }
        return eigen(s, relativeFloor);
    }

    /** The eigen route: R = U S^{1/2}, pseudo-inverse on eigenvalues at or below {@code relativeFloor·λ_max}. */
    public static GramRoot eigen(DoubleMatrix g, double relativeFloor) {
        EigenResult e = new SymmetricEigen().decompose(symmetric(g));
        int n = g.rows();
        double cutoff = relativeFloor * Math.max(0, e.values()[0]);
        DoubleMatrix root = e.vectors().copy(), inverseT = e.vectors().copy();
        for (int j = 0; j < n; j++) {
            double lambda = e.values()[j];
            boolean kept = lambda > cutoff && lambda > 0;
            double sqrt = kept ? Math.sqrt(lambda) : 0;
            for (int i = 0; i < n; i++) {
                root.set(i, j, root.get(i, j) * sqrt);
                inverseT.set(i, j, kept ? inverseT.get(i, j) / sqrt : 0);
            }
        }
        return new GramRoot(Route.EIGEN, root, inverseT, 0);
    }

    public Route route() {
        return route;
    }

    /** The absolute jitter added to the diagonal before Cholesky (0 when none was needed). */
    public double jitter() {
        return jitter;
    }

    /** R (n×n, live view; do not modify). */
    public DoubleMatrix root() {
        return root;
    }

    /** W·R for W m×n. */
    public DoubleMatrix timesRoot(DoubleMatrix w) {
        return Linalg.multiply(w, root);
    }

    /** C·R⁻¹ (pseudo-inverse on the eigen route) for C k×n. */
    public DoubleMatrix divideByRoot(DoubleMatrix c) {
        if (route == Route.CHOLESKY) {
            return new TriangularSolve().rightLower(root, c);
        }
        return Linalg.multiply(c, pseudoInverseRootT.transpose());
    }

    /** C·R⁻ᵀ (pseudo-inverse on the eigen route) for C k×n. */
    public DoubleMatrix divideByRootTransposed(DoubleMatrix c) {
        if (route == Route.CHOLESKY) {
            // X Lᵀ = C  ⇔  L Xᵀ = Cᵀ
            return new TriangularSolve().lower(root, c.transpose()).transpose().copy();
        }
        return Linalg.multiply(c, pseudoInverseRootT);
    }

    /** Exactly symmetric copy (accumulated Grams can differ in the last bit across the diagonal). */
    public static DoubleMatrix symmetric(DoubleMatrix g) {
        int n = g.rows();
        DoubleMatrix s = DoubleMatrix.zeros(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s.set(i, j, 0.5 * (g.get(i, j) + g.get(j, i)));
            }
        }
        return s;
    }
}
