package org.lowrank4j.compress.methods;

import org.lowrank4j.compress.LowRank;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * Output-feature PCA of a linear layer (uncentred AFM, spec c17; LoRD variant F, spec c09): project the layer's
 * outputs {@code Y = X Wᵀ} (N×m) onto their top-r principal directions U_r (m×r) and fold the projection into the
 * weight, {@code A = U_r}, {@code B = U_rᵀ W}.
 *
 * <p>The output second moment is {@code YᵀY = W G Wᵀ = (W R)(W R)ᵀ} for any root R Rᵀ = G, so U_r are the left
 * singular vectors of W·R: taking the SVD of W·R (m×n) instead of the eigen-decomposition of W G Wᵀ (m×m) avoids
 * squaring the condition number and gives the same subspace. No inverse of G is needed, so a singular Gram is
 * fine. The spectrum is σ(W R): truncation to rank r costs {@code ‖Y − Y U_r U_rᵀ‖_F² = Σ_{i>r} σ_i²}, the
 * SVD-LLM optimum (spec c04 theorem), although the factors differ from SVD-LLM's.
 */
public final class OutputPcaSite implements PreparedSite {
    private final DoubleMatrix weight; // W (m×n)
    private final SvdResult svd;       // of W·R: u m×k, k = min(m, n)

    public OutputPcaSite(DoubleMatrix weight, GramRoot root) {
        this.weight = weight;
        this.svd = new ExactSvd().decompose(root.timesRoot(weight));
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
        DoubleMatrix a = svd.u().toDouble().colRange(0, rank).copy();  // U_r (m×r)
        DoubleMatrix b = Linalg.multiply(a.transpose(), weight);      // U_rᵀ W (r×n)
        return new LowRank(a, b);
    }
}
