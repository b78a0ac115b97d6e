package org.lowrank4j.compress.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/** The "how to test it" items of specs c07 (D-Rank) and c08 (WeLore) that concern allocation, plus energy. */
class SpectralAllocatorSpecTest {

    private static SiteSpectrum site(String name, String role, int m, int n, double decay) {
        return new SiteSpectrum(name, role, m, n, AllocatorContractTest.decaying(Math.min(m, n), decay));
    }

    // ---- c07 D-Rank ----

    @Test
    void effectiveRankOfFlatIsItsLengthAndOfRankOneIsOne() { // c07 test 5
        double[] flat = new double[10];
        Arrays.fill(flat, 1);
        assertThat(EffectiveRankAllocator.effectiveRank(flat, true)).isCloseTo(10, within(1e-9));
        assertThat(EffectiveRankAllocator.effectiveRank(flat, false)).isCloseTo(10, within(1e-9));
        double[] one = new double[10];
        one[0] = 4;
        assertThat(EffectiveRankAllocator.effectiveRank(one, true)).isCloseTo(1, within(1e-9));
        // squared vs plain differ on a decaying spectrum (the pitfall: do not mix)
        double[] s = AllocatorContractTest.decaying(32, 0.1);
        assertThat(EffectiveRankAllocator.effectiveRank(s, true)).isLessThan(EffectiveRankAllocator.effectiveRank(s, false));
    }

    @Test
    void equalEffectiveRanksAndWidthsGiveTheUniformRank() { // c07 test 1
        List<SiteSpectrum> sites = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sites.add(site("l" + i, "ffn.up", 128, 64, 0.05));
        }
        for (double ratio : new double[] {0.2, 0.4, 0.6}) {
            int[] k = new EffectiveRankAllocator().allocate(sites, ratio);
            int uniform = RankRules.rankForRatio(128, 64, ratio);
            for (int r : k) {
                assertThat(Math.abs(r - uniform)).as("ratio %.1f ranks %s", ratio, Arrays.toString(k)).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void spendsTheRoleBudgetToWithinOneSiteCost() { // c07 test 2
        List<SiteSpectrum> sites = new ArrayList<>();
        double[] decays = {0.01, 0.05, 0.1, 0.2, 0.02, 0.3};
        for (int i = 0; i < decays.length; i++) {
            sites.add(site("l" + i, "ffn.down", 64, 128, decays[i]));
        }
        for (double ratio : new double[] {0.1, 0.3, 0.5, 0.7}) {
            long budget = Budget.of(sites, ratio);
            long kept = Budget.kept(sites, new EffectiveRankAllocator().allocate(sites, ratio));
            assertThat(kept).isLessThanOrEqualTo(budget).isGreaterThan(budget - (64 + 128));
        }
    }

    @Test
    void raisingOneEffectiveRankNeverLowersItsRank() { // c07 test 3
        List<SiteSpectrum> group = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            group.add(new SiteSpectrum("l" + i, "ffn.up", 128, 64, new double[64]));
        }
        double[] r = {3, 7, 12, 20, 30};
        long budget = Budget.of(group, 0.4);
        int previous = 0;
        for (double r0 = 0.5; r0 <= 60; r0 += 0.5) {
            r[0] = r0;
            int k0 = EffectiveRankAllocator.allocateGroup(group, r, budget)[0];
            assertThat(k0).as("R0 = %.1f", r0).isGreaterThanOrEqualTo(previous);
            previous = k0;
        }
    }

    @Test
    void closedFormWithoutActiveBoundsMatchesThePaper() { // c07 step 4
        List<SiteSpectrum> group = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            group.add(new SiteSpectrum("l" + i, "x", 512, 512, new double[512]));
        }
        double[] r = {50, 100, 200};
        long budget = 3L * 100 * 1024;
        int[] k = EffectiveRankAllocator.allocateGroup(group, r, budget);
        double norm = 0;
        for (double v : r) {
            norm += Math.sqrt(v * 1024);
        }
        for (int i = 0; i < 3; i++) {
            assertThat((double) k[i]).isCloseTo(Math.sqrt(r[i] / 1024) * budget / norm, within(1.01));
        }
    }

