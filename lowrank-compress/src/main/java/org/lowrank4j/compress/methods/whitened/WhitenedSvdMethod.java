package org.lowrank4j.compress.methods.whitened;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;
import org.lowrank4j.linalg.decomposition.TriangularSolve;

/**
 * Whitened SVD (spec c04, SVD-LLM): with R R ᵀ = G, the SVD of W·R prices every dropped singular value exactly:
 * {@code ‖(W − Ŵ) Xᵀ‖_F² = Σ_{i>r} σ_i²(W R)}, so truncation minimises the layer's output error on the
 * calibration text. R is the Cholesky factor L (V1) or U_s S_s^{1/2} from the eigen-decomposition (V2, which
 * also works when G is singular). Computed in float64.
 */
public final class WhitenedSvdMethod implements CompressionMethod {
    private final WhitenedOptions options;

    public WhitenedSvdMethod(WhitenedOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "whitened";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRAM);
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        DoubleMatrix g = stats.gram();
        if (options.route() != WhitenedOptions.Route.EIGEN) {
            DoubleMatrix l = Linalg.backend().choleskyLower(symmetric(g));
            if (l != null) {
                return choleskyRoute(weight.weight(), l);
            }
            if (options.route() == WhitenedOptions.Route.CHOLESKY) {
                throw new ArithmeticException("Gram of " + weight.name() + " (" + g.shape() + ", " + stats.tokens()
                        + " tokens) is not positive definite; use the eigen route (--whitening eigen or auto) or more calibration text");
            }
        }
        return eigenRoute(weight.weight(), g);
    }

    private static PreparedSite choleskyRoute(DoubleMatrix w, DoubleMatrix l) {
        TriangularSolve solve = new TriangularSolve();
        return new RightWeightedSvd(Linalg.multiply(w, l), c -> solve.rightLower(l, c));
    }

    private PreparedSite eigenRoute(DoubleMatrix w, DoubleMatrix g) {
        EigenResult e = new SymmetricEigen().decompose(symmetric(g));
        int n = g.rows();
        double cutoff = options.relativeFloor() * Math.max(0, e.values()[0]);
        DoubleMatrix root = e.vectors().copy(), pseudoInverseRootT = e.vectors().copy(); // R = U S^{1/2}; (R⁺)ᵀ = U S^{+1/2}
        for (int j = 0; j < n; j++) {
            double lambda = e.values()[j];
            boolean kept = lambda > cutoff && lambda > 0;
            double sqrt = kept ? Math.sqrt(lambda) : 0;
            for (int i = 0; i < n; i++) {
                root.set(i, j, root.get(i, j) * sqrt);
                pseudoInverseRootT.set(i, j, kept ? pseudoInverseRootT.get(i, j) / sqrt : 0);
            }
        }
        return new RightWeightedSvd(Linalg.multiply(w, root), c -> Linalg.multiply(c, pseudoInverseRootT.transpose()));
    }

    /** Exactly symmetric copy (accumulated Grams can differ in the last bit across the diagonal). */
    private static DoubleMatrix symmetric(DoubleMatrix g) {
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
