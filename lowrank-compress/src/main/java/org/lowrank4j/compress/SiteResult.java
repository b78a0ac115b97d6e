package org.lowrank4j.compress;

/**
 * One site's part of a {@link CompressionResult}: the chosen rank, the factorization (or {@link Dense} when factors
 * would not save parameters), the method's weighted spectrum (for reports) and the relative truncation loss.
 */
public record SiteResult(LinearWeight weight, int rank, Factorization factorization, double[] spectrum, double relativeLoss) {
}
