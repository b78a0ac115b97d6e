package org.lowrank4j.compress.allocation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.RankRules;

/**
 * SVD-LLM V2's heterogeneous compression-ratio allocation (spec {@code shared/methods/c04-svd-llm.md}; Wang et al.,
 * NAACL 2025, arXiv:2503.12340). The V2 code is unreleased; the formula is the spec's reading of the paper, marked
 * "to verify" there.
 *
 * <p>Sites are grouped by type ({@link SiteSpectrum#role()}: all query projections together, all ffn.down
 * together, ...). Within a group, each matrix's theoretical truncation loss at the uniform ratio is
 * {@code L_i = sqrt(Σ_{j>r_u} s_j²)} with {@code r_u = floor((1−CR)·m·n/(m+n))} and s the method's spectrum (the
 * whitened σ(W R) when used with svd-llm or svd-llm-v2). A matrix with a larger loss gets a smaller ratio:
 * {@code CR_i ∝ 1/log L_i}, normalised so the group keeps the target.
 *
 * <p>Decisions where the spec is open, in order:
 * <ul>
 *   <li>Normalisation: the spec's {@code CR_i = |𝒢|·CR·(1/log L_i) / Σ_k (1/log L_k)} makes the plain mean of the
 *       group's ratios equal CR. Here the mean is weighted by each matrix's parameters m·n, so the group removes
 *       exactly the fraction CR of its parameters (the toolkit's ratio, DESIGN.md); for a group of equal shapes —
 *       the usual case, one type across layers — the two are identical.</li>
 *   <li>log guard: the formula needs L_i &gt; 1. When the smallest positive loss of a group is below e, every loss
 *       of the group is multiplied by {@code e / L_min} first (so every log is at least 1 and the order is kept);
 *       losses on summed Grams are large and are then used unchanged. A zero loss counts as the smallest positive
 *       one; a group whose losses are all zero keeps the uniform ratio.</li>
 *   <li>Clamp and renormalise: ratios are capped at {@value #MAX_SITE_RATIO} (or at CR if that is higher); the
 *       capped sites are fixed and the others rescaled, until no site exceeds the cap (water-filling). Ratios cannot
 *       fall below 0 because every weight is positive.</li>
 *   <li>Loss cap (ours, not in the spec): a site's ratio is also capped where its own truncation loss would pass the
 *       largest loss any site of its group has at the uniform ratio. Without it a matrix whose loss at the uniform
 *       rank is close to zero — block 0's query, key and value of a byte-level decoder, whose input spans few
 *       directions — gets log-weight 1 against the others' 1/log L and is cut to rank 5–8 of 384, far below its
 *       effective rank (perplexity 3.8 → 14 at CR 0.2 on the project's decoder). With the cap it gives up what it
 *       does not use and no more; the cap is never below CR, so the target stays reachable.</li>
 *   <li>Rank: {@code r_i = floor((1 − CR_i)·m·n/(m + n))}, clamped to [1, min(m, n)]. Flooring keeps every group
 *       within its budget, so the total budget is met.</li>
 * </ul>
 */
public final class SvdLlmV2Allocator implements RankAllocator {
    /** The largest compression ratio one matrix may get. */
    public static final double MAX_SITE_RATIO = 0.95;

    @Override
    public String name() {
        return "svd-llm-v2";
    }

