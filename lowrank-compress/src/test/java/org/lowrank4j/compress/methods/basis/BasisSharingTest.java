package org.lowrank4j.compress.methods.basis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;

/** The "how to test it" properties of spec c13 part A (Basis Sharing). */
class BasisSharingTest {
    private static final int M = 10, N = 14, TOKENS = 60;

    /** Float-rounded activations, as LayerStats sees them. */
    static DoubleMatrix inputs(int tokens, int n, long seed) {
        return Synthetic.activations(tokens, n, 2, 5, seed).toFloat().toDouble();
    }

    static LinearWeight site(String role, int block, int m, int n, long seed) {
        return new LinearWeight("block " + block + " " + role, role, block, DoubleMatrix.gaussian(m, n, new Random(seed)));
    }

    /** blocks × roles sites, each with its own calibration inputs. */
    private static Fixture fixture(int blocks, String... roles) {
        Fixture f = new Fixture();
        long seed = 1;
        for (int b = 0; b < blocks; b++) {
            for (String role : roles) {
                LinearWeight w = site(role, b, M, N, seed++);
                DoubleMatrix x = inputs(TOKENS, N, seed++);
                f.sites.add(w);
                f.inputs.put(w.name(), x);
                f.stats.put(w.name(), Synthetic.stats(x));
            }
        }
        return f;
    }

    private static final class Fixture {
        final List<LinearWeight> sites = new ArrayList<>();
        final Map<String, DoubleMatrix> inputs = new LinkedHashMap<>();
        final Map<String, LayerStats> stats = new LinkedHashMap<>();
    }

    @Test
    void groupSizeOneIsWhitenedSvdPerSite() {
        Fixture f = fixture(3, "attention.query", "ffn.up");
        for (BasisSharingOptions.SigmaSplit split : BasisSharingOptions.SigmaSplit.values()) {
            BasisSharingOptions options = BasisSharingOptions.defaults().withGroupSize(1).withSplit(split);
            CompressionResult shared = BasisSharing.compress(f.sites, f.stats, 0.4, options, Progress.NONE);
            CompressionResult whitened = new Compressor(new WhitenedSvdMethod(WhitenedOptions.defaults()), new UniformAllocator())
                    .compress(f.sites, f.stats, 0.4, Progress.NONE);
            assertThat(shared.method()).isEqualTo("basis-sharing");
            assertThat(shared.targetedParametersAfter()).isEqualTo(whitened.targetedParametersAfter());
            assertThat(shared.targetedParametersBefore()).isEqualTo(whitened.targetedParametersBefore());
            for (int i = 0; i < f.sites.size(); i++) {
                SiteResult a = shared.sites().get(i), b = whitened.sites().get(i);
                assertThat(a.weight()).isSameAs(f.sites.get(i));
                assertThat(a.rank()).isEqualTo(b.rank());
                DoubleMatrix pa = a.factorization().toDense(), pb = b.factorization().toDense();
                assertThat(pa.approximatelyEquals(pb, 1e-10 * pb.frobeniusNorm())).as("%s %s", split, a.weight().name()).isTrue();
                if (split == BasisSharingOptions.SigmaSplit.BALANCED) {
                    DoubleMatrix ba = ((LowRank) a.factorization()).b(), bb = ((LowRank) b.factorization()).b(); // same code path
                    assertThat(ba.approximatelyEquals(bb, 1e-12 * bb.frobeniusNorm())).isTrue();
                }
            }
        }
    }

