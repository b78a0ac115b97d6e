package org.lowrank4j.compress.methods.whitened;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Whitened SVD (spec c04, SVD-LLM): with R R ᵀ = G, the SVD of W·R prices every dropped singular value exactly:
 * {@code ‖(W − Ŵ) Xᵀ‖_F² = Σ_{i>r} σ_i²(W R)}, so truncation minimises the layer's output error on the
 * calibration text. R is the Cholesky factor L (V1) or U_s S_s^{1/2} from the eigen-decomposition (V2, which
 * also works when G is singular), both from {@link GramRoot}. Computed in float64.
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
        GramRoot root = options.route() == WhitenedOptions.Route.EIGEN ? GramRoot.eigen(g, options.relativeFloor())
                : GramRoot.of(g, 0, options.relativeFloor());
        if (options.route() == WhitenedOptions.Route.CHOLESKY && root.route() != GramRoot.Route.CHOLESKY) {
            throw new ArithmeticException("Gram of " + weight.name() + " (" + g.shape() + ", " + stats.tokens()
                    + " tokens) is not positive definite; use the eigen route (--whitening eigen or auto) or more calibration text");
        }
        return new RightWeightedSvd(root.timesRoot(weight.weight()), root::divideByRoot);
    }
}
