package org.lowrank4j.compress.methods;

import java.util.function.UnaryOperator;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * The weighted-SVD template of spec c01 with a right weight R: the best rank-r approximation of W in
 * {@code ‖(W − Ŵ) R‖_F} is {@code A = U_r Σ_r^{1/2}}, {@code B = Σ_r^{1/2} V_rᵀ R⁻¹} where {@code W R = U Σ Vᵀ}.
 * Each method supplies W·R and the map C ↦ C·R⁻¹ (a division, a triangular solve, or a pseudo-inverse).
 */
public final class RightWeightedSvd implements PreparedSite {
    private final SvdResult svd;
    private final UnaryOperator<DoubleMatrix> unweight;

    /**
     * @param weighted the m×n matrix W·R
     * @param unweight maps an r×n matrix C to C·R⁻¹
     */
    public RightWeightedSvd(DoubleMatrix weighted, UnaryOperator<DoubleMatrix> unweight) {
        this.svd = new ExactSvd().decompose(weighted);
        this.unweight = unweight;
    }

    @Override
    public double[] spectrum() {
        return svd.s().clone();
    }

    @Override
    public LowRank factorAt(int rank) {
        if (rank < 1 || rank > svd.rank()) {
            throw new IllegalArgumentException("rank " + rank + " is outside [1, " + svd.rank() + "]");
        }
        int m = svd.u().rows(), n = svd.vt().cols();
        DoubleMatrix a = DoubleMatrix.zeros(m, rank), c = DoubleMatrix.zeros(rank, n);
        for (int j = 0; j < rank; j++) {
            double root = Math.sqrt(svd.s()[j]);
            for (int i = 0; i < m; i++) {
                a.set(i, j, svd.u().get(i, j) * root);
            }
            for (int i = 0; i < n; i++) {
                c.set(j, i, svd.vt().get(j, i) * root);
            }
        }
        return new LowRank(a, unweight.apply(c));
    }
}