    @Test
    void groupsShareOneBasisObjectAndPrivateRolesDoNot() {
        Fixture f = fixture(5, "ffn.up", "ffn.down");
        CompressionResult r = BasisSharing.compress(f.sites, f.stats, 0.3, BasisSharingOptions.defaults(), Progress.NONE);
        Map<Integer, DoubleMatrix> upBasis = new LinkedHashMap<>();
        List<DoubleMatrix> downBases = new ArrayList<>();
        for (SiteResult s : r.sites()) {
            LowRank lr = (LowRank) s.factorization();
            assertThat(lr.a().rows()).isEqualTo(M);
            assertThat(lr.b().cols()).isEqualTo(N);
            if (s.weight().role().equals("ffn.up")) {
                upBasis.put(s.weight().block(), lr.b());
            } else {
                downBases.add(lr.b());
            }
        }
        // g = 2 over blocks 0..4: {0,1}, {2,3} and the remainder {4}.
        assertThat(upBasis.get(0)).isSameAs(upBasis.get(1));
        assertThat(upBasis.get(2)).isSameAs(upBasis.get(3));
        assertThat(upBasis.get(0)).isNotSameAs(upBasis.get(2));
        assertThat(upBasis.get(4)).isNotSameAs(upBasis.get(3));
        assertThat(distinct(downBases)).isEqualTo(5);
        // The paper's rank for a pair: floor(g·n·m·(1−CR)/(n + g·m)).
        assertThat(((LowRank) r.sites().get(0).factorization()).rank()).isEqualTo((int) Math.floor(2.0 * N * M * 0.7 / (N + 2 * M)));
        assertThat(((LowRank) r.sites().get(8).factorization()).rank()).isEqualTo(RankRules.rankForRatio(M, N, 0.3));
    }

    @Test
    void accountingCountsEachSharedFactorOnceAndMeetsTheRatio() {
        Fixture f = fixture(5, "attention.query", "attention.output");
        for (double ratio : new double[] {0.2, 0.35, 0.5}) {
            CompressionResult r = BasisSharing.compress(f.sites, f.stats, ratio, BasisSharingOptions.defaults(), Progress.NONE);
            long stored = 0;
            Set<DoubleMatrix> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (SiteResult s : r.sites()) {
                Factorization fac = s.factorization();
                if (fac instanceof LowRank lr) {
                    stored += lr.a().size() + (seen.add(lr.b()) ? lr.b().size() : 0);
                } else {
                    stored += fac.parameterCount();
                }
            }
            assertThat(r.targetedParametersAfter()).as("ratio %.2f", ratio).isEqualTo(stored);
            assertThat(r.targetedParametersBefore()).isEqualTo(10L * M * N);
            // Never below the requested ratio; per-group rounding costs less than one rank per group (3 pairs/singles + 5 private).
            assertThat(r.achievedRatio()).isGreaterThanOrEqualTo(ratio);
            assertThat(r.achievedRatio() - ratio).isLessThan(8.0 * (N + 2 * M) / r.targetedParametersBefore());
        }
    }

    @Test
    void budgetAllocatorsSeeOneSpectrumPerGroup() {
        // D-Rank (c07) and the global greedy allocator run on group spectra of shape (g·m)×n: budget kept, bases shared.
        Fixture f = fixture(4, "attention.query", "attention.value", "ffn.up");
        BasisSharing.Prepared p = new BasisSharing(BasisSharingOptions.defaults()).prepare(f.sites, f.stats, 0.3, Progress.NONE);
        assertThat(p.groupSpectra()).hasSize(6).allMatch(s -> s.m() == 2 * M && s.n() == N);
        for (var allocator : List.of(new org.lowrank4j.compress.allocation.EffectiveRankAllocator(), new org.lowrank4j.compress.allocation.GlobalGreedyAllocator())) {
            CompressionResult r = p.build(0.4, allocator);
            assertThat(r.allocation()).isEqualTo(allocator.name());
            assertThat(r.achievedRatio()).as(allocator.name()).isGreaterThanOrEqualTo(0.4);
            LowRank first = (LowRank) r.sites().get(0).factorization(), second = (LowRank) r.sites().get(3).factorization();
            assertThat(first.b()).isSameAs(second.b()); // block 0 and block 1 attention.query
        }
    }

