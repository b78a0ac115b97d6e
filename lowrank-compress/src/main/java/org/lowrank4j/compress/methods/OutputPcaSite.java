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
    private final double[] outputMean; // W μ_x for the centred variant, or null

    public OutputPcaSite(DoubleMatrix weight, GramRoot root) {
        this(weight, root, null);
    }

    /**
     * The centred variant: {@code root} is a root of the centred Gram {@code G − N μ μᵀ} and {@code outputMean} is
     * {@code W μ}; each factor pair then carries the bias shift {@code (I − U_r U_rᵀ) W μ}, which reconstructs
     * {@code ŷ = U_r U_rᵀ (y − μ_y) + μ_y}. Truncation to rank r then costs the covariance tail
     * {@code Σ_t ‖y_t − ŷ_t‖² = Σ_{i>r} σ_i²}.
     */
    public OutputPcaSite(DoubleMatrix weight, GramRoot root, double[] outputMean) {
        this.weight = weight;
        this.svd = new ExactSvd().decompose(root.timesRoot(weight));
        if (outputMean != null && outputMean.length != weight.rows()) {
            throw new IllegalArgumentException("output mean has " + outputMean.length + " values for " + weight.rows() + " outputs");
        }
        this.outputMean = outputMean == null ? null : outputMean.clone();
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
        if (outputMean == null) {
            return new LowRank(a, b);
        }
        int m = outputMean.length;
        DoubleMatrix mu = DoubleMatrix.wrap(outputMean.clone(), m, 1);
        DoubleMatrix kept = Linalg.multiply(a, Linalg.multiply(a.transpose(), mu)); // U_r U_rᵀ W μ
        double[] shift = new double[m];
        for (int i = 0; i < m; i++) {
            shift[i] = outputMean[i] - kept.get(i, 0);
        }
        return new LowRank(a, b, shift);
    }
}
