package org.lowrank4j.compress.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.compress.RankRules;

/** The contract every allocator in {@link Allocators#all()} keeps. */
class AllocatorContractTest {
    private static final double[] RATIOS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    /** Allocators whose criterion is a spectral shape (energy, effective rank, heavy tail). */
    private static final Set<String> SPECTRAL = Set.of("energy", "d-rank", "welore");

    static Stream<RankAllocator> allocators() {
        return Allocators.all().stream();
    }

    static double[] decaying(int q, double decay) {
        double[] s = new double[q];
        for (int j = 0; j < q; j++) {
            s[j] = 3.0 * Math.exp(-decay * j);
        }
        return s;
    }

    /** Two GQA-shaped transformer blocks with heterogeneous spectra, one rank-deficient, one flat. */
    static List<SiteSpectrum> heterogeneous() {
        List<SiteSpectrum> out = new ArrayList<>();
        String[] roles = {"attention.query", "attention.key", "attention.value", "attention.output", "ffn.gate", "ffn.up", "ffn.down"};
        int[][] shapes = {{64, 64}, {16, 64}, {16, 64}, {64, 64}, {128, 64}, {128, 64}, {64, 128}};
        double[][] decays = {{0.05, 0.2, 0.01, 0.1, 0.03, 0.0, 0.15}, {0.3, 0.02, 0.08, 0.005, 0.2, 0.06, 0.04}};
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < roles.length; t++) {
                int q = Math.min(shapes[t][0], shapes[t][1]);
                double[] s = decaying(q, decays[b][t]);
                if (b == 1 && t == 3) {
                    for (int j = q / 2; j < q; j++) {
                        s[j] = 0; // rank-deficient
                    }
                }
                out.add(new SiteSpectrum("block" + b + "." + roles[t], roles[t], shapes[t][0], shapes[t][1], s));
            }
        }
        return out;
    }

    private static long budget(List<SiteSpectrum> sites, double ratio) {
        return (long) Math.floor((1 - ratio) * sites.stream().mapToLong(SiteSpectrum::denseParameters).sum());
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void neverExceedsTheBudgetAndRanksAreValid(RankAllocator allocator) {
        List<SiteSpectrum> sites = heterogeneous();
        for (double ratio : RATIOS) {
            int[] ranks = allocator.allocate(sites, ratio);
            assertThat(ranks).hasSize(sites.size());
            assertThat(Budget.kept(sites, ranks)).as("%s at %.1f", allocator.name(), ratio).isLessThanOrEqualTo(budget(sites, ratio));
            for (int i = 0; i < ranks.length; i++) {
                SiteSpectrum s = sites.get(i);
                assertThat(ranks[i]).as("%s %s", allocator.name(), s.name()).isGreaterThanOrEqualTo(1);
                assertThat(ranks[i] <= Math.min(s.m(), s.n()) || ranks[i] >= RankRules.breakEvenRank(s.m(), s.n())).isTrue();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void spendsMostOfTheBudget(RankAllocator allocator) {
        // Not a hard property of one-threshold rules, but none should leave most of the budget unused.
        List<SiteSpectrum> sites = heterogeneous();
        for (double ratio : new double[] {0.2, 0.5}) {
            long kept = Budget.kept(sites, allocator.allocate(sites, ratio));
            assertThat(kept).as("%s at %.1f", allocator.name(), ratio).isGreaterThan((long) (0.85 * budget(sites, ratio)));
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void isDeterministic(RankAllocator allocator) {
        for (double ratio : new double[] {0.25, 0.6}) {
            assertThat(allocator.allocate(heterogeneous(), ratio)).isEqualTo(allocator.allocate(heterogeneous(), ratio));
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void refusesRatiosOutsideTheOpenUnitInterval(RankAllocator allocator) {
        for (double bad : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> allocator.allocate(heterogeneous(), bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ratio");
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void identicalSitesGetNearlyIdenticalRanks(RankAllocator allocator) {
        List<SiteSpectrum> sites = new ArrayList<>(heterogeneous());
        double[] s = decaying(64, 0.04);
        sites.add(new SiteSpectrum("twin a", "ffn.up", 128, 64, s));
        sites.add(new SiteSpectrum("twin b", "ffn.up", 128, 64, s.clone()));
        for (double ratio : RATIOS) {
            int[] ranks = allocator.allocate(sites, ratio);
            int a = ranks[sites.size() - 2], b = ranks[sites.size() - 1];
            int be = RankRules.breakEvenRank(128, 64);
            if (a >= be && b >= be) {
                continue; // both dense
            }
            assertThat(Math.abs(a - b)).as("%s at %.1f", allocator.name(), ratio).isLessThanOrEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void fasterDecayNeverGetsMore(RankAllocator allocator) {
        if (!SPECTRAL.contains(allocator.name())) {
            return;
        }
        List<SiteSpectrum> sites = new ArrayList<>(heterogeneous());
        sites.add(new SiteSpectrum("slow", "ffn.up", 128, 64, decaying(64, 0.03)));
        sites.add(new SiteSpectrum("fast", "ffn.up", 128, 64, decaying(64, 0.12)));
        for (double ratio : RATIOS) {
            int[] ranks = allocator.allocate(sites, ratio);
            int slow = ranks[sites.size() - 2], fast = ranks[sites.size() - 1];
            long slowParams = RankRules.parametersAt(128, 64, slow), fastParams = RankRules.parametersAt(128, 64, fast);
            assertThat(fastParams).as("%s at %.1f: fast %d slow %d", allocator.name(), ratio, fast, slow).isLessThanOrEqualTo(slowParams);
        }
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void refusesABudgetThatCannotHoldRankOne(RankAllocator allocator) {
        if (!SPECTRAL.contains(allocator.name())) {
            return; // uniform and global predate this check
        }
        List<SiteSpectrum> tiny = List.of(new SiteSpectrum("t", "ffn.up", 2, 2, new double[] {1, 0.5}));
        assertThatThrownBy(() -> allocator.allocate(tiny, 0.9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank 1");
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void isListedByName(RankAllocator allocator) {
        assertThat(Allocators.byName(allocator.name()).getClass()).isEqualTo(allocator.getClass());
    }
}
