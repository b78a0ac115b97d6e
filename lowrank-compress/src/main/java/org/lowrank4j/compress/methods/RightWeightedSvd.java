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
        return new LowRank(left(rank), unweight.apply(right(rank)));
    }

    /**
     * The factors up to rank {@code cap} − 1 formed now (A = U Σ^{1/2}, and the unweighted Σ^{1/2} Vᵀ R⁻¹, which is
     * row by row the same map), so the decomposition and the weighting matrix R⁻¹ that {@code unweight} holds can go.
     */
    @Override
    public PreparedSite keepingRanksBelow(int cap) {
        int kept = Math.min(cap - 1, svd.rank());
        if (kept < 1) {
            return this; // no rank saves parameters here, and the matrix is tiny
        }
        return new Truncated(svd.s().clone(), left(kept), unweight.apply(right(kept)));
    }

    /** U_r Σ_r^{1/2}, m×r. */
    private DoubleMatrix left(int rank) {
        int m = svd.u().rows();
        DoubleMatrix a = DoubleMatrix.zeros(m, rank);
        for (int j = 0; j < rank; j++) {
            double root = Math.sqrt(svd.s()[j]);
            for (int i = 0; i < m; i++) {
                a.set(i, j, svd.u().get(i, j) * root);
            }
        }
        return a;
    }

    /** Σ_r^{1/2} V_rᵀ, r×n, before the unweighting. */
    private DoubleMatrix right(int rank) {
        int n = svd.vt().cols();
        DoubleMatrix c = DoubleMatrix.zeros(rank, n);
        for (int j = 0; j < rank; j++) {
            double root = Math.sqrt(svd.s()[j]);
            for (int i = 0; i < n; i++) {
                c.set(j, i, svd.vt().get(j, i) * root);
            }
        }
        return c;
    }

    /** The factors at ranks up to {@code a.cols()}, formed, and the whole spectrum. */
    private record Truncated(double[] s, DoubleMatrix a, DoubleMatrix b) implements PreparedSite {
        @Override
        public double[] spectrum() {
            return s.clone();
        }

        @Override
        public LowRank factorAt(int rank) {
            if (rank < 1) {
                throw new IllegalArgumentException("rank " + rank + " is outside [1, " + s.length + "]");
            }
            if (rank > a.cols()) {
                throw new IllegalStateException("rank " + rank + " is above " + a.cols() + ": this site kept only the ranks that save"
                        + " parameters");
            }
            return new LowRank(a.colRange(0, rank).copy(), b.rowRange(0, rank).copy());
        }
    }
}