    @Override
    public int[] allocate(List<SiteSpectrum> sites, double ratio) {
        RankRules.requireRatio(ratio);
        requireFeasible(sites, ratio);
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < sites.size(); i++) {
            groups.computeIfAbsent(String.valueOf(sites.get(i).role()), k -> new ArrayList<>()).add(i);
        }
        int[] ranks = new int[sites.size()];
        for (List<Integer> members : groups.values()) {
            List<SiteSpectrum> group = new ArrayList<>();
            for (int i : members) {
                group.add(sites.get(i));
            }
            double[] ratios = groupRatios(group, ratio);
            for (int g = 0; g < members.size(); g++) {
                ranks[members.get(g)] = rankAt(group.get(g), ratios[g]);
            }
        }
        return ranks;
    }

    /** Per-site compression ratios of one group of same-type matrices whose parameter-weighted mean is {@code ratio}. */
    public static double[] groupRatios(List<SiteSpectrum> group, double ratio) {
        int size = group.size();
        double[] loss = uniformLosses(group, ratio);
        double smallest = Double.POSITIVE_INFINITY;
        for (double l : loss) {
            if (l > 0) {
                smallest = Math.min(smallest, l);
            }
        }
        double[] ratios = new double[size];
        if (smallest == Double.POSITIVE_INFINITY) {
            java.util.Arrays.fill(ratios, ratio);
            return ratios;
        }
        double scale = smallest < Math.E ? Math.E / smallest : 1;
        double[] weight = new double[size];
        double[] params = new double[size];
        for (int i = 0; i < size; i++) {
            weight[i] = 1 / Math.log(Math.max(loss[i], smallest) * scale);
            params[i] = group.get(i).denseParameters();
        }
        double[] cap = lossCaps(group, ratio, loss);
        double target = 0;
        for (double p : params) {
            target += ratio * p;
        }
        boolean[] capped = new boolean[size];
        double factor = 0;
        for (int round = 0; round <= size; round++) {
            double fixedRemoved = 0, freeWeighted = 0;
            for (int i = 0; i < size; i++) {
                if (capped[i]) {
                    fixedRemoved += cap[i] * params[i];
                } else {
                    freeWeighted += weight[i] * params[i];
                }
            }
            if (freeWeighted == 0) {
                break;
            }
            factor = (target - fixedRemoved) / freeWeighted;
            boolean changed = false;
            for (int i = 0; i < size; i++) {
                if (!capped[i] && factor * weight[i] > cap[i]) {
                    capped[i] = true;
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        for (int i = 0; i < size; i++) {
            ratios[i] = capped[i] ? cap[i] : factor * weight[i];
        }
        return ratios;
    }

    /**
     * Per-site ratio caps: {@value #MAX_SITE_RATIO} (or CR if higher), lowered to the ratio of the smallest rank whose
     * truncation loss stays within the group's largest uniform-ratio loss; never below CR.
     */
    static double[] lossCaps(List<SiteSpectrum> group, double ratio, double[] uniformLoss) {
        double worst = 0;
        for (double l : uniformLoss) {
            worst = Math.max(worst, l);
        }
        double[] cap = new double[group.size()];
        for (int i = 0; i < cap.length; i++) {
            SiteSpectrum s = group.get(i);
            int uniformRank = RankRules.rankForRatio(s.m(), s.n(), ratio);
            int r = uniformRank;
            while (r > 1 && s.tailEnergy(r - 1) <= worst * worst) {
                r--;
            }
            double atRank = 1 - (double) r * (s.m() + s.n()) / ((double) s.m() * s.n());
            cap[i] = Math.max(ratio, Math.min(Math.max(MAX_SITE_RATIO, ratio), atRank));
        }
        return cap;
    }

    /** {@code L_i = sqrt(Σ_{j>r_u} s_j²)} at the uniform rank for the ratio. */
    public static double[] uniformLosses(List<SiteSpectrum> group, double ratio) {
        double[] loss = new double[group.size()];
        for (int i = 0; i < loss.length; i++) {
            SiteSpectrum s = group.get(i);
            loss[i] = Math.sqrt(s.tailEnergy(RankRules.rankForRatio(s.m(), s.n(), ratio)));
        }
        return loss;
    }

    /** r = floor((1 − ratio)·m·n/(m + n)) in [1, min(m, n)]; ratio may be 0 here. */
    static int rankAt(SiteSpectrum s, double ratio) {
        long r = (long) Math.floor((1 - ratio) * (double) s.m() * s.n() / (s.m() + s.n()) + 1e-9); // a ratio computed from a rank gives it back
        return (int) Math.max(1, Math.min(r, Math.min(s.m(), s.n())));
    }

    private void requireFeasible(List<SiteSpectrum> sites, double ratio) {
        long dense = 0, minimum = 0;
        for (SiteSpectrum s : sites) {
            dense += s.denseParameters();
            minimum += RankRules.parametersAt(s.m(), s.n(), 1);
        }
        long budget = (long) Math.floor((1 - ratio) * dense);
        if (minimum > budget) {
            throw new IllegalArgumentException(name() + ": ratio " + ratio + " leaves " + budget
                    + " parameters, but rank 1 at every site already needs " + minimum);
        }
    }
}