    @Test
    void groupLossIsTheTailOfTheConcatenatedWhitenedSpectrum() {
        // Two sites with different inputs: the objective is the output error on the concatenated inputs [X_1; X_2].
        Fixture f = fixture(2, "ffn.up");
        BasisSharing sharing = new BasisSharing(BasisSharingOptions.defaults());
        BasisSharing.Prepared p = sharing.prepare(f.sites, f.stats, 0.3, Progress.NONE);
        assertThat(p.groups()).hasSize(1);
        double[] s = p.groupSpectra().get(0).spectrum();
        DoubleMatrix both = stackRows(f.inputs.get(f.sites.get(0).name()), f.inputs.get(f.sites.get(1).name()));
        for (double ratio : new double[] {0.2, 0.5, 0.8}) {
            CompressionResult r = p.build(ratio, new UniformAllocator());
            int k = r.sites().get(0).rank();
            double error = 0;
            for (SiteResult site : r.sites()) {
                double e = Synthetic.outputError(both, site.weight().weight(), site.factorization());
                error += e * e;
            }
            assertThat(error).as("k=%d", k).isCloseTo(tail(s, k), Offset.offset(1e-8 * tail(s, 0)));
        }
    }

    @Test
    void sharedInputsGiveTheSpecsOneOverGIdentity() {
        // Spec test 3: all members see the same X, so the summed Gram is g·G and Σ_l ‖X(W_l − Ŵ_l)ᵀ‖² = (1/g)·tail.
        DoubleMatrix x = inputs(TOKENS, N, 99);
        LayerStats one = Synthetic.stats(x);
        List<LinearWeight> sites = List.of(site("ffn.gate", 0, M, N, 3), site("ffn.gate", 1, M, N, 4), site("ffn.gate", 2, M, N, 5));
        Map<String, LayerStats> stats = new LinkedHashMap<>();
        sites.forEach(w -> stats.put(w.name(), one));
        BasisSharing.Prepared p = new BasisSharing(BasisSharingOptions.defaults().withGroupSize(3)).prepare(sites, stats, 0.4, Progress.NONE);
        double[] s = p.groupSpectra().get(0).spectrum();
        CompressionResult r = p.build(0.4, new UniformAllocator());
        int k = r.sites().get(0).rank();
        double error = 0;
        for (SiteResult site : r.sites()) {
            double e = Synthetic.outputError(x, site.weight().weight(), site.factorization());
            error += e * e;
        }
        assertThat(error).isCloseTo(tail(s, k) / 3, Offset.offset(1e-8 * tail(s, 0)));
    }

    @Test
    void identicalMatricesWithIdenticalGramsGetTheirOwnWhitenedSolution() {
        // Spec test 2: a group of two identical matrices with identical Grams; each product is SVD-LLM's at the same k.
        DoubleMatrix x = inputs(TOKENS, N, 7);
        LayerStats one = Synthetic.stats(x);
        LinearWeight a = site("attention.key", 0, M, N, 11);
        LinearWeight b = new LinearWeight("block 1 attention.key", "attention.key", 1, a.weight().copy());
        CompressionResult r = BasisSharing.compress(List.of(a, b), Map.of(a.name(), one, b.name(), one), 0.3,
                BasisSharingOptions.defaults(), Progress.NONE);
        int k = r.sites().get(0).rank();
        DoubleMatrix svdLlm = new WhitenedSvdMethod(WhitenedOptions.defaults()).prepare(a, one).factorAt(k).toDense();
        for (SiteResult s : r.sites()) {
            assertThat(s.factorization().toDense().approximatelyEquals(svdLlm, 1e-9 * svdLlm.frobeniusNorm())).isTrue();
        }
    }

