package org.lowrank4j.compress;

/**
 * The one definition of "ratio" used everywhere (DESIGN.md, spec c01): the fraction of parameters
 * <em>removed</em> from the targeted linear layers. A rank-r factor pair of an m×n matrix costs r(m + n); a
 * layer is only factorised when that is below m·n.
 */
public final class RankRules {
    private RankRules() {
    }

    /** r = floor((1 − ratio) · m · n / (m + n)), at least 1. */
    public static int rankForRatio(int m, int n, double ratio) {
        requireRatio(ratio);
        long r = (long) Math.floor((1 - ratio) * (double) m * n / (m + n));
        return (int) Math.max(1, Math.min(r, Math.min(m, n)));
    }

    /** The smallest rank at which a factor pair costs at least as much as the dense matrix. */
    public static int breakEvenRank(int m, int n) {
        return (int) Math.ceil((double) m * n / (m + n));
    }

    /** Whether a rank-r factorization of an m×n matrix saves parameters. */
    public static boolean saves(int m, int n, int r) {
        return (long) r * (m + n) < (long) m * n;
    }

    /** Parameters of a site at rank r: r(m + n) if that saves, otherwise m·n (kept dense). */
    public static long parametersAt(int m, int n, int r) {
        return saves(m, n, r) ? (long) r * (m + n) : (long) m * n;
    }

    public static void requireRatio(double ratio) {
        requireRatio(ratio, "ratio");
    }

    /** As {@link #requireRatio(double)}, naming the command-line option that gave the ratio. */
    public static void requireRatio(double ratio, String option) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException(option + " must be in (0, 1) — the fraction of parameters removed from the targeted layers — got " + ratio);
        }
    }
}
