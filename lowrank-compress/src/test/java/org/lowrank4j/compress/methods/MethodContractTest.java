package org.lowrank4j.compress.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.MethodFixtures.Fixture;
import org.lowrank4j.compress.methods.afm.AfmOptions;
import org.lowrank4j.compress.methods.asvd.AsvdOptions;
import org.lowrank4j.compress.methods.fwsvd.FwsvdMethod;
import org.lowrank4j.compress.methods.fwsvd.FwsvdOptions;
import org.lowrank4j.compress.methods.lord.LordOptions;
import org.lowrank4j.compress.methods.saes.SaesOptions;
import org.lowrank4j.compress.methods.saes.SaesSite;
import org.lowrank4j.compress.methods.svdllm.SvdLlmOptions;
import org.lowrank4j.compress.methods.svdllm.SvdLlmV2Options;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * The table every compression method in {@link Methods#all()} passes: shapes and parameter count, exactness at full
 * rank, determinism, never losing to plain SVD on its own objective, reduction to plain SVD on identity statistics,
 * and refusals (bad options, missing or mismatched statistics) that name the method and the site.
 *
 * <p>A new method adds one row to {@link #TABLE}: the objective it minimises and the options it must refuse.
 * Without a row, a method is judged on the weight error (no requirements) or the output error (GRAM).
 */
class MethodContractTest {

    /** A method's own objective, evaluated on a fixture for the factors at a rank (the site gives method state such as α). */
    interface Objective {
        double of(Fixture f, PreparedSite site, int rank, LowRank factors);
    }

    /**
     * @param objective          what the method minimises (plain SVD must never do better on it)
     * @param plainSvdOnIdentity whether the spec says identity statistics reduce the method to plain SVD
     * @param badOptions         constructing options the method must refuse (null: it has none)
     */
    record Row(Objective objective, boolean plainSvdOnIdentity, Executable badOptions) {
    }

    static final Objective WEIGHT_ERROR = (f, site, r, ab) -> MethodFixtures.minus(f.w(), ab.toDense()).frobeniusNorm();
    /** ‖X_f (W − Ŵ)ᵀ‖_F, the output error on the original inputs. */
    static final Objective OUTPUT_ERROR = (f, site, r, ab) -> MethodFixtures.outputNorm(f.xf(), MethodFixtures.minus(f.w(), ab.toDense()));
    /** ‖X_c (W − Ŵ)ᵀ‖_F: SVD-LLM's update fits the original W on the compressed-prefix inputs. */
    static final Objective PREFIX_OUTPUT_ERROR = (f, site, r, ab) -> MethodFixtures.outputNorm(f.xc(), MethodFixtures.minus(f.w(), ab.toDense()));
    /** ‖(W − Ŵ) D‖_F with ASVD's channel scale d_j = mean|x_j|^α + 1e-6. */
    static final Objective ASVD_SCALED_ERROR = (f, site, r, ab) -> {
        double[] mean = f.stats().meanAbs();
        return scaledColumns(MethodFixtures.minus(f.w(), ab.toDense()), j -> Math.pow(mean[j], AsvdOptions.defaults().alpha()) + 1e-6);
    };
    /** ‖(W − Ŵ) C‖_F with FWSVD's per-input-feature Fisher weights (default INPUT axis). */
    static final Objective FISHER_ERROR = (f, site, r, ab) -> {
        double[] c = FwsvdMethod.lineWeights(f.stats().fisher(), FwsvdOptions.defaults());
        return scaledColumns(MethodFixtures.minus(f.w(), ab.toDense()), j -> c[j]);
    };
    /** SAES-SVD's CEALC objective at the site's α for this rank: sqrt(‖X_c(Ŵ−W)ᵀ‖² + α‖X_cŴᵀ − X_fWᵀ‖²). */
    static final Objective CEALC = (f, site, r, ab) -> {
        double alpha = ((SaesSite) site).alphaAt(r);
        DoubleMatrix approx = ab.toDense();
        double local = MethodFixtures.outputNorm(f.xc(), MethodFixtures.minus(f.w(), approx));
        double aligned = MethodFixtures.alignmentError(f.xf(), f.xc(), f.w(), approx);
        return Math.sqrt(local * local + alpha * aligned * aligned);
    };

    static final Map<String, Row> TABLE = Map.ofEntries(
            Map.entry("svd", new Row(WEIGHT_ERROR, true, null)),
            Map.entry("asvd", new Row(ASVD_SCALED_ERROR, true, () -> new AsvdOptions(-1))),
            Map.entry("whitened", new Row(OUTPUT_ERROR, true, () -> new WhitenedOptions(null, 1e-10))),
            Map.entry("fwsvd", new Row(FISHER_ERROR, true, () -> new FwsvdOptions(FwsvdOptions.Axis.INPUT, 0))),
            // Not a theorem for svd-llm (B̃ comes from the original inputs), but it must hold for moderate drift.
            Map.entry("svd-llm", new Row(PREFIX_OUTPUT_ERROR, true, () -> new SvdLlmOptions(null, 0, 1e-10))),
            Map.entry("svd-llm-v2", new Row(OUTPUT_ERROR, true, () -> new SvdLlmV2Options(-1))),
            Map.entry("saes", new Row(CEALC, true, () -> new SaesOptions(List.of(0.0, -1.0), 1e-10))),
            Map.entry("lord", new Row(OUTPUT_ERROR, true, () -> new LordOptions(null, 1e-10))),
            Map.entry("afm", new Row(OUTPUT_ERROR, true, () -> new AfmOptions(AfmOptions.Center.OFF, 0.5))));

    static Stream<CompressionMethod> methods() {
        return Methods.all().stream();
    }

    private static final LinearWeight W = Synthetic.weight(32, 24, 2);
    private static final DoubleMatrix X = MethodFixtures.activations(400, 24, 2, 20, 1);
    /** Compressed prefix equal to the original model (X_c = X_f, H = G): every method is then judged on X. */
    private static final Fixture CONSISTENT = MethodFixtures.full(W, X, X, 11);
    /** Compressed-prefix inputs drifted from the original ones. */
    private static final Fixture DRIFTED = MethodFixtures.full(W, X, MethodFixtures.drifted(X, 0.3, 0.1, 12), 13);
    private static final LayerStats STATS = CONSISTENT.stats();

    static Row row(CompressionMethod method) {
        Row row = TABLE.get(method.name());
        if (row != null) {
            return row;
        }
        if (method.requirements().isEmpty()) {
            return new Row(WEIGHT_ERROR, true, null);
        }
        if (method.requirements().equals(java.util.EnumSet.of(Requirement.GRAM))) {
            return new Row(OUTPUT_ERROR, true, null);
        }
        return fail("add a row for method '" + method.name() + "' to MethodContractTest.TABLE: its objective and bad options");
    }

    @ParameterizedTest
    @MethodSource("methods")
    void factorsHaveTheSpecShapes(CompressionMethod method) {
        PreparedSite site = method.prepare(W, STATS);
        LowRank f = site.factorAt(5);
        assertThat(f.a().shape()).isEqualTo("32x5");
        assertThat(f.b().shape()).isEqualTo("5x24");
        assertThat(f.parameterCount()).isEqualTo(5L * (32 + 24));
        assertThat(site.spectrum()).hasSize(24);
        assertThatThrownBy(() -> site.factorAt(25)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("methods")
    void fullRankIsExact(CompressionMethod method) {
        PreparedSite site = method.prepare(W, STATS);
        LowRank f = site.factorAt(site.spectrum().length);
        assertThat(f.toDense().approximatelyEquals(W.weight(), 1e-9 * W.weight().frobeniusNorm())).isTrue();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void spectrumDescendsAndErrorFallsWithRank(CompressionMethod method) {
        PreparedSite site = method.prepare(W, STATS);
        double[] s = site.spectrum();
        for (int i = 1; i < s.length; i++) {
            assertThat(s[i]).isLessThanOrEqualTo(s[i - 1]);
        }
        double previous = Double.POSITIVE_INFINITY;
        for (int r = 1; r <= 24; r += 4) {
            double error = Synthetic.outputError(X, W.weight(), site.factorAt(r));
            assertThat(error).isLessThanOrEqualTo(previous * (1 + 1e-9));
            previous = error;
        }
    }

    /** The rank compress keeps W's sites below: its break-even rank, 14. */
    private static final int CAP = org.lowrank4j.compress.RankRules.breakEvenRank(32, 24);

    /**
     * The methods whose sites get leaner below a cap. The others keep everything ({@code keepingRanksBelow} returns the
     * site itself), and comparing such a site with itself would test nothing. The svd family is among them
     * ({@link #theSvdFamilySitesLetGoOfTheirDecompositionBelowTheCap}), so this source is never empty.
     */
    static Stream<CompressionMethod> methodsWithLeanerSites() {
        return methods().filter(m -> {
            PreparedSite site = m.prepare(W, STATS);
            return site.keepingRanksBelow(CAP) != site;
        });
    }

    @ParameterizedTest
    @MethodSource("methodsWithLeanerSites")
    void aSiteKeptBelowACapGivesTheSameFactorsAndSpectrumBelowIt(CompressionMethod method) {
        PreparedSite site = method.prepare(W, STATS);
        PreparedSite kept = site.keepingRanksBelow(CAP);
        assertThat(kept).isNotSameAs(site);
        assertThat(kept.spectrum()).containsExactly(site.spectrum());
        for (int r = 1; r < CAP; r++) {
            LowRank full = site.factorAt(r), lean = kept.factorAt(r);
            assertThat(lean.a().approximatelyEquals(full.a(), 1e-12 * (1 + full.a().frobeniusNorm()))).as("A at rank %d", r).isTrue();
            assertThat(lean.b().approximatelyEquals(full.b(), 1e-12 * (1 + full.b().frobeniusNorm()))).as("B at rank %d", r).isTrue();
            assertThat(lean.biasShift()).isEqualTo(full.biasShift());
        }
        assertThatThrownBy(() -> kept.factorAt(CAP)).isInstanceOf(IllegalStateException.class).hasMessageContaining("save"); // only below the cap
    }

    @Test
    void theSvdFamilySitesLetGoOfTheirDecompositionBelowTheCap() {
        for (String name : List.of("svd", "whitened", "asvd")) {
            PreparedSite site = Methods.byName(name).prepare(W, STATS), kept = site.keepingRanksBelow(CAP);
            assertThat(kept).as(name).isNotSameAs(site);
            assertThatThrownBy(() -> kept.factorAt(CAP)).as(name).isInstanceOf(IllegalStateException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void sameInputSameFactors(CompressionMethod method) {
        for (Fixture f : List.of(CONSISTENT, DRIFTED)) {
            LowRank first = method.prepare(W, f.stats()).factorAt(7), second = method.prepare(W, f.stats()).factorAt(7);
            assertThat(first.a().toArray()).containsExactly(second.a().toArray());
            assertThat(first.b().toArray()).containsExactly(second.b().toArray());
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void dataAwareMethodsNeverLoseToPlainSvdOnOutputError(CompressionMethod method) {
        if (method.requirements().contains(Requirement.GRAM)) {
            for (int r : new int[] {2, 6, 12}) {
                double mine = Synthetic.outputError(X, W.weight(), method.prepare(W, STATS).factorAt(r));
                double plain = Synthetic.outputError(X, W.weight(), Methods.byName("svd").prepare(W, STATS).factorAt(r));
                assertThat(mine).isLessThanOrEqualTo(plain * (1 + 1e-9));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void noMethodBeatsSvdLlmOnOutputError(CompressionMethod method) {
        // Spec c04 test 3: with X_c = X_f the whitened truncation (SVD-LLM) is the rank-r optimum of ‖X(W − Ŵ)ᵀ‖_F,
        // so no method, data-free or not, gets below it; the methods that share the optimum tie up to rounding.
        Fixture f = CONSISTENT;
        PreparedSite optimum = Methods.byName("whitened").prepare(f.weight(), f.stats());
        PreparedSite site = method.prepare(f.weight(), f.stats());
        double[] sigma = new ExactSvd().decompose(Linalg.multiply(f.xf(), f.w().transpose())).s();
        for (int r : new int[] {2, 6, 12}) {
            double best = Synthetic.outputError(f.xf(), f.w(), optimum.factorAt(r));
            // Anchor the reference independently: X has full column rank, so the optimum² is the tail of σ(X Wᵀ).
            double tail = MethodFixtures.tail(sigma, r);
            assertThat(best * best).as("whitened at rank %d", r).isCloseTo(tail, within(1e-9 * tail));
            double mine = Synthetic.outputError(f.xf(), f.w(), site.factorAt(r));
            assertThat(mine).as("%s at rank %d", method.name(), r).isGreaterThanOrEqualTo(best * (1 - 1e-9));
        }
    }

    @Test
    void plainSvdWeightErrorIsTheSpectrumTail() {
        // Spec c01 test 2 (Eckart–Young): ‖W − AB‖_F² is exactly the energy of the dropped singular values; σ comes
        // from a separate full SVD of W, the error from the method's own factors.
        double[] sigma = new ExactSvd().decompose(W.weight()).s();
        PreparedSite site = Methods.byName("svd").prepare(W, STATS);
        for (int r : new int[] {1, 2, 6, 12, 20, 23}) {
            double error = MethodFixtures.minus(W.weight(), site.factorAt(r).toDense()).frobeniusNorm();
            double tail = MethodFixtures.tail(sigma, r);
            assertThat(error * error).as("rank %d", r).isCloseTo(tail, within(1e-10 * tail));
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void ownObjectiveNeverAbovePlainSvd(CompressionMethod method) {
        Objective objective = row(method).objective();
        PreparedSite site = method.prepare(W, DRIFTED.stats());
        PreparedSite plain = Methods.byName("svd").prepare(W, DRIFTED.stats());
        for (int r : new int[] {2, 6, 12, 20}) {
            double mine = objective.of(DRIFTED, site, r, site.factorAt(r));
            double baseline = objective.of(DRIFTED, site, r, plain.factorAt(r));
            assertThat(mine).as("%s at rank %d", method.name(), r).isLessThanOrEqualTo(baseline * (1 + 1e-9));
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void identityStatisticsReduceToPlainSvd(CompressionMethod method) {
        // G = I, mean|x_j| = 1/n, uniform Fisher, compressed prefix = original with H = G
        // (specs c02 test 1, c03 test 1, c04 test 1, c05 checks, c09 test 1, c17 via c09).
        if (!row(method).plainSvdOnIdentity()) {
            return;
        }
        DoubleMatrix x = DoubleMatrix.identity(24);
        LayerStats identity = MethodFixtures.stats(W, x, x, true, true, true, -1);
        LowRank mine = method.prepare(W, identity).factorAt(6);
        SvdResult svd = new ExactSvd().decompose(W.weight(), 6);
        assertThat(mine.toDense().approximatelyEquals(svd.reconstruct(), 1e-9 * W.weight().frobeniusNorm())).isTrue();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void refusesMissingOrMismatchedStatistics(CompressionMethod method) {
        if (method.requirements().isEmpty()) {
            return;
        }
        assertThatThrownBy(() -> method.prepare(W, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(method.name()).hasMessageContaining(W.name());
        LayerStats wrong = Synthetic.stats(Synthetic.activations(50, 10, 0, 1, 3));
        assertThatThrownBy(() -> method.prepare(W, wrong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10 features").hasMessageContaining("24 inputs");
        assertThatThrownBy(() -> method.prepare(W, STATS).factorAt(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("methods")
    void refusesEachMissingRequiredStatisticNamingMethodAndSite(CompressionMethod method) {
        for (Requirement requirement : method.requirements()) {
            LayerStats lacking = switch (requirement) {
                case GRAM, MEAN_ABS -> new LayerStats(24); // nothing accumulated
                case GRADIENTS -> MethodFixtures.stats(W, X, X, false, true, true, 0);
                case COMPRESSED_PREFIX -> MethodFixtures.stats(W, X, X, true, false, false, 0);
                case CROSS_MOMENT -> MethodFixtures.stats(W, X, X, true, true, false, 0);
            };
            assertThatThrownBy(() -> method.prepare(W, lacking)).as("%s without %s", method.name(), requirement)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(method.name()).hasMessageContaining(W.name());
        }
        if (method.requirements().contains(Requirement.CROSS_MOMENT)) {
            assertThat(method.requirements()).contains(Requirement.COMPRESSED_PREFIX);
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void refusesBadOptionsNamingTheMethod(CompressionMethod method) {
        Executable bad = row(method).badOptions();
        if (bad != null) {
            assertThatThrownBy(bad::execute).isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).containsIgnoringCase(method.name()));
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void methodsAreFoundByName(CompressionMethod method) {
        assertThat(Methods.byName(method.name().toUpperCase()).name()).isEqualTo(method.name());
        assertThatThrownBy(() -> Methods.byName("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("svd");
    }

    /** ‖M diag(d)‖_F. */
    private static double scaledColumns(DoubleMatrix m, java.util.function.IntToDoubleFunction d) {
        DoubleMatrix out = m.copy();
        for (int i = 0; i < out.rows(); i++) {
            for (int j = 0; j < out.cols(); j++) {
                out.set(i, j, out.get(i, j) * d.applyAsDouble(j));
            }
        }
        return out.frobeniusNorm();
    }
}
