package org.lowrank4j.compress.methods;

import org.lowrank4j.compress.LowRank;

/** One site after its decomposition: the spectrum that prices each rank, and the factors at any rank. */
public interface PreparedSite {

    /**
     * Singular values of the method's weighted matrix, descending. Truncating to rank r costs
     * {@code Σ_{i≥r} s_i²} on the method's own objective (weight error, scaled error or output error).
     */
    double[] spectrum();

    /** The factors at the given rank (1 ≤ rank ≤ spectrum length). */
    LowRank factorAt(int rank);
}
