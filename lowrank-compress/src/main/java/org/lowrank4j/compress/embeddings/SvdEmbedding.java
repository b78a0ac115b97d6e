package org.lowrank4j.compress.embeddings;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;

/**
 * The plain baseline: the best rank-r approximation of the table in Frobenius norm (every row weighs the same, looked
 * up or not), {@code E ≈ (E V_r) V_rᵀ} with V_r the top right singular vectors — taken as the top eigenvectors of the
 * d×d Gram EᵀE in float64, which is the same subspace and cheap for a tall table. No calibration is read.
 */
public final class SvdEmbedding implements EmbeddingMethod {

    @Override
    public String name() {
        return "svd";
    }

    @Override
    public String description() {
        return "truncated SVD of the table (every row weighs the same)";
    }

    @Override
    public EmbeddingFactors fit(DoubleMatrix table, long[] counts, int rank) {
        EigenResult eigen = new SymmetricEigen().decompose(Linalg.gram(table)); // d×d, eigenvalues descending
        DoubleMatrix basis = eigen.vectors().colRange(0, rank).copy();           // V_r (d×r)
        return new EmbeddingFactors(Linalg.multiply(table, basis), basis.transpose().copy(), null);
    }
}
