package org.lowrank4j.algorithms.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * Truncated higher-order SVD (De Lathauwer, De Moor and Vandewalle 2000); spec ../shared/methods/18-funbat-tucker-hosvd-cpals.md:
 * <pre>
 *   U_n = leading R_n left singular vectors of X_(n)    (exact SVD, signs by the toolkit's convention)
 *   G   = X ×_0 U_0ᵀ ×_1 … ×_{N−1} U_{N−1}ᵀ
 * </pre>
 * Quasi-optimal: ‖X − X̂‖ ≤ √N · ‖X − X_best‖; with orthonormal factors ‖X − X̂‖² = ‖X‖² − ‖G‖².
 */
public final class Hosvd {
    private Hosvd() {
    }

    public static TuckerTensor decompose(DenseTensor x, int... ranks) {
        validateRanks(x, ranks);
        List<DoubleMatrix> factors = new ArrayList<>();
        for (int n = 0; n < x.order(); n++) {
            factors.add(leadingLeftVectors(x.unfold(n), ranks[n]));
        }
        return new TuckerTensor(project(x, factors), factors);
    }

    /** G = X ×_n U_nᵀ over every mode. */
    static DenseTensor project(DenseTensor x, List<DoubleMatrix> factors) {
        DenseTensor g = x;
        for (int n = 0; n < factors.size(); n++) {
            g = g.modeProduct(n, factors.get(n).transpose());
        }
        return g;
    }

    static DoubleMatrix leadingLeftVectors(DoubleMatrix unfolding, int rank) {
        return (DoubleMatrix) new ExactSvd().decompose(unfolding, rank).u().toDouble().copy();
    }

    /**
     * Ranks must be one per mode, in [1, I_n], and R_n ≤ Π_{k≠n} R_k (otherwise the core is degenerate: its mode-n
     * unfolding cannot have rank R_n).
     */
    static void validateRanks(DenseTensor x, int[] ranks) {
        if (ranks.length != x.order()) {
            throw new IllegalArgumentException("a tensor of order " + x.order() + " needs " + x.order() + " ranks, got " + Arrays.toString(ranks));
        }
        for (int n = 0; n < ranks.length; n++) {
            if (ranks[n] < 1 || ranks[n] > x.size(n)) {
                throw new IllegalArgumentException("rank " + ranks[n] + " of mode " + n + " is outside [1, " + x.size(n) + "] for a tensor of shape "
                        + Arrays.toString(x.shape()));
            }
            long others = 1;
            for (int k = 0; k < ranks.length; k++) {
                others *= k == n ? 1 : ranks[k];
            }
            if (ranks.length > 1 && ranks[n] > others) {
                throw new IllegalArgumentException("ranks " + Arrays.toString(ranks) + " give a degenerate core: mode " + n + "'s rank " + ranks[n]
                        + " is above the product of the others (" + others + ")");
            }
        }
    }
}
