package org.lowrank4j.compress.allocation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.Spectra;

/**
 * D-Rank: effective-rank-based layer-wise rank allocation (Mi, Sun, Li Zhang, Huang, <i>Layer-wise dynamic rank
 * for compressing large language models</i>, arXiv:2509.25622; spec {@code shared/methods/c07-d-rank.md}).
 *
 * <p>Per matrix type (site role) separately, with the role's own budget {@code P_t = floor((1 − ratio)·Σ_t m·n)}
 * (spec step 3 says {@code round}; floor keeps the project's "never above the budget" rule and Σ_t P_t ≤ P):
 * <ol>
 *   <li>Effective rank {@code R_i = exp(H(p))}, {@code p_j = s_j²/Σ s²} (spec step 2: D-Rank uses squared
 *       values; {@code squared = false} gives Roy–Vetterli's original on s, never mixed within one run).</li>
 *   <li>Lagrange closed form of {@code min Σ R_i/k_i s.t. Σ w_i k_i = P_t}, {@code w_i = m + n}:
 *       {@code k_i = sqrt(R_i/w_i)·P_t/Σ_j sqrt(R_j w_j)} (step 4). The clamp to [1, cap] is applied inside the
 *       solution (KKT: {@code k_i = clamp(μ·sqrt(R_i/w_i), 1, cap_i)} with μ found by bisection so the budget is
 *       spent), which equals the closed form when no bound is active and does not waste what clamping frees.
 *       cap = min(m, n, break-even): a rank at break-even already means "dense".</li>
 *   <li>Round, then integer repair (step 6) on the true parameter count: over budget → decrement the site with the
 *       smallest R/w among k &gt; 1; under → increment the site with the largest R/w among those below the cap
 *       whose increment still fits (the cap applied, fixing the reference code's bug). Ties go to the larger
 *       (decrement) or smaller (increment) rank, so equal sites stay within one rank.</li>
 *   <li>Optional code heuristic (step 5, not in the paper, off by default): for roles other than q/k/v, fall back
 *       to the uniform rank when the dynamic ranks do not lower the role's tail energy, and always for
 *       {@code ffn.gate}.</li>
 *   <li>Attention rebalancing (step 7, "tax", τ = 0.2 as released; 0 disables): every {@code attention.query} and
 *       {@code attention.key} site gives up {@code round(τ·k)} ranks (keeping ≥ 1). The revenue is counted in
 *       <em>parameters</em> — the grouped-query (GQA) rule of {@code reallocate_llama3}, which equals the MHA rule
 *       when shapes agree — and split equally over the {@code attention.value} sites (each site is one layer),
 *       each receiving as many ranks as its share buys at its own width (narrow GQA k/v are handled by their
 *       shapes; max rank for k/v = min(d_in, n_kv·head_dim) comes from m, n). What a v site cannot take (cap) or
 *       what rounding leaves is refunded to q/k in proportion to their contribution. The total never rises.</li>
 * </ol>
 * Sites are singleton groups: Basis Sharing's cross-layer groups (c13, step 1) are not modelled by
 * {@link SiteSpectrum}; the spectrum given (plain, or whitened as in the paper) is used as is.
 */
public final class EffectiveRankAllocator implements RankAllocator {
    static final String QUERY = "attention.query", KEY = "attention.key", VALUE = "attention.value", GATE = "ffn.gate";

    private final boolean squared;
    private final double taxRate;
    private final boolean staticFallback;

    public EffectiveRankAllocator(boolean squared, double taxRate, boolean staticFallback) {
        if (!(taxRate >= 0 && taxRate < 1)) {
            throw new IllegalArgumentException("D-Rank tax rate must be in [0, 1), got " + taxRate);
        }
        this.squared = squared;
        this.taxRate = taxRate;
        this.staticFallback = staticFallback;
    }

    /** The paper's defaults: squared effective rank, tax 0.2, no static fallback. */
    public EffectiveRankAllocator() {
        this(true, 0.2, false);
    }

    @Override
    public String name() {
        return "d-rank";
    }

