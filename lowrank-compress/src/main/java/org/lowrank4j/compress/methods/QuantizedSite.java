package org.lowrank4j.compress.methods;

import org.lowrank4j.compress.Factorization;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * One site after a quantizing method: the quantized base, and (for methods with a low-rank branch) the spectrum that
 * prices each rank of the branch and the base plus branch at any rank.
 */
public interface QuantizedSite {

    /** The quantized weight (m×n, rows = output channels). */
    QuantizedMatrix base();

    /**
     * Singular values of the method's weighted quantization error, descending: a branch of rank r leaves
     * {@code Σ_{i≥r} s_i²} of it. Empty for a method without a branch.
     */
    double[] spectrum();

    /**
     * The base alone at rank 0 ({@link org.lowrank4j.compress.Quantized}), else the base plus a rank-r branch
     * ({@link org.lowrank4j.compress.QuantizedLowRank}).
     *
     * @throws IllegalArgumentException for a rank outside [0, spectrum length]
     */
    Factorization at(int rank);
}
