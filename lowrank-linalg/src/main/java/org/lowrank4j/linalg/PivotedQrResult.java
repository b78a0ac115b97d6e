package org.lowrank4j.linalg;

/**
 * QR with column pivoting: {@code a[:, permutation] = q · r}, with |r[i][i]| non-increasing.
 *
 * @param q           m×k with orthonormal columns, k = min(m, n)
 * @param r           k×n upper triangular
 * @param permutation column j of {@code q · r} is column {@code permutation[j]} of the input
 */
public record PivotedQrResult(DoubleMatrix q, DoubleMatrix r, int[] permutation) {
}