    @Override
    public int[] allocate(List<SiteSpectrum> sites, double ratio) {
        long budget = Budget.of(sites, ratio);
        Budget.requireFeasible(sites, budget, ratio, name());
        int[] ranks = new int[sites.size()];
        Map<String, List<Integer>> byRole = new LinkedHashMap<>();
        for (int i = 0; i < sites.size(); i++) {
            byRole.computeIfAbsent(String.valueOf(sites.get(i).role()), r -> new ArrayList<>()).add(i);
        }
        double[] effective = new double[sites.size()];
        for (int i = 0; i < sites.size(); i++) {
            effective[i] = effectiveRank(sites.get(i).spectrum(), squared);
        }
        for (Map.Entry<String, List<Integer>> role : byRole.entrySet()) {
            List<SiteSpectrum> group = new ArrayList<>();
            double[] r = new double[role.getValue().size()];
            for (int g = 0; g < r.length; g++) {
                group.add(sites.get(role.getValue().get(g)));
                r[g] = effective[role.getValue().get(g)];
            }
            long roleBudget = Budget.of(group, ratio);
            int[] k = allocateGroup(group, r, roleBudget);
            if (staticFallback && !isQkv(role.getKey())) {
                int[] uniform = group.stream().mapToInt(s -> RankRules.rankForRatio(s.m(), s.n(), ratio)).toArray();
                if (GATE.equals(role.getKey()) || tailEnergy(group, k) >= tailEnergy(group, uniform)) {
                    k = uniform;
                }
            }
            for (int g = 0; g < k.length; g++) {
                ranks[role.getValue().get(g)] = k[g];
            }
        }
        if (taxRate > 0) {
            rebalanceAttention(sites, ranks, taxRate);
        }
        return ranks;
    }

    /** exp of the entropy of the normalised (squared, by default) singular values. */
    public static double effectiveRank(double[] spectrum, boolean squared) {
        if (!squared) {
            return Spectra.effectiveRank(spectrum);
        }
        double[] sq = new double[spectrum.length];
        for (int j = 0; j < sq.length; j++) {
            sq[j] = spectrum[j] * spectrum[j];
        }
        return Spectra.effectiveRank(sq);
    }

