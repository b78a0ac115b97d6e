package org.lowrank4j.compress.methods.basis;

/**
 * Options of the error-constrained clustering of concatenated matrices (Shamrai, <i>Concatenated Matrix SVD:
 * Compression Bounds, Incremental Approximation, and Error-Constrained Clustering</i>, arXiv:2601.11626; spec
 * {@code shared/methods/c13-basis-sharing-concat-svd.md}, part B).
 *
 * @param algorithm    how the rank-r energy of a growing cluster is bounded: MAX_NORM (Weyl; guaranteed),
 *                     RESIDUALS (orthogonal residual singular values; guaranteed) or APPROXIMATE (incremental
 *                     truncated eigen-update; recommended by the paper, not a guaranteed bound)
 * @param eps          the largest relative rank-r error {@code ε(M) = sqrt(1 − Σ_{j≤r} σ_j²(M)/‖M‖_F²)} of a cluster
 *                     (spec default 0.1)
 * @param rankTarget   r in ε(M); 0 means "the rank one site gets at the requested ratio", the smallest rank any
 *                     cluster of those sites gets, so ε is a conservative estimate of the shared truncation
 * @param patience     after this many clusters in a row to which nothing could be added, every remaining block
 *                     becomes its own cluster (spec 10)
 * @param oversampling extra eigenpairs the APPROXIMATE algorithm keeps beyond r (spec 5)
 * @param tolerance    numerical zero for residual rows and eigenvalues of the APPROXIMATE algorithm (spec 1e-12),
 *                     applied after the blocks are scaled so the largest has Frobenius norm 1
 * @param ordering     the order candidates are tried in: NORM (smallest Frobenius norm first) or RESIDUAL (smallest
 *                     residual against the seed's basis first); MAX_NORM always uses NORM
 */
public record ClusteringOptions(Algorithm algorithm, double eps, int rankTarget, int patience, int oversampling,
                                double tolerance, Ordering ordering) {

    public ClusteringOptions {
        if (algorithm == null || ordering == null) {
            throw new IllegalArgumentException("clustering algorithm and ordering must be given");
        }
        if (!(eps > 0 && eps < 1)) {
            throw new IllegalArgumentException("clustering error bound eps must be in (0, 1), got " + eps);
        }
        if (rankTarget < 0 || patience < 1 || oversampling < 0) {
            throw new IllegalArgumentException("clustering needs rank target >= 0, patience >= 1 and oversampling >= 0, got "
                    + rankTarget + ", " + patience + ", " + oversampling);
        }
        if (!(tolerance >= 0 && tolerance < 1e-3)) {
            throw new IllegalArgumentException("clustering tolerance must be in [0, 1e-3), got " + tolerance);
        }
    }

    /** The reference code's defaults: approximate algorithm, eps 0.1, automatic r, patience 10, oversampling 5, tol 1e-12, norm order. */
    public static ClusteringOptions defaults() {
        return new ClusteringOptions(Algorithm.APPROXIMATE, 0.1, 0, 10, 5, 1e-12, Ordering.NORM);
    }

    public ClusteringOptions withAlgorithm(Algorithm a) {
        return new ClusteringOptions(a, eps, rankTarget, patience, oversampling, tolerance, ordering);
    }

    public ClusteringOptions withEps(double e) {
        return new ClusteringOptions(algorithm, e, rankTarget, patience, oversampling, tolerance, ordering);
    }

    public ClusteringOptions withRankTarget(int r) {
        return new ClusteringOptions(algorithm, eps, r, patience, oversampling, tolerance, ordering);
    }

    public ClusteringOptions withOrdering(Ordering o) {
        return new ClusteringOptions(algorithm, eps, rankTarget, patience, oversampling, tolerance, o);
    }

    public enum Algorithm { MAX_NORM, RESIDUALS, APPROXIMATE }

    public enum Ordering { NORM, RESIDUAL }
}
