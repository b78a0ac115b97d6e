package org.lowrank4j.compress.methods;

import org.lowrank4j.compress.LowRank;

/** One site after its decomposition: the spectrum that prices each rank, and the factors at any rank. */
public interface PreparedSite {

    /**
     * Singular values of the method's weighted matrix, descending. Truncating to rank r costs
     * {@code Σ_{i≥r} s_i²} on the method's own objective (weight error, scaled error or output error).
     */
    double[] spectrum();

    /**
     * The factors at the given rank: 1 ≤ rank ≤ spectrum length, or below the cap of a site from
     * {@link #keepingRanksBelow} (above it: IllegalStateException; below 1: IllegalArgumentException).
     */
    LowRank factorAt(int rank);

    /**
     * This site, or a leaner one that gives factors only at ranks below {@code cap} (the same factors, and the whole
     * spectrum). {@code compress} only asks for ranks that save parameters, all below the break-even rank, so it keeps
     * no more than that for each site while the others are decomposed: a site that keeps its whole decomposition and
     * its weighting matrix holds several times the weight's own size. The default keeps everything.
     */
    default PreparedSite keepingRanksBelow(int cap) {
        return this;
    }
}
