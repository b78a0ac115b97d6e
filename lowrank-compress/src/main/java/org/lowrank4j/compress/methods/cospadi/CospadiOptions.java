package org.lowrank4j.compress.methods.cospadi;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of CoSpaDi, calibration-whitened sparse dictionary learning (Makhov et al., arXiv:2509.22075; spec
 * {@code shared/methods/c11-cospadi.md}). Read from {@code cospadi[:rho=R][:group=G][:iterations=T][:power=P][:init=svd|columns]}.
 *
 * @param atomsPerNonZero ρ = k/s, atoms per non-zero of a code column (≥ 1; ρ = 1 makes C dense, a rank-k factorisation)
 * @param groupSize       g, consecutive blocks of one role and shape that share one dictionary (1: per layer)
 * @param iterations      T, K-SVD rounds
 * @param powerIterations power iterations per rank-one atom update
 * @param init            the initial dictionary: the top-k left singular vectors of the whitened weight (filled up with its
 *                        largest columns when k exceeds its rank), or k evenly spaced whitened columns
 * @param relativeJitter  jitter (× mean diagonal) tried once when the summed Gram is not positive definite, before the
 *                        eigen route with its pseudo-inverse
 */
public record CospadiOptions(double atomsPerNonZero, int groupSize, int iterations, int powerIterations, Init init, double relativeJitter) {

    public enum Init { SVD, COLUMNS }

    public CospadiOptions {
        if (!(atomsPerNonZero >= 1 && atomsPerNonZero <= 1024)) {
            throw new IllegalArgumentException("cospadi: rho = k/s must be in [1, 1024], got " + atomsPerNonZero);
        }
        if (groupSize < 1) {
            throw new IllegalArgumentException("cospadi: group must be at least 1 (1 = one dictionary per layer), got " + groupSize);
        }
        if (iterations < 0 || iterations > 1000) {
            throw new IllegalArgumentException("cospadi: iterations must be in [0, 1000], got " + iterations);
        }
        if (powerIterations < 1 || powerIterations > 100) {
            throw new IllegalArgumentException("cospadi: power must be in [1, 100], got " + powerIterations);
        }
        if (init == null) {
            throw new IllegalArgumentException("cospadi: init must be svd or columns");
        }
        if (!(relativeJitter >= 0 && relativeJitter < 1)) {
            throw new IllegalArgumentException("cospadi: jitter must be in [0, 1), got " + relativeJitter);
        }
    }

    /** ρ = 4, per layer, 10 K-SVD rounds, 2 power iterations, SVD start, jitter 1e-6. */
    public static CospadiOptions defaults() {
        return new CospadiOptions(4, 1, 10, 2, Init.SVD, 1e-6);
    }

    public static CospadiOptions from(MethodSpec spec) {
        CospadiOptions d = defaults();
        CospadiOptions o = new CospadiOptions(spec.number("rho", d.atomsPerNonZero()), spec.integer("group", d.groupSize()),
                spec.integer("iterations", d.iterations()), spec.integer("power", d.powerIterations()),
                spec.choice("init", Init.class, d.init()), spec.number("jitter", d.relativeJitter()));
        spec.requireAllRead();
        return o;
    }
}
