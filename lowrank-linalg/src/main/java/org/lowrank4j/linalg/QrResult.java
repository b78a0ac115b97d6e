package org.lowrank4j.linalg;

/**
 * Thin QR decomposition {@code a = q · r}.
 *
 * @param q m×k with orthonormal columns
 * @param r k×n upper triangular
 */
public record QrResult(DenseMatrix q, DenseMatrix r) {
}
