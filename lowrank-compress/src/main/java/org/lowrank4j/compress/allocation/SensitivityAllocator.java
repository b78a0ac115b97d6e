package org.lowrank4j.compress.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;

/**
 * ASVD's sensitivity-based truncation rank search, STRS (Yuan et al., <i>ASVD: Activation-aware Singular Value
 * Decomposition for Compressing Large Language Models</i>, arXiv:2312.05821; spec {@code shared/methods/c03-asvd.md},
 * algorithm B), as a {@link RankAllocator} over end-to-end measurements from a {@link SensitivityProbe}.
 *
 * <ol>
 *   <li>Every site is measured at every candidate kept-parameter ratio p (spec: 0.4 … 0.9), at ASVD's rank
 *       {@code r = floor(floor(m·n·p) / (m + n))}: one probe call per (site, rank), cached in this object so
 *       later ratios reuse them (wrap the probe in {@link MeasuredSensitivities} to keep them across runs).</li>
 *   <li>All (site, p, loss) triples are sorted by loss, most harmful first (ties: smaller p first, then site
 *       order, so equal sensitivities spread the compression evenly).</li>
 *   <li>A cut index {@code mid} admits the suffix {@code sorted[mid:]} (the least harmful choices, i.e. those under
 *       a loss threshold); each site takes its smallest admitted p, or stays dense when none is admitted. Binary
 *       search finds the largest {@code mid} whose parameters fit the budget.</li>
 * </ol>
 * Two deliberate differences from the reference code: the budget is the project's (fraction of targeted parameters
 * removed, counted with the real r(m+n) of {@link Budget}, never exceeded), not the nominal Σ p·m·n; and the
 * result is the largest feasible cut rather than "the last evaluated mid", which could be over budget. A ratio
 * the candidates cannot reach (e.g. 0.7 removed with 0.4 the smallest kept fraction) is refused.
 */
public final class SensitivityAllocator implements RankAllocator {
    /** The spec's candidate kept-parameter ratios. */
    public static final double[] ASVD_CANDIDATES = {0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    static final String PHASE = "sensitivity";

    private final SensitivityProbe probe;
    private final double[] candidates;
    private final Progress progress;
    private final Map<String, Map<Integer, Double>> measured = new HashMap<>();
    private Double baseline;

    public SensitivityAllocator(SensitivityProbe probe) {
        this(probe, ASVD_CANDIDATES, Progress.NONE);
    }

    /**
     * @param candidates kept-parameter ratios in (0, 1), distinct
     * @param progress   receives one update per measurement (phase "sensitivity")
     */
    public SensitivityAllocator(SensitivityProbe probe, double[] candidates, Progress progress) {
        if (probe == null || progress == null) {
            throw new IllegalArgumentException("the sensitivity allocator needs a probe and a progress sink");
        }
        if (candidates.length == 0) {
            throw new IllegalArgumentException("the sensitivity search needs at least one candidate kept ratio");
        }
        double[] sorted = candidates.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (!(sorted[i] > 0 && sorted[i] < 1) || (i > 0 && sorted[i] == sorted[i - 1])) {
                throw new IllegalArgumentException("candidate kept ratios must be distinct and in (0, 1), got " + Arrays.toString(candidates));
            }
        }
        this.probe = probe;
        this.candidates = sorted;
        this.progress = progress;
    }

    @Override
    public String name() {
        return "sensitivity";
    }

    /** ASVD's rank for kept ratio p: floor(floor(m·n·p) / (m + n)), at least 1. */
    public static int candidateRank(int m, int n, double keptRatio) {
        long kept = (long) Math.floor((double) m * n * keptRatio);
        return (int) Math.max(1, Math.min(kept / (m + n), Math.min(m, n)));
    }