    @Test
    void rankDeficientGroupGramFallsBackAndStaysFinite() {
        // 5 tokens per site, 14 features: the summed Gram has rank 10 of 14. Jittered Cholesky or eigen, never NaN.
        List<LinearWeight> sites = List.of(site("ffn.up", 0, M, N, 21), site("ffn.up", 1, M, N, 22));
        Map<String, LayerStats> stats = Map.of(sites.get(0).name(), Synthetic.stats(inputs(5, N, 23)), sites.get(1).name(), Synthetic.stats(inputs(5, N, 24)));
        BasisSharing.Prepared p = new BasisSharing(BasisSharingOptions.defaults()).prepare(sites, stats, 0.3, Progress.NONE);
        assertThat(p.whiteningRoutes().get(0)).isIn("cholesky+jitter", "eigen");
        for (SiteResult s : p.build(0.3, new UniformAllocator()).sites()) {
            assertThat(((LowRank) s.factorization()).b().firstNonFinite()).isNull();
            assertThat(((LowRank) s.factorization()).a().firstNonFinite()).isNull();
        }
    }

    @Test
    void refusesBadOptionsWithOneLineMessages() {
        Fixture f = fixture(2, "ffn.up");
        assertOneLine(() -> BasisSharingOptions.defaults().withGroupSize(0), "group size");
        for (double bad : new double[] {0, 1, -0.2, Double.NaN}) {
            assertOneLine(() -> BasisSharing.compress(f.sites, f.stats, bad, BasisSharingOptions.defaults(), Progress.NONE), "ratio");
        }
        LinearWeight narrow = site("ffn.up", 2, M - 1, N, 31);
        Map<String, LayerStats> stats = new LinkedHashMap<>(f.stats);
        stats.put(narrow.name(), Synthetic.stats(inputs(TOKENS, N, 32)));
        assertOneLine(() -> new BasisSharing(BasisSharingOptions.defaults()).prepareGroups(List.of(List.of(f.sites.get(0), narrow)), stats, Progress.NONE),
                "equal shapes");
        assertOneLine(() -> new BasisSharing(BasisSharingOptions.defaults()).prepareGroups(List.of(f.sites, List.of(f.sites.get(0))), stats, Progress.NONE),
                "appears twice");
        assertOneLine(() -> BasisSharing.compress(f.sites, Map.of(), 0.3, BasisSharingOptions.defaults(), Progress.NONE), "statistics");
        assertOneLine(() -> new ClusteringOptions(ClusteringOptions.Algorithm.RESIDUALS, 1.5, 0, 10, 5, 1e-12, ClusteringOptions.Ordering.NORM), "eps");
    }

    @Test
    void consecutiveGroupingBreaksAtGapsAndShapeChanges() {
        List<LinearWeight> role = List.of(site("ffn.up", 0, M, N, 1), site("ffn.up", 1, M, N, 2), site("ffn.up", 3, M, N, 3),
                site("ffn.up", 4, M + 1, N, 4), site("ffn.up", 5, M + 1, N, 5), site("ffn.up", 6, M + 1, N, 6));
        List<List<LinearWeight>> groups = BasisSharing.consecutive(role, 2);
        assertThat(groups.stream().map(g -> g.stream().map(LinearWeight::block).toList()).toList())
                .containsExactly(List.of(0, 1), List.of(3), List.of(4, 5), List.of(6));
    }

    private static void assertOneLine(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String fragment) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(fragment)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    static double tail(double[] s, int k) {
        double sum = 0;
        for (int i = k; i < s.length; i++) {
            sum += s[i] * s[i];
        }
        return sum;
    }

    static DoubleMatrix stackRows(DoubleMatrix top, DoubleMatrix bottom) {
        DoubleMatrix out = DoubleMatrix.zeros(top.rows() + bottom.rows(), top.cols());
        out.view(0, top.rows(), 0, top.cols()).assign(top);
        out.view(top.rows(), out.rows(), 0, top.cols()).assign(bottom);
        return out;
    }

    private static int distinct(List<DoubleMatrix> matrices) {
        Set<DoubleMatrix> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(matrices);
        return seen.size();
    }
}
