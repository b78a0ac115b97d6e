package org.lowrank4j.compress.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.RankRules;

/** Spec c03 algorithm B (STRS) with a synthetic probe: loss = baseline + Σ planted weight × relative tail energy. */
class SensitivityAllocatorTest {
    static final double BASELINE = 10;

    /** Counts calls per (site, rank); loss = baseline + weight(site) · tail(rank)/total. */
    static final class PlantedProbe implements SensitivityProbe {
        final Map<String, SiteSpectrum> sites = new HashMap<>();
        final Map<String, Double> weights = new HashMap<>();
        final Map<String, Integer> calls = new HashMap<>();
        final AtomicInteger total = new AtomicInteger();
        int baselineCalls;

        PlantedProbe(List<SiteSpectrum> spectra, double[] weight) {
            for (int i = 0; i < spectra.size(); i++) {
                sites.put(spectra.get(i).name(), spectra.get(i));
                weights.put(spectra.get(i).name(), weight[i]);
            }
        }

        @Override
        public double baseline() {
            baselineCalls++;
            return BASELINE;
        }

        @Override
        public double evaluate(String site, int rank) {
            calls.merge(site + "@" + rank, 1, Integer::sum);
            total.incrementAndGet();
            SiteSpectrum s = sites.get(site);
            return BASELINE + weights.get(site) * s.tailEnergy(rank) / s.totalEnergy();
        }
    }

