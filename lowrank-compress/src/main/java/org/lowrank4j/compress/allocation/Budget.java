package org.lowrank4j.compress.allocation;

import java.util.List;
import org.lowrank4j.compress.RankRules;

/** Parameter accounting shared by the allocators: the one budget convention of DESIGN.md and spec c01. */
final class Budget {
    private Budget() {
    }

    /** floor((1 − ratio) · Σ m·n): the parameters the targeted layers may keep. */
    static long of(List<SiteSpectrum> sites, double ratio) {
        RankRules.requireRatio(ratio);
        long dense = 0;
        for (SiteSpectrum s : sites) {
            dense += s.denseParameters();
        }
        return (long) Math.floor((1 - ratio) * dense);
    }

    /** Σ parametersAt(m, n, r_i): a rank at or above break-even costs the dense m·n. */
    static long kept(List<SiteSpectrum> sites, int[] ranks) {
        long total = 0;
        for (int i = 0; i < ranks.length; i++) {
            total += RankRules.parametersAt(sites.get(i).m(), sites.get(i).n(), ranks[i]);
        }
        return total;
    }

    /** The largest meaningful rank: min(m, n), and no higher than break-even (which already means dense). */
    static int cap(SiteSpectrum s) {
        return Math.max(1, Math.min(Math.min(s.m(), s.n()), RankRules.breakEvenRank(s.m(), s.n())));
    }

    /** Refuses a budget that cannot hold even rank 1 at every site. */
    static void requireFeasible(List<SiteSpectrum> sites, long budget, double ratio, String allocator) {
        int[] ones = new int[sites.size()];
        java.util.Arrays.fill(ones, 1);
        long minimum = kept(sites, ones);
        if (minimum > budget) {
            throw new IllegalArgumentException(allocator + ": ratio " + ratio + " leaves " + budget
                    + " parameters, but rank 1 at every site already needs " + minimum);
        }
    }
}