    @Test
    void attentionTaxConservesParametersAndMovesRankToValue() { // c07 test 4 and step 7 (GQA shapes)
        List<SiteSpectrum> sites = new ArrayList<>();
        for (int l = 0; l < 3; l++) {
            sites.add(site("q" + l, "attention.query", 256, 256, 0.02));
            sites.add(site("k" + l, "attention.key", 64, 256, 0.02));
            sites.add(site("v" + l, "attention.value", 64, 256, 0.02));
        }
        int[] before = new EffectiveRankAllocator(true, 0, false).allocate(sites, 0.5);
        int[] after = before.clone();
        EffectiveRankAllocator.rebalanceAttention(sites, after, 0.2);
        long maxWidth = 256 + 256;
        assertThat(Budget.kept(sites, after)).isLessThanOrEqualTo(Budget.kept(sites, before))
                .isGreaterThan(Budget.kept(sites, before) - 3 * maxWidth);
        for (int l = 0; l < 3; l++) {
            assertThat(after[3 * l]).isLessThan(before[3 * l]);
            assertThat(after[3 * l + 2]).isGreaterThan(before[3 * l + 2]);
        }
        // the default allocator applies it
        assertThat(new EffectiveRankAllocator().allocate(sites, 0.5)).isEqualTo(after);
    }

