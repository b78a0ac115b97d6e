package org.lowrank4j.compress.methods.basis;

import java.util.function.UnaryOperator;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.Cholesky;
import org.lowrank4j.linalg.decomposition.TriangularSolve;

/**
 * A square root R of a (group) Gram G = R Rᵀ and the map C ↦ C·R⁻¹, in float64 (spec c13 step 1; our R is the
 * spec's Sᵀ). Route: plain Cholesky; if G is not numerically positive definite, Cholesky with relative jitter
 * ({@code jitter · mean diag G}, ×10 per retry, {@link Cholesky}); if that fails too, the eigen root
 * R = U S^{1/2} with a pseudo-inverse on the null space, as {@link GramRoot#eigen} takes it.
 *
 * @param root     R (n×n)
 * @param unweight maps an r×n matrix C to C·R⁻¹ (triangular solve, never an explicit inverse)
 * @param route    "cholesky", "cholesky+jitter" or "eigen", for reports
 */
record GroupWhitening(DoubleMatrix root, UnaryOperator<DoubleMatrix> unweight, String route) {

    static GroupWhitening of(DoubleMatrix gram, WhitenedOptions options, double relativeJitter, String what) {
        DoubleMatrix g = GramRoot.symmetric(gram);
        if (options.route() != WhitenedOptions.Route.EIGEN) {
            DoubleMatrix l = Linalg.backend().choleskyLower(g);
            String route = "cholesky";
            if (l == null && relativeJitter > 0) {
                l = jittered(g, relativeJitter);
                route = "cholesky+jitter";
            }
            if (l != null) {
                DoubleMatrix lower = l;
                TriangularSolve solve = new TriangularSolve();
                return new GroupWhitening(lower, c -> solve.rightLower(lower, c), route);
            }
            if (options.route() == WhitenedOptions.Route.CHOLESKY) {
                throw new ArithmeticException("Gram of " + what + " (" + g.shape() + ") is not positive definite even with relative jitter "
                        + relativeJitter + "; use the eigen or auto whitening route, or more calibration text");
            }
        }
        return eigen(g, options.relativeFloor());
    }

    private static DoubleMatrix jittered(DoubleMatrix g, double relativeJitter) {
        try {
            return new Cholesky(Linalg.backend(), relativeJitter, 8).decompose(g).lower();
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static GroupWhitening eigen(DoubleMatrix g, double relativeFloor) {
        GramRoot root = GramRoot.eigen(g, relativeFloor);
        return new GroupWhitening(root.root(), root::divideByRoot, "eigen");
    }

    /** Sum of the given Grams (n×n each), float64. */
    static DoubleMatrix sum(java.util.List<DoubleMatrix> grams) {
        int n = grams.get(0).rows();
        DoubleMatrix total = DoubleMatrix.zeros(n, n);
        double[] t = total.data();
        for (DoubleMatrix g : grams) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    t[i * n + j] += g.get(i, j);
                }
            }
        }
        return total;
    }
}
