package org.lowrank4j.compress.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.RankRules;

/** SVD-LLM V2's per-type ratio allocation (spec c04): the budget holds and higher-loss matrices keep more rank. */
class SvdLlmV2AllocatorTest {
    private static final String[] ROLES = {"attention.query", "attention.key", "attention.value", "attention.output", "ffn.up", "ffn.down"};
    private static final int[][] SHAPES = {{64, 64}, {32, 64}, {32, 64}, {64, 64}, {128, 64}, {64, 128}};

    /** Four blocks; spectra decay at block-dependent rates and scale, as whitened spectra on summed Grams do. */
    private static List<SiteSpectrum> model(double scale) {
        List<SiteSpectrum> sites = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            for (int t = 0; t < ROLES.length; t++) {
                int q = Math.min(SHAPES[t][0], SHAPES[t][1]);
                double[] s = new double[q];
                for (int j = 0; j < q; j++) {
                    s[j] = scale * (1 + b + t) * Math.exp(-(0.02 + 0.03 * ((b * 5 + t * 3) % 7)) * j);
                }
                sites.add(new SiteSpectrum("block" + b + "." + ROLES[t], ROLES[t], SHAPES[t][0], SHAPES[t][1], s));
            }
        }
        return sites;
    }

    private static long kept(List<SiteSpectrum> sites, int[] ranks) {
        long total = 0;
        for (int i = 0; i < ranks.length; i++) {
            total += RankRules.parametersAt(sites.get(i).m(), sites.get(i).n(), ranks[i]);
        }
        return total;
    }

    @Test
    void keepsTheBudgetClosely() {
        SvdLlmV2Allocator allocator = new SvdLlmV2Allocator();
        for (double scale : new double[] {1e4, 0.01}) {
            List<SiteSpectrum> sites = model(scale);
            long dense = sites.stream().mapToLong(SiteSpectrum::denseParameters).sum();
            long slack = sites.stream().mapToLong(s -> s.m() + s.n()).sum(); // one rank per site of flooring
            for (double ratio : new double[] {0.1, 0.2, 0.4, 0.6, 0.8}) {
                int[] ranks = allocator.allocate(sites, ratio);
                long budget = (long) Math.floor((1 - ratio) * dense);
                assertThat(kept(sites, ranks)).as("scale %s ratio %s", scale, ratio).isLessThanOrEqualTo(budget).isGreaterThan(budget - slack);
                for (int i = 0; i < ranks.length; i++) {
                    assertThat(ranks[i]).isBetween(1, Math.min(sites.get(i).m(), sites.get(i).n()));
                }
            }
        }
    }

    @Test
    void higherLossMatricesOfATypeGetMoreRank() {
        higherLossKeepsMoreRank(1000);
    }

    @Test
    void higherLossKeepsMoreRankWhenTheLossesAreBelowOne() {
        // Spectra scaled by 1e-3 (averaged rather than summed Grams): every L_i is below e, so the log guard rescales
        // the group; the order of the ranks must survive it.
        higherLossKeepsMoreRank(1e-3);
    }

    /** Four query projections of equal shape, spectra scaled 1, 2, 4, 8 (times {@code scale}): losses grow in that order. */
    private static void higherLossKeepsMoreRank(double scale) {
        List<SiteSpectrum> sites = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            double[] s = new double[64];
            for (int j = 0; j < 64; j++) {
                s[j] = scale * (1 << b) * Math.exp(-0.05 * j);
            }
            sites.add(new SiteSpectrum("block" + b + ".q", "attention.query", 64, 64, s));
        }
        double[] losses = SvdLlmV2Allocator.uniformLosses(sites, 0.3);
        int[] ranks = new SvdLlmV2Allocator().allocate(sites, 0.3);
        for (int b = 1; b < 4; b++) {
            assertThat(losses[b]).isGreaterThan(losses[b - 1]);
            assertThat(ranks[b]).as("scale %s: %s", scale, java.util.Arrays.toString(ranks)).isGreaterThanOrEqualTo(ranks[b - 1]);
        }
        if (scale < 1) {
            assertThat(losses[3]).isLessThan(Math.E); // the guarded regime
        } else {
            assertThat(losses[0]).isGreaterThan(Math.E); // the formula used verbatim
        }
        assertThat(ranks[3]).isGreaterThan(ranks[0]);
        assertThat(ranks[0]).isLessThan(RankRules.rankForRatio(64, 64, 0.3));
        assertThat(ranks[3]).isGreaterThan(RankRules.rankForRatio(64, 64, 0.3));
    }

    @Test
    void eachTypeIsAllocatedAsIfItWereAlone() {
        // Spec c04 V2: matrices are grouped by type and each group keeps the target on its own, so adding another
        // type (with far larger spectra and other shapes) changes nothing for the first.
        List<SiteSpectrum> both = new ArrayList<>(), query = new ArrayList<>(), down = new ArrayList<>();
        for (SiteSpectrum s : model(1e4)) {
            if (s.role().equals("attention.query")) {
                query.add(s);
                both.add(s);
            } else if (s.role().equals("ffn.down")) {
                SiteSpectrum louder = new SiteSpectrum(s.name(), s.role(), s.m(), s.n(), scaled(s.spectrum(), 1e3));
                down.add(louder);
                both.add(louder);
            }
        }
        SvdLlmV2Allocator allocator = new SvdLlmV2Allocator();
        for (double ratio : new double[] {0.2, 0.4, 0.6}) {
            int[] together = allocator.allocate(both, ratio);
            int[] q = allocator.allocate(query, ratio), d = allocator.allocate(down, ratio);
            int[] expected = new int[both.size()];
            for (int i = 0, iq = 0, id = 0; i < both.size(); i++) {
                expected[i] = both.get(i).role().equals("attention.query") ? q[iq++] : d[id++];
            }
            assertThat(together).as("ratio %s", ratio).containsExactly(expected);
            // the comparison has teeth: pooling both types into one group would give other ranks
            List<SiteSpectrum> pooled = both.stream().map(s -> new SiteSpectrum(s.name(), "pooled", s.m(), s.n(), s.spectrum())).toList();
            assertThat(allocator.allocate(pooled, ratio)).as("ratio %s pooled", ratio).isNotEqualTo(expected);
            // each type alone removes its share: the query group's kept parameters fit its own budget
            long queryDense = query.stream().mapToLong(SiteSpectrum::denseParameters).sum();
            assertThat(kept(query, q)).isLessThanOrEqualTo((long) Math.floor((1 - ratio) * queryDense));
        }
    }

    private static double[] scaled(double[] s, double factor) {
        double[] out = s.clone();
        for (int j = 0; j < out.length; j++) {
            out[j] *= factor;
        }
        return out;
    }

    @Test
    void equalShapesFollowTheSpecFormulaAndKeepTheMeanRatio() {
        List<SiteSpectrum> group = new ArrayList<>();
        for (SiteSpectrum s : model(1e4)) {
            if (s.role().equals("ffn.up")) {
                group.add(s);
            }
        }
        double ratio = 0.3;
        double[] losses = SvdLlmV2Allocator.uniformLosses(group, ratio);
        double sum = 0;
        for (double l : losses) {
            assertThat(l).isGreaterThan(Math.E); // summed-Gram scale: the formula is used verbatim
            sum += 1 / Math.log(l);
        }
        double[] ratios = SvdLlmV2Allocator.groupRatios(group, ratio);
        double mean = 0;
        for (int i = 0; i < group.size(); i++) {
            double spec = group.size() * ratio * (1 / Math.log(losses[i])) / sum;
            assertThat(ratios[i]).isCloseTo(spec, Offset.offset(1e-12));
            mean += ratios[i] / group.size();
        }
        assertThat(mean).isCloseTo(ratio, Offset.offset(1e-12));
    }

    @Test
    void ratiosAreClampedAndRenormalised() {
        // One tiny-loss matrix would get far above 0.95 unclamped at a high ratio.
        List<SiteSpectrum> group = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            double[] s = new double[64];
            for (int j = 0; j < 64; j++) {
                s[j] = (b == 0 ? 1e-30 : 1e30) * Math.exp(-0.05 * j);
            }
            group.add(new SiteSpectrum("b" + b, "ffn.down", 64, 64, s));
        }
        double[] ratios = SvdLlmV2Allocator.groupRatios(group, 0.7);
        double mean = 0;
        for (double r : ratios) {
            assertThat(r).isBetween(0.0, SvdLlmV2Allocator.MAX_SITE_RATIO + 1e-12);
            mean += r / 3;
        }
        assertThat(ratios[0]).isCloseTo(SvdLlmV2Allocator.MAX_SITE_RATIO, Offset.offset(1e-12));
        assertThat(mean).isCloseTo(0.7, Offset.offset(1e-12));
    }

    @Test
    void zeroLossesAndTheNameAndInfeasibleBudgets() {
        List<SiteSpectrum> flat = List.of(new SiteSpectrum("a", "x", 8, 8, new double[8]), new SiteSpectrum("b", "x", 8, 8, new double[8]));
        assertThat(SvdLlmV2Allocator.groupRatios(flat, 0.4)).containsExactly(0.4, 0.4);
        assertThat(new SvdLlmV2Allocator().name()).isEqualTo("svd-llm-v2");
        List<SiteSpectrum> tiny = List.of(new SiteSpectrum("t", "x", 2, 2, new double[] {1, 0.5}));
        assertThatThrownBy(() -> new SvdLlmV2Allocator().allocate(tiny, 0.9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("svd-llm-v2");
    }

    /**
     * A matrix that is nearly rank-deficient (as block 0's projections of a byte-level decoder are) loses nothing at the
     * uniform rank; the 1/log weight alone would cut it to a few ranks. The loss cap keeps its truncation loss within
     * the group's worst uniform-ratio loss, and the budget still holds.
     */
    @Test
    void aNearlyRankDeficientMatrixIsNotCutBelowItsEffectiveRank() {
        List<SiteSpectrum> group = new ArrayList<>();
        int n = 96;
        double[] lowRank = new double[n];
        for (int j = 0; j < n; j++) {
            lowRank[j] = j < 20 ? 50.0 * Math.exp(-0.03 * j) : 1e-9;
        }
        group.add(new SiteSpectrum("block0.q", "attention.query", n, n, lowRank));
        for (int b = 1; b < 6; b++) {
            double[] s = new double[n];
            for (int j = 0; j < n; j++) {
                s[j] = 10.0 * Math.exp(-0.02 * j);
            }
            group.add(new SiteSpectrum("block" + b + ".q", "attention.query", n, n, s));
        }
        double ratio = 0.2;
        int[] ranks = new SvdLlmV2Allocator().allocate(group, ratio);
        double worst = 0;
        for (double l : SvdLlmV2Allocator.uniformLosses(group, ratio)) {
            worst = Math.max(worst, l);
        }
        assertThat(Math.sqrt(group.get(0).tailEnergy(ranks[0]))).isLessThanOrEqualTo(worst * (1 + 1e-9));
        assertThat(ranks[0]).isGreaterThanOrEqualTo(8).isLessThan(RankRules.rankForRatio(n, n, ratio));
        long dense = group.stream().mapToLong(SiteSpectrum::denseParameters).sum();
        assertThat(kept(group, ranks)).isLessThanOrEqualTo((long) Math.floor((1 - ratio) * dense));
    }
}
