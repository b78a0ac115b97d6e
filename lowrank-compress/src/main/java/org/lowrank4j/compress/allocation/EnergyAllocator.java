package org.lowrank4j.compress.allocation;

import java.util.List;

/**
 * One energy threshold τ for all sites: site i keeps the smallest rank r with
 * {@code Σ_{j<r} s_j² ≥ τ · Σ_j s_j²} (at least 1). This is the classical "keep τ of the spectral energy" rule
 * used as the energy-threshold baseline in the allocation literature (e.g. the fixed-energy baselines compared
 * in D-Rank, Mi et al., arXiv:2509.25622, spec {@code shared/methods/c07-d-rank.md}; the budget convention is
 * spec c01's parameter ratio).
 *
 * <p>The kept parameter count {@code Σ parametersAt(m, n, r_i(τ))} is non-decreasing in τ, so τ is found by
 * bisection as the largest threshold whose allocation fits {@code floor((1 − ratio)·Σ m·n)}: the budget is met as
 * closely as one global threshold allows, always from below. A rank at or above break-even means the site stays
 * dense. Energy is relative to each site's own total, so the spectrum's scale does not matter.
 */
public final class EnergyAllocator implements RankAllocator {
    private static final int ITERATIONS = 64;

    @Override
    public String name() {
        return "energy";
    }

    @Override
    public int[] allocate(List<SiteSpectrum> sites, double ratio) {
        long budget = Budget.of(sites, ratio);
        Budget.requireFeasible(sites, budget, ratio, name());
        double[][] cumulative = new double[sites.size()][];
        for (int i = 0; i < sites.size(); i++) {
            cumulative[i] = cumulativeFractions(sites.get(i).spectrum());
        }
        double lo = 0, hi = 1;
        if (Budget.kept(sites, ranksAt(sites, cumulative, hi)) <= budget) {
            return ranksAt(sites, cumulative, hi);
        }
        for (int it = 0; it < ITERATIONS; it++) {
            double mid = 0.5 * (lo + hi);
            if (Budget.kept(sites, ranksAt(sites, cumulative, mid)) <= budget) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return ranksAt(sites, cumulative, lo);
    }

    /** The rank per site at threshold τ. */
    static int[] ranksAt(List<SiteSpectrum> sites, double tau) {
        double[][] cumulative = new double[sites.size()][];
        for (int i = 0; i < sites.size(); i++) {
            cumulative[i] = cumulativeFractions(sites.get(i).spectrum());
        }
        return ranksAt(sites, cumulative, tau);
    }

    private static int[] ranksAt(List<SiteSpectrum> sites, double[][] cumulative, double tau) {
        int[] ranks = new int[sites.size()];
        for (int i = 0; i < ranks.length; i++) {
            SiteSpectrum s = sites.get(i);
            int q = Math.min(s.m(), s.n());
            double[] c = cumulative[i];
            int r = 1;
            while (r < c.length && c[r - 1] < tau) {
                r++;
            }
            ranks[i] = Math.max(1, Math.min(r, q));
        }
        return ranks;
    }

    /** c[r−1] = fraction of the energy in the first r values; all 1 for a zero spectrum. */
    private static double[] cumulativeFractions(double[] s) {
        double total = 0;
        for (double v : s) {
            total += v * v;
        }
        double[] c = new double[Math.max(1, s.length)];
        double run = 0;
        for (int j = 0; j < c.length; j++) {
            run += j < s.length ? s[j] * s[j] : 0;
            c[j] = total > 0 ? run / total : 1;
        }
        c[c.length - 1] = 1; // guard against rounding: the whole spectrum is all the energy
        return c;
    }
}