    @Override
    public synchronized int[] allocate(List<SiteSpectrum> sites, double ratio) {
        long budget = Budget.of(sites, ratio);
        List<Choice> choices = measure(sites);
        choices.sort(Comparator.comparingDouble((Choice c) -> -c.loss).thenComparingDouble(c -> c.kept).thenComparingInt(c -> c.site));
        if (kept(sites, choices, 0) > budget) {
            throw new IllegalArgumentException(name() + ": ratio " + ratio + " leaves " + budget + " parameters, but every site at the smallest candidate kept ratio "
                    + candidates[0] + " already needs " + kept(sites, choices, 0) + "; add smaller candidates");
        }
        int low = 0, high = choices.size(); // kept(mid) is non-decreasing in mid; kept(size) = all dense > budget
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (kept(sites, choices, mid) <= budget) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return ranksFor(sites, choices, low);
    }

    /** The loss of the uncompressed model (measured once). */
    public synchronized double baseline() {
        if (baseline == null) {
            double b = probe.baseline();
            if (!Double.isFinite(b)) {
                throw new IllegalArgumentException("sensitivity probe returned " + b + " for the uncompressed model's baseline loss");
            }
            baseline = b;
        }
        return baseline;
    }

    /** The loss measured for (site, rank), or NaN when not measured yet. */
    public synchronized double measuredLoss(String site, int rank) {
        Double v = measured.getOrDefault(site, Map.of()).get(rank);
        return v == null ? Double.NaN : v;
    }

    /** One (site, candidate) pair: the rank a kept ratio gives and the loss measured there. */
    private record Choice(int site, double kept, int rank, double loss) {
    }

    private List<Choice> measure(List<SiteSpectrum> sites) {
        baseline();
        int total = 0;
        List<Set<Integer>> ranks = new ArrayList<>();
        for (SiteSpectrum s : sites) {
            Set<Integer> r = new LinkedHashSet<>();
            for (double p : candidates) {
                int rank = candidateRank(s.m(), s.n(), p);
                if (RankRules.saves(s.m(), s.n(), rank)) {
                    r.add(rank);
                }
            }
            ranks.add(r);
            total += r.size();
        }
        int done = 0;
        progress.update(PHASE, 0, total, "");
        for (int i = 0; i < sites.size(); i++) {
            String site = sites.get(i).name();
            Map<Integer, Double> known = measured.computeIfAbsent(site, k -> new HashMap<>());
            for (int r : ranks.get(i)) {
                if (!known.containsKey(r)) {
                    double loss = probe.evaluate(site, r);
                    if (!Double.isFinite(loss)) {
                        throw new IllegalArgumentException("sensitivity probe returned " + loss + " for site " + site + " at rank " + r
                                + "; the truncated model's loss must be finite");
                    }
                    known.put(r, loss);
                }
                progress.update(PHASE, ++done, total, site + " @ rank " + r);
            }
        }
        List<Choice> choices = new ArrayList<>();
        for (int i = 0; i < sites.size(); i++) {
            SiteSpectrum s = sites.get(i);
            for (double p : candidates) {
                int r = candidateRank(s.m(), s.n(), p);
                if (RankRules.saves(s.m(), s.n(), r)) {
                    choices.add(new Choice(i, p, r, measured.get(s.name()).get(r)));
                }
            }
        }
        return choices;
    }

    /** Each site's smallest admitted rank in sorted[mid:], or break-even (dense) when none. */
    private static int[] ranksFor(List<SiteSpectrum> sites, List<Choice> sorted, int mid) {
        int[] ranks = new int[sites.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = RankRules.breakEvenRank(sites.get(i).m(), sites.get(i).n());
        }
        for (int j = mid; j < sorted.size(); j++) {
            Choice c = sorted.get(j);
            ranks[c.site] = Math.min(ranks[c.site], c.rank);
        }
        return ranks;
    }

    private static long kept(List<SiteSpectrum> sites, List<Choice> sorted, int mid) {
        return Budget.kept(sites, ranksFor(sites, sorted, mid));
    }
}
