package org.lowrank4j.compress.allocation;

import java.util.List;
import org.lowrank4j.compress.RankRules;

/**
 * WeLore's heavy-tail criterion (Jaiswal et al., <i>From GaLore to WeLore: How Low-Rank Weights Non-uniformly
 * Emerge from Low-Rank Gradients</i>, arXiv:2407.11239; spec {@code shared/methods/c08-welore.md}).
 *
 * <p>Each site's singular values are min–max normalised, {@code ŝ_i = (s_i − s_min)/(s_max − s_min)} ∈ [0, 1];
 * one global threshold τ prunes {@code p = #{i : ŝ_i < τ}} values (always the tail), leaving rank
 * {@code k = max(1, q − p)}. A site is a low-rank component (LRC) when {@code p/q > minRatio} (the reference code's
 * {@code --min_ratio}, default 0) <em>and</em> its rank saves parameters; otherwise it is a non-low-rank component
 * (N-LRC) and stays dense — returned as a rank at or above break-even, per {@link RankAllocator}. So a site whose
 * spectrum decays slowly (few values below τ) stays dense while others carry the reduction.
 *
 * <p>Budget: the paper targets an average <em>rank</em> reduction ρ; this toolkit's allocators all take the
 * parameter ratio of spec c01, so τ is chosen by bisection as the smallest threshold whose kept parameter count
 * {@code Σ parametersAt(m, n, k_i(τ))} fits {@code floor((1 − ratio)·Σ m·n)} (the count is non-increasing in τ).
 * The paper's own semantics is available as {@link #thresholdForRankReduction(List, double)}. The tabulated τ of
 * the reference code are LLaMA-2-specific and deliberately not used (spec pitfall). A spectrum with
 * {@code s_max = s_min} (flat) normalises to all ones: nothing is pruned for τ ≤ 1.
 */
public final class WeLoreAllocator implements RankAllocator {
    private static final int ITERATIONS = 64;
    /** Upper end of the τ search: above 1 every value but none is below, so every site is at rank 1. */
    static final double TAU_MAX = 1.5;

    private final double minRatio;

    public WeLoreAllocator(double minRatio) {
        if (!(minRatio >= 0 && minRatio < 1)) {
            throw new IllegalArgumentException("WeLore minRatio must be in [0, 1), got " + minRatio);
        }
        this.minRatio = minRatio;
    }

    public WeLoreAllocator() {
        this(0.0);
    }

    @Override
    public String name() {
        return "welore";
    }

    @Override
    public int[] allocate(List<SiteSpectrum> sites, double ratio) {
        long budget = Budget.of(sites, ratio);
        Budget.requireFeasible(sites, budget, ratio, name());
        double[][] normalised = normalise(sites);
        double lo = 0, hi = TAU_MAX;
        for (int it = 0; it < ITERATIONS; it++) {
            double mid = 0.5 * (lo + hi);
            if (Budget.kept(sites, ranksAt(sites, normalised, mid)) <= budget) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return ranksAt(sites, normalised, hi);
    }

    /** Pruned count p per site at threshold τ (spec step 3). */
    public static int[] prunedAt(List<SiteSpectrum> sites, double tau) {
        double[][] normalised = normalise(sites);
        int[] p = new int[sites.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = pruned(normalised[i], tau);
        }
        return p;
    }

    /** The allocation at a given τ, with LRC/N-LRC applied (N-LRC returned as the break-even rank: dense). */
    public int[] ranksAt(List<SiteSpectrum> sites, double tau) {
        return ranksAt(sites, normalise(sites), tau);
    }

    /** Whether each site is a low-rank component under {@code ranks} (its rank saves parameters). */
    public static boolean[] lowRankComponents(List<SiteSpectrum> sites, int[] ranks) {
        boolean[] lrc = new boolean[ranks.length];
        for (int i = 0; i < ranks.length; i++) {
            lrc[i] = RankRules.saves(sites.get(i).m(), sites.get(i).n(), ranks[i]);
        }
        return lrc;
    }

    /**
     * The paper's semantics: the smallest τ with {@code Σ p_M / Σ q_M ≥ rho} (bisection on τ, spec step 4); the
     * achieved reduction is within one singular value per matrix of ρ where ties allow.
     */
    public static double thresholdForRankReduction(List<SiteSpectrum> sites, double rho) {
        if (!(rho >= 0 && rho < 1)) {
            throw new IllegalArgumentException("rank reduction must be in [0, 1), got " + rho);
        }
        double[][] normalised = normalise(sites);
        long total = 0;
        for (double[] s : normalised) {
            total += s.length;
        }
        double lo = 0, hi = TAU_MAX;
        for (int it = 0; it < ITERATIONS; it++) {
            double mid = 0.5 * (lo + hi);
            long p = 0;
            for (double[] s : normalised) {
                p += pruned(s, mid);
            }
            if ((double) p / total >= rho) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    private int[] ranksAt(List<SiteSpectrum> sites, double[][] normalised, double tau) {
        int[] ranks = new int[sites.size()];
        for (int i = 0; i < ranks.length; i++) {
            SiteSpectrum s = sites.get(i);
            int q = normalised[i].length;
            int p = pruned(normalised[i], tau);
            int k = Math.max(1, q - p);
            boolean lrc = q > 0 && (double) p / q > minRatio && RankRules.saves(s.m(), s.n(), k);
            ranks[i] = lrc ? k : Math.max(k, RankRules.breakEvenRank(s.m(), s.n()));
        }
        return ranks;
    }

    private static int pruned(double[] normalised, double tau) {
        int p = 0;
        for (double v : normalised) {
            if (v < tau) {
                p++;
            }
        }
        return p;
    }

    /** Min–max normalised spectra, truncated to q = min(m, n) values. */
    private static double[][] normalise(List<SiteSpectrum> sites) {
        double[][] out = new double[sites.size()][];
        for (int i = 0; i < out.length; i++) {
            SiteSpectrum site = sites.get(i);
            double[] s = site.spectrum();
            int q = Math.max(1, Math.min(s.length, Math.min(site.m(), site.n())));
            double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY;
            for (int j = 0; j < Math.min(q, s.length); j++) {
                max = Math.max(max, s[j]);
                min = Math.min(min, s[j]);
            }
            double[] n = new double[q];
            for (int j = 0; j < q; j++) {
                double v = j < s.length ? s[j] : 0;
                n[j] = max > min ? (v - min) / (max - min) : 1;
            }
            out[i] = n;
        }
        return out;
    }
}