    /** Continuous KKT solution, rounding and integer repair for one role (package-private for tests). */
    static int[] allocateGroup(List<SiteSpectrum> group, double[] r, long budget) {
        int count = group.size();
        double[] w = new double[count];
        int[] cap = new int[count];
        double[] rr = r.clone();
        boolean allZero = true;
        for (int i = 0; i < count; i++) {
            w[i] = group.get(i).m() + group.get(i).n();
            cap[i] = Budget.cap(group.get(i));
            allZero &= !(rr[i] > 0);
        }
        if (allZero) {
            java.util.Arrays.fill(rr, 1); // no information: fall back to the uniform split
        }
        double[] unit = new double[count];
        double spendAtCap = 0, spendAtOne = 0;
        for (int i = 0; i < count; i++) {
            unit[i] = Math.sqrt(Math.max(rr[i], 0) / w[i]);
            spendAtCap += w[i] * cap[i];
            spendAtOne += w[i];
        }
        int[] k = new int[count];
        if (spendAtCap <= budget) {
            System.arraycopy(cap, 0, k, 0, count);
        } else {
            // k_i(μ) = clamp(μ·sqrt(R_i/w_i), 1, cap_i); Σ w_i k_i(μ) is non-decreasing in μ.
            double sumRootRw = 0;
            for (int i = 0; i < count; i++) {
                sumRootRw += Math.sqrt(Math.max(rr[i], 0) * w[i]);
            }
            double lo = 0, hi = Math.max(1, budget / Math.max(sumRootRw, 1e-300));
            while (spend(unit, w, cap, hi) < budget && hi < 1e300) {
                hi *= 2;
            }
            for (int it = 0; it < 200 && spendAtOne < budget; it++) {
                double mid = 0.5 * (lo + hi);
                if (spend(unit, w, cap, mid) <= budget) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            for (int i = 0; i < count; i++) {
                k[i] = (int) Math.max(1, Math.min(cap[i], Math.round(clamp(lo * unit[i], cap[i]))));
            }
        }
        repair(group, rr, w, cap, k, budget);
        return k;
    }

    private static double spend(double[] unit, double[] w, int[] cap, double mu) {
        double total = 0;
        for (int i = 0; i < unit.length; i++) {
            total += w[i] * clamp(mu * unit[i], cap[i]);
        }
        return total;
    }

    private static double clamp(double v, int cap) {
        return Math.max(1, Math.min(cap, v));
    }

    private static void repair(List<SiteSpectrum> group, double[] r, double[] w, int[] cap, int[] k, long budget) {
        long cost = Budget.kept(group, k);
        while (cost > budget) {
            int pick = -1;
            for (int i = 0; i < k.length; i++) {
                if (k[i] > 1 && (pick < 0 || r[i] / w[i] < r[pick] / w[pick]
                        || (r[i] / w[i] == r[pick] / w[pick] && k[i] > k[pick]))) {
                    pick = i;
                }
            }
            if (pick < 0) {
                break; // all at rank 1; feasibility was checked by the caller
            }
            cost -= delta(group.get(pick), k[pick], -1);
            k[pick]--;
        }
        while (true) {
            int pick = -1;
            for (int i = 0; i < k.length; i++) {
                if (k[i] < cap[i] && delta(group.get(i), k[i], 1) <= budget - cost
                        && (pick < 0 || r[i] / w[i] > r[pick] / w[pick]
                        || (r[i] / w[i] == r[pick] / w[pick] && k[i] < k[pick]))) {
                    pick = i;
                }
            }
            if (pick < 0) {
                return;
            }
            cost += delta(group.get(pick), k[pick], 1);
            k[pick]++;
        }
    }

    /** Change of the true parameter count when the rank moves from k by step (±). */
    private static long delta(SiteSpectrum s, int k, int step) {
        return Math.abs(RankRules.parametersAt(s.m(), s.n(), k + step) - RankRules.parametersAt(s.m(), s.n(), k));
    }

    private static boolean isQkv(String role) {
        return QUERY.equals(role) || KEY.equals(role) || VALUE.equals(role);
    }

    private static double tailEnergy(List<SiteSpectrum> group, int[] k) {
        double e = 0;
        for (int i = 0; i < k.length; i++) {
            e += group.get(i).tailEnergy(k[i]);
        }
        return e;
    }

    /** Spec step 7 in parameter units (GQA rule); mutates {@code ranks}; never raises the parameter count. */
    static void rebalanceAttention(List<SiteSpectrum> sites, int[] ranks, double tax) {
        List<Integer> payers = new ArrayList<>(), receivers = new ArrayList<>();
        for (int i = 0; i < sites.size(); i++) {
            String role = sites.get(i).role();
            if (QUERY.equals(role) || KEY.equals(role)) {
                payers.add(i);
            } else if (VALUE.equals(role)) {
                receivers.add(i);
            }
        }
        if (payers.isEmpty() || receivers.isEmpty()) {
            return;
        }
        long[] paid = new long[sites.size()];
        int[] taken = new int[sites.size()];
        long revenue = 0;
        for (int i : payers) {
            SiteSpectrum s = sites.get(i);
            int before = Math.min(ranks[i], Budget.cap(s));
            int give = (int) Math.min(Math.round(tax * before), before - 1);
            if (give <= 0) {
                continue;
            }
            paid[i] = RankRules.parametersAt(s.m(), s.n(), ranks[i]) - RankRules.parametersAt(s.m(), s.n(), before - give);
            taken[i] = give;
            ranks[i] = before - give;
            revenue += paid[i];
        }
        if (revenue == 0) {
            return;
        }
        long spill = 0;
        long share = revenue / receivers.size(), rest = revenue % receivers.size();
        for (int v = 0; v < receivers.size(); v++) {
            int i = receivers.get(v);
            long allowance = share + (v < rest ? 1 : 0);
            long used = grow(sites.get(i), ranks, i, allowance, Integer.MAX_VALUE);
            spill += allowance - used;
        }
        // Refund what v could not take to q/k, in proportion to what each paid (in parameters).
        for (int i : payers) {
            if (paid[i] > 0 && spill > 0) {
                long refund = (long) Math.floor((double) spill * paid[i] / revenue);
                grow(sites.get(i), ranks, i, refund, taken[i]);
            }
        }
    }

    /** Raises ranks[i] while the true added cost stays within allowance (and at most maxSteps); returns the cost. */
    private static long grow(SiteSpectrum s, int[] ranks, int i, long allowance, int maxSteps) {
        long used = 0;
        int cap = Budget.cap(s);
        for (int step = 0; step < maxSteps && ranks[i] < cap; step++) {
            long d = delta(s, ranks[i], 1);
            if (used + d > allowance) {
                break;
            }
            used += d;
            ranks[i]++;
        }
        return used;
    }
}