    static List<SiteSpectrum> sites(int count, double decay) {
        List<SiteSpectrum> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new SiteSpectrum("block" + i + ".ffn.up", "ffn.up", 48, 32, AllocatorContractTest.decaying(32, decay)));
        }
        return out;
    }

    @Test
    void meetsTheBudgetAndSpendsMostOfIt() {
        List<SiteSpectrum> sites = AllocatorContractTest.heterogeneous();
        double[] weights = new double[sites.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = 1 + (i * 7 % 5);
        }
        SensitivityAllocator allocator = new SensitivityAllocator(new PlantedProbe(sites, weights));
        for (double ratio : new double[] {0.1, 0.2, 0.3, 0.4, 0.5}) {
            int[] ranks = allocator.allocate(sites, ratio);
            long budget = Budget.of(sites, ratio);
            assertThat(Budget.kept(sites, ranks)).as("ratio %.1f", ratio).isLessThanOrEqualTo(budget);
            assertThat(Budget.kept(sites, ranks)).as("ratio %.1f", ratio).isGreaterThan((long) (0.85 * budget));
            for (int i = 0; i < ranks.length; i++) {
                SiteSpectrum s = sites.get(i);
                assertThat(ranks[i] <= Math.min(s.m(), s.n()) || ranks[i] >= RankRules.breakEvenRank(s.m(), s.n())).isTrue();
                assertThat(ranks[i]).isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void moreSensitiveSitesKeepMoreRank() {
        List<SiteSpectrum> sites = sites(6, 0.08);
        double[] weights = {1, 20, 1, 20, 1, 20};
        SensitivityAllocator allocator = new SensitivityAllocator(new PlantedProbe(sites, weights));
        boolean strictly = false;
        for (double ratio : new double[] {0.15, 0.3, 0.45}) {
            int[] ranks = allocator.allocate(sites, ratio);
            for (int i = 0; i < ranks.length; i += 2) {
                assertThat(ranks[i + 1]).as("ratio %.2f", ratio).isGreaterThanOrEqualTo(ranks[i]);
                strictly |= ranks[i + 1] > ranks[i];
            }
        }
        assertThat(strictly).isTrue();
    }

    @Test
    void equalSensitivitiesSpreadTheCompressionEvenly() {
        // Spec test 4: with all sensitivities equal, ratios are spread uniformly (within one candidate step).
        List<SiteSpectrum> sites = sites(5, 0.05);
        SensitivityProbe flat = new SensitivityProbe() {
            @Override
            public double baseline() {
                return 1;
            }

            @Override
            public double evaluate(String site, int rank) {
                return 2;
            }
        };
        SensitivityAllocator allocator = new SensitivityAllocator(flat);
        int step = SensitivityAllocator.candidateRank(48, 32, 0.9) - SensitivityAllocator.candidateRank(48, 32, 0.8);
        for (double ratio : new double[] {0.15, 0.3, 0.45}) {
            int[] ranks = allocator.allocate(sites, ratio);
            int min = java.util.Arrays.stream(ranks).min().orElseThrow(), max = java.util.Arrays.stream(ranks).max().orElseThrow();
            assertThat(max - min).as("ratio %.2f: %s", ratio, java.util.Arrays.toString(ranks)).isLessThanOrEqualTo(step + 1);
        }
    }

    @Test
    void raisingTheRatioNeverGrowsAnySitesRank() {
        // Spec c03 test 4: a higher ratio is a smaller budget, so the threshold search admits a longer suffix of the
        // sorted choices and no site's kept rank may grow.
        List<SiteSpectrum> sites = AllocatorContractTest.heterogeneous();
        double[] weights = new double[sites.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = 1 + (i * 3 % 7); // uneven sensitivities, so the sites are cut at different ratios
        }
        SensitivityAllocator allocator = new SensitivityAllocator(new PlantedProbe(sites, weights));
        assertThat(allocator.name()).isEqualTo("sensitivity");
        int[] previous = null;
        int lowered = 0;
        for (double ratio = 0.02; ratio <= 0.5 + 1e-9; ratio += 0.02) {
            int[] ranks = allocator.allocate(sites, ratio);
            if (previous != null) {
                for (int i = 0; i < ranks.length; i++) {
                    assertThat(ranks[i]).as("site %s at ratio %.2f", sites.get(i).name(), ratio).isLessThanOrEqualTo(previous[i]);
                    lowered += ranks[i] < previous[i] ? 1 : 0;
                }
            }
            previous = ranks;
        }
        // the sweep moves ranks at many steps, not only at one
        assertThat(lowered).isGreaterThan(sites.size());
    }

    @Test
    void probesEachSiteAndCandidateOnceAcrossRatios() {
        List<SiteSpectrum> sites = sites(4, 0.06);
        PlantedProbe probe = new PlantedProbe(sites, new double[] {1, 2, 3, 4});
        List<String> phases = java.util.Collections.synchronizedList(new ArrayList<>());
        SensitivityAllocator allocator = new SensitivityAllocator(probe, SensitivityAllocator.ASVD_CANDIDATES,
                (phase, done, total, detail) -> phases.add(phase + " " + done + "/" + total));
        for (double ratio : new double[] {0.2, 0.3, 0.5, 0.2}) {
            allocator.allocate(sites, ratio);
        }
        assertThat(probe.total.get()).isEqualTo(4 * 6);
        assertThat(probe.calls.values()).allMatch(c -> c == 1);
        assertThat(probe.baselineCalls).isEqualTo(1);
        assertThat(phases).contains("sensitivity 24/24");
        assertThat(SensitivityAllocator.candidateRank(768, 768, 0.9)).isEqualTo(345); // spec test 5
        assertThat(allocator.measuredLoss(sites.get(0).name(), SensitivityAllocator.candidateRank(48, 32, 0.4))).isGreaterThan(BASELINE);
    }

    @Test
    void refusesNonFiniteLossesNamingTheSite() {
        List<SiteSpectrum> sites = sites(3, 0.06);
        PlantedProbe good = new PlantedProbe(sites, new double[] {1, 1, 1});
        SensitivityProbe bad = new SensitivityProbe() {
            @Override
            public double baseline() {
                return BASELINE;
            }

            @Override
            public double evaluate(String site, int rank) {
                return site.startsWith("block1") && rank < 10 ? Double.NaN : good.evaluate(site, rank);
            }
        };
        assertThatThrownBy(() -> new SensitivityAllocator(bad).allocate(sites, 0.3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block1.ffn.up").hasMessageContaining("NaN");
    }

    @Test
    void refusesUnreachableRatiosAndBadCandidates() {
        List<SiteSpectrum> sites = sites(3, 0.06);
        SensitivityAllocator allocator = new SensitivityAllocator(new PlantedProbe(sites, new double[] {1, 1, 1}));
        assertThatThrownBy(() -> allocator.allocate(sites, 0.75)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("smallest candidate");
        assertThatThrownBy(() -> allocator.allocate(sites, 1.0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ratio");
        assertThatThrownBy(() -> new SensitivityAllocator(new PlantedProbe(sites, new double[] {1, 1, 1}),
                new double[] {0.5, 1.2}, org.lowrank4j.compress.Progress.NONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(0, 1)");
    }

    /** Σ over sites of the planted loss increase at the given ranks (the additive objective the marginal rule minimises). */
    private static double summedIncrease(PlantedProbe probe, List<SiteSpectrum> sites, int[] ranks) {
        double sum = 0;
        for (int i = 0; i < ranks.length; i++) {
            SiteSpectrum s = sites.get(i);
            if (RankRules.saves(s.m(), s.n(), ranks[i])) {
                sum += probe.evaluate(s.name(), ranks[i]) - BASELINE;
            }
        }
        return sum;
    }

    @Test
    void theMarginalRuleMeetsTheBudgetExactlyAndLosesLessInSumThanTheThreshold() {
        List<SiteSpectrum> sites = AllocatorContractTest.heterogeneous();
        double[] weights = new double[sites.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = 1 + 7 * ((i * 5) % 4); // some sites matter eight times more than others
        }
        PlantedProbe probe = new PlantedProbe(sites, weights);
        SensitivityAllocator threshold = new SensitivityAllocator(probe);
        SensitivityAllocator marginal = threshold.marginal();
        assertThat(marginal.name()).isEqualTo("sensitivity-greedy");
        assertThat(threshold.forName("sensitivity-greedy").name()).isEqualTo("sensitivity-greedy");
        assertThat(marginal.forName("sensitivity")).isSameAs(threshold);
        long slack = sites.stream().mapToLong(s -> s.m() + s.n()).max().orElseThrow();
        for (double ratio : new double[] {0.1, 0.2, 0.3, 0.4}) {
            long budget = Budget.of(sites, ratio);
            int[] greedy = marginal.allocate(sites, ratio);
            assertThat(Budget.kept(sites, greedy)).as("ratio %s", ratio).isLessThanOrEqualTo(budget).isGreaterThan(budget - slack);
            int[] strs = threshold.allocate(sites, ratio);
            assertThat(summedIncrease(probe, sites, greedy)).as("ratio %s", ratio)
                    .isLessThanOrEqualTo(summedIncrease(probe, sites, strs) + 1e-12);
        }
        int before = probe.total.get();
        marginal.allocate(sites, 0.25);
        threshold.allocate(sites, 0.25);
        // the candidate ranks were all measured already; only the summedIncrease calls above touched the probe since
        assertThat(probe.total.get()).isEqualTo(before);
    }

    @Test
    void theMarginalRuleLeavesTheCostlySitesDenseAtSmallRatios() {
        List<SiteSpectrum> sites = sites(6, 0.1);
        double[] weights = {100, 1, 100, 1, 100, 1};
        int[] ranks = new SensitivityAllocator(new PlantedProbe(sites, weights)).marginal().allocate(sites, 0.1);
        for (int i = 0; i < 6; i += 2) {
            assertThat(RankRules.saves(48, 32, ranks[i])).as("costly site %d", i).isFalse();
        }
        assertThat(ranks[1]).isLessThan(RankRules.breakEvenRank(48, 32));
    }
}
