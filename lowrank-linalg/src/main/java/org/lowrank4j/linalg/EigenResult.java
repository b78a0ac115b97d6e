package org.lowrank4j.linalg;

/**
 * Eigen-decomposition of a symmetric matrix {@code a = vectors · diag(values) · vectorsᵀ}.
 *
 * @param values  eigenvalues, in the order the producer documents (kernels: ascending)
 * @param vectors n×n, column i is the unit eigenvector of {@code values[i]}
 */
public record EigenResult(double[] values, DoubleMatrix vectors) {

    public EigenResult {
        if (vectors.cols() != values.length) {
            throw new IllegalArgumentException(values.length + " eigenvalues but " + vectors.cols() + " eigenvectors");
        }
    }
}