    /** q (256×256), k and v (64×256, GQA-narrow) for each layer, in that order. */
    private static List<SiteSpectrum> attentionLayers(int layers) {
        List<SiteSpectrum> sites = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            sites.add(site("q" + l, "attention.query", 256, 256, 0.02));
            sites.add(site("k" + l, "attention.key", 64, 256, 0.02));
            sites.add(site("v" + l, "attention.value", 64, 256, 0.02));
        }
        return sites;
    }

    @Test
    void attentionTaxIsRefundedInFullWhenEveryValueSiteIsAtItsMaxRank() { // c07 step 7 spill-over, test 4
        List<SiteSpectrum> sites = attentionLayers(2);
        int vCap = Budget.cap(sites.get(2));
        assertThat(vCap).isEqualTo(52).isLessThanOrEqualTo(64); // break-even of 64×256, below the spec's min(m, n)

        // Control: with room at v, q and k really pay the tax (round(0.2·40) = 8 and round(0.2·20) = 4 ranks).
        int[] roomy = {40, 20, 30, 40, 20, 30};
        EffectiveRankAllocator.rebalanceAttention(sites, roomy, 0.2);
        assertThat(roomy[0]).isLessThan(40);
        assertThat(roomy[1]).isLessThan(20);
        assertThat(roomy[2]).isGreaterThan(30);

        // Every v already at its max rank: v takes nothing, so all revenue spills over and each payer gets back
        // exactly what it paid; the ranks and the parameter count come out unchanged.
        int[] before = {40, 20, vCap, 40, 20, vCap};
        int[] after = before.clone();
        EffectiveRankAllocator.rebalanceAttention(sites, after, 0.2);
        assertThat(after).as(Arrays.toString(after)).containsExactly(before);
        assertThat(Budget.kept(sites, after)).isEqualTo(Budget.kept(sites, before));
    }

    @Test
    void attentionTaxSpillsOverFromACappedValueSiteBackToQueryAndKey() { // c07 step 7 spill-over (GQA units), test 4
        List<SiteSpectrum> sites = attentionLayers(2);
        int vCap = Budget.cap(sites.get(2));
        int[] before = {40, 20, vCap, 40, 20, 30}; // layer 0's v is at its max rank, layer 1's has room
        int[] after = before.clone();
        EffectiveRankAllocator.rebalanceAttention(sites, after, 0.2);

        // Worked by hand: q pays 8·512 = 4096, k pays 4·320 = 1280 per layer; revenue 10752, 5376 per v site.
        // v0 (capped) takes nothing; v1 buys floor(5376/320) = 16 ranks (5120). Spill = 5376 + 256 = 5632, refunded
        // in proportion to what was paid: q floor(5632·4096/10752) = 2145 → 4 ranks, k 670 → 2 ranks.
        // Without the refund q and k would stay at 32 and 16 and 5632 parameters would vanish.
        assertThat(after).as(Arrays.toString(after)).containsExactly(36, 18, vCap, 36, 18, 46);

        // Spec properties, independent of the worked numbers:
        for (int l = 0; l < 2; l++) {
            SiteSpectrum v = sites.get(3 * l + 2);
            assertThat(after[3 * l + 2]).as("v%d", l).isLessThanOrEqualTo(Budget.cap(v)).isLessThanOrEqualTo(Math.min(v.m(), v.n()));
            // q and k got part of their tax back: above what they kept after paying, never above where they started
            assertThat(after[3 * l]).as("q%d", l).isGreaterThan(40 - 8).isLessThanOrEqualTo(40);
            assertThat(after[3 * l + 1]).as("k%d", l).isGreaterThan(20 - 4).isLessThanOrEqualTo(20);
        }
        assertThat(after[2]).isEqualTo(vCap);
        assertThat(after[5]).isGreaterThan(30);
        // Parameters conserved up to rounding: at most one rank (plus one parameter) lost per site that pays or receives.
        long slack = 0;
        for (SiteSpectrum s : sites) {
            slack += s.m() + s.n() + 1;
        }
        long kept = Budget.kept(sites, after), was = Budget.kept(sites, before);
        assertThat(kept).isLessThanOrEqualTo(was).isGreaterThan(was - slack);
        assertThat(slack).isLessThan(5632); // so the check above would catch a missing refund
    }

    // ---- c08 WeLore ----

    @Test
    void thresholdZeroPrunesNothingAndOnePrunesAllButTheTop() { // c08 test 1
        List<SiteSpectrum> sites = AllocatorContractTest.heterogeneous().subList(0, 6);
        assertThat(WeLoreAllocator.prunedAt(sites, 0)).containsOnly(0);
        int[] p = WeLoreAllocator.prunedAt(sites, 1);
        for (int i = 0; i < sites.size(); i++) {
            int q = Math.min(sites.get(i).m(), sites.get(i).n());
            boolean flat = Arrays.stream(sites.get(i).spectrum()).distinct().count() == 1;
            assertThat(p[i]).isEqualTo(flat ? 0 : q - 1);
        }
    }

    @Test
    void rankReductionBisectionHitsTheTargetAndIsMonotone() { // c08 test 2
        List<SiteSpectrum> sites = AllocatorContractTest.heterogeneous();
        long total = sites.stream().mapToLong(s -> Math.min(s.m(), s.n())).sum();
        long previous = -1;
        for (double rho : new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}) {
            double tau = WeLoreAllocator.thresholdForRankReduction(sites, rho);
            long pruned = Arrays.stream(WeLoreAllocator.prunedAt(sites, tau)).sum();
            assertThat((double) pruned / total).isGreaterThanOrEqualTo(rho);
            assertThat(pruned - rho * total).isLessThanOrEqualTo(sites.size());
            assertThat(pruned).isGreaterThanOrEqualTo(previous);
            previous = pruned;
        }
        for (double tau = 0; tau <= 1.2; tau += 0.01) {
            long now = Arrays.stream(WeLoreAllocator.prunedAt(sites, tau)).sum();
            long next = Arrays.stream(WeLoreAllocator.prunedAt(sites, tau + 0.01)).sum();
            assertThat(next).isGreaterThanOrEqualTo(now);
        }
    }

    @Test
    void geometricDecayIsPrunedMoreThanALinearOne() { // c08 test 3
        double[] linear = new double[64];
        for (int j = 0; j < 64; j++) {
            linear[j] = 2 - j / 64.0;
        }
        List<SiteSpectrum> sites = List.of(site("geometric", "x", 64, 64, 0.1), new SiteSpectrum("linear", "x", 64, 64, linear));
        for (double tau : new double[] {0.05, 0.2, 0.5}) {
            int[] p = WeLoreAllocator.prunedAt(sites, tau);
            assertThat(p[0]).isGreaterThan(p[1]);
        }
    }

    @Test
    void slowDecayStaysDenseAndLabelsFlagNonSavingSites() { // c08 N-LRC and test 5
        List<SiteSpectrum> sites = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sites.add(site("fast" + i, "x", 128, 128, 0.15));
        }
        sites.add(site("slow", "x", 128, 128, 0.002));
        int[] ranks = new WeLoreAllocator().allocate(sites, 0.3);
        boolean[] lrc = WeLoreAllocator.lowRankComponents(sites, ranks);
        assertThat(lrc[4]).isFalse();
        assertThat(ranks[4]).isGreaterThanOrEqualTo(RankRules.breakEvenRank(128, 128));
        assertThat(lrc[0]).isTrue();
        // every site marked LRC saves parameters; every non-saving rank is labelled N-LRC
        for (int i = 0; i < ranks.length; i++) {
            assertThat(lrc[i]).isEqualTo(RankRules.saves(128, 128, ranks[i]));
        }
    }

    /** U diag(s) Vᵀ with random orthonormal U (m×q) and V (n×q): a weight whose singular values are s. */
    private static DoubleMatrix planted(int m, int n, double[] s, long seed) {
        Random random = new Random(seed);
        int q = s.length;
        DoubleMatrix u = new ExactSvd().decompose(DoubleMatrix.gaussian(m, q, random)).u().toDouble();
        DoubleMatrix v = new ExactSvd().decompose(DoubleMatrix.gaussian(n, q, random)).u().toDouble();
        DoubleMatrix us = u.copy();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < q; j++) {
                us.set(i, j, us.get(i, j) * s[j]);
            }
        }
        return Linalg.multiply(us, v.transpose());
    }

    @Test
    void lowRankComponentsAreTheTruncatedSvdAndTheRestStayDense() { // c08 test 4
        // Four fast-decaying sites WeLore factorises and one slow-decaying site it keeps dense, through the whole
        // compress path (plain SVD + WeLore + Compressor).
        List<LinearWeight> weights = new ArrayList<>();
        double[] decays = {0.15, 0.2, 0.12, 0.25, 0.002};
        for (int i = 0; i < decays.length; i++) {
            DoubleMatrix w = planted(48, 40, AllocatorContractTest.decaying(40, decays[i]), 30 + i);
            weights.add(new LinearWeight("block" + i + ".ffn.up", "ffn.up", i, w));
        }
        CompressionResult result = new Compressor(new PlainSvdMethod(), new WeLoreAllocator()).compress(weights, Map.of(), 0.3, Progress.NONE);
        int lowRank = 0, dense = 0;
        for (SiteResult site : result.sites()) {
            DoubleMatrix w = site.weight().weight();
            if (site.factorization() instanceof LowRank f) {
                lowRank++;
                int k = site.rank();
                assertThat(f.rank()).isEqualTo(k);
                assertThat(RankRules.saves(48, 40, k)).isTrue();
                DoubleMatrix truncated = new ExactSvd().decompose(w, k).reconstruct();
                assertThat(f.toDense().approximatelyEquals(truncated, 1e-10 * w.frobeniusNorm())).as("%s at rank %d", site.weight().name(), k).isTrue();
            } else {
                dense++;
                assertThat(site.factorization()).as(site.weight().name()).isInstanceOf(Dense.class);
                assertThat(site.factorization().toDense().toArray()).containsExactly(w.toArray());
            }
        }
        // both kinds occur, and the slow spectrum is the one kept dense
        assertThat(lowRank).isEqualTo(4);
        assertThat(dense).isEqualTo(1);
        assertThat(result.sites().get(4).factorization()).isInstanceOf(Dense.class);
    }

    // ---- energy ----

    @Test
    void energyRanksGrowWithTheThresholdAndMeetTheBudgetClosely() {
        List<SiteSpectrum> sites = AllocatorContractTest.heterogeneous();
        int[] previous = EnergyAllocator.ranksAt(sites, 0);
        assertThat(previous).containsOnly(1);
        for (double tau = 0.05; tau <= 1.0; tau += 0.05) {
            int[] now = EnergyAllocator.ranksAt(sites, tau);
            for (int i = 0; i < now.length; i++) {
                assertThat(now[i]).isGreaterThanOrEqualTo(previous[i]);
            }
            previous = now;
        }
        // a site at 99% energy in its first r values keeps r
        double[] s = {10, 1, 0.1, 0.01};
        assertThat(EnergyAllocator.ranksAt(List.of(new SiteSpectrum("a", "x", 4, 4, s)), 0.99)).containsExactly(1);
        assertThat(EnergyAllocator.ranksAt(List.of(new SiteSpectrum("a", "x", 4, 4, s)), 0.995)).containsExactly(2);
    }
}
