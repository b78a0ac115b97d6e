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
 *
 * <p>{@link #marginal()} gives a second rule over the same measurements ({@code sensitivity-greedy}, ours): STRS's
 * threshold equalises the worst single-site loss, and it can only compress a site by at least 1 − 0.9 of its
 * parameters. The marginal rule instead minimises the sum of measured loss increases: each site's points
 * (parameters removed, loss − baseline), starting from (0, 0) for the dense site, are reduced to their lower convex
 * hull; the hull segments of all sites are taken in order of loss per parameter removed, cheapest first, until the
 * budget holds, and the site of the last segment gets the rank inside that segment that meets the budget exactly.
 */
public final class SensitivityAllocator implements RankAllocator {
    /** The spec's candidate kept-parameter ratios. */
    public static final double[] ASVD_CANDIDATES = {0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    static final String PHASE = "sensitivity";

    private final SensitivityProbe probe;
    private final double[] candidates;
    private final Progress progress;
    private final Map<String, Map<Integer, Double>> measured;
    private final boolean marginalRule;
    private final SensitivityAllocator measurementsOwner; // this, or the allocator whose measurements a marginal view shares
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
        this.measured = new HashMap<>();
        this.marginalRule = false;
        this.measurementsOwner = this;
    }

    private SensitivityAllocator(SensitivityAllocator owner) {
        this.probe = owner.probe;
        this.candidates = owner.candidates;
        this.progress = owner.progress;
        this.measured = owner.measured;
        this.marginalRule = true;
        this.measurementsOwner = owner;
    }

    /** Whether an allocation name is one of the two end-to-end sensitivity rules ({@code sensitivity}, {@code sensitivity-greedy}). */
    public static boolean isSensitivity(String allocation) {
        String a = allocation.trim().toLowerCase(java.util.Locale.ROOT);
        return a.equals("sensitivity") || a.equals("sensitivity-greedy");
    }

    /** This allocator's measurements under the rule {@code allocation} names ({@link #isSensitivity}). */
    public SensitivityAllocator forName(String allocation) {
        return allocation.trim().equalsIgnoreCase("sensitivity-greedy") ? marginal()
                : marginalRule ? measurementsOwner : this;
    }

    /** The marginal-cost rule ({@code sensitivity-greedy}) over this allocator's probe, candidates and measurements. */
    public SensitivityAllocator marginal() {
        return marginalRule ? this : new SensitivityAllocator(measurementsOwner);
    }

    @Override
    public String name() {
        return marginalRule ? "sensitivity-greedy" : "sensitivity";
    }

    /** ASVD's rank for kept ratio p: floor(floor(m·n·p) / (m + n)), at least 1. */
    public static int candidateRank(int m, int n, double keptRatio) {
        long kept = (long) Math.floor((double) m * n * keptRatio);
        return (int) Math.max(1, Math.min(kept / (m + n), Math.min(m, n)));
    }

    @Override
    public int[] allocate(List<SiteSpectrum> sites, double ratio) {
        synchronized (measurementsOwner) {
            return marginalRule ? allocateMarginal(sites, ratio) : allocateThreshold(sites, ratio);
        }
    }

    private int[] allocateThreshold(List<SiteSpectrum> sites, double ratio) {
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

    /** One segment of a site's lower convex hull: from rank {@code fromRank} down to {@code toRank}. */
    private record Segment(int site, int fromRank, int toRank, long removed, double slope) {
    }

    private int[] allocateMarginal(List<SiteSpectrum> sites, double ratio) {
        long budget = Budget.of(sites, ratio);
        List<Choice> choices = measure(sites);
        double base = baseline();
        int[] ranks = new int[sites.size()];
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < sites.size(); i++) {
            SiteSpectrum s = sites.get(i);
            ranks[i] = RankRules.breakEvenRank(s.m(), s.n());
            long dense = s.denseParameters();
            List<long[]> removedAndRank = new ArrayList<>();
            List<Double> losses = new ArrayList<>();
            removedAndRank.add(new long[] {0, ranks[i]});
            losses.add(0.0);
            final int site = i;
            choices.stream().filter(c -> c.site == site).sorted(Comparator.comparingInt((Choice c) -> -c.rank)).forEach(c -> {
                removedAndRank.add(new long[] {dense - RankRules.parametersAt(s.m(), s.n(), c.rank), c.rank});
                losses.add(c.loss - base);
            });
            // lower convex hull over (removed, loss), removed increasing
            List<Integer> hull = new ArrayList<>();
            for (int k = 0; k < removedAndRank.size(); k++) {
                while (hull.size() >= 2) {
                    int a = hull.get(hull.size() - 2), b = hull.get(hull.size() - 1);
                    double cross = (removedAndRank.get(b)[0] - removedAndRank.get(a)[0]) * (losses.get(k) - losses.get(a))
                            - (losses.get(b) - losses.get(a)) * (double) (removedAndRank.get(k)[0] - removedAndRank.get(a)[0]);
                    if (cross <= 0) {
                        hull.remove(hull.size() - 1); // b lies on or above the chord a–k
                    } else {
                        break;
                    }
                }
                hull.add(k);
            }
            for (int k = 1; k < hull.size(); k++) {
                long[] from = removedAndRank.get(hull.get(k - 1)), to = removedAndRank.get(hull.get(k));
                long removed = to[0] - from[0];
                segments.add(new Segment(i, (int) from[1], (int) to[1], removed,
                        (losses.get(hull.get(k)) - losses.get(hull.get(k - 1))) / removed));
            }
        }
        segments.sort(Comparator.comparingDouble(Segment::slope).thenComparingInt(Segment::site));
        long kept = Budget.kept(sites, ranks);
        for (Segment g : segments) {
            if (kept <= budget) {
                break;
            }
            SiteSpectrum s = sites.get(g.site);
            long keptElsewhere = kept - RankRules.parametersAt(s.m(), s.n(), ranks[g.site]);
            long room = budget - keptElsewhere;
            int exact = (int) Math.max(0, room / (s.m() + s.n()));
            if (exact > g.toRank && RankRules.saves(s.m(), s.n(), exact)) {
                ranks[g.site] = Math.min(exact, g.fromRank);
            } else {
                ranks[g.site] = g.toRank;
            }
            kept = keptElsewhere + RankRules.parametersAt(s.m(), s.n(), ranks[g.site]);
        }
        if (kept > budget) {
            throw new IllegalArgumentException(name() + ": ratio " + ratio + " leaves " + budget + " parameters, but every site at the smallest"
                    + " candidate kept ratio " + candidates[0] + " already needs " + kept + "; add smaller candidates");
        }
        return ranks;
    }

    /** The loss of the uncompressed model (measured once). */
    public double baseline() {
        if (measurementsOwner != this) {
            return measurementsOwner.baseline();
        }
        synchronized (this) {
            return ownBaseline();
        }
    }

    private double ownBaseline() {
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
    public double measuredLoss(String site, int rank) {
        synchronized (measurementsOwner) {
            Double v = measured.getOrDefault(site, Map.of()).get(rank);
            return v == null ? Double.NaN : v;
        }
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
