package org.lowrank4j.compress.methods.lord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.MethodFixtures;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.lord.LordMethod;
import org.lowrank4j.compress.methods.lord.LordOptions;
import org.lowrank4j.compress.methods.lord.LordOptions.Variant;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/** The "how to test it" list of spec c09 (LoRD, variants F and D). */
class LordTest {
    private final LinearWeight w = Synthetic.weight(30, 22, 51);
    private final DoubleMatrix x = MethodFixtures.activations(90, 22, 2, 12, 52);
    private final LayerStats stats = Synthetic.stats(x);
    private final LordMethod feature = new LordMethod(LordOptions.defaults());

    @Test
    void identityInputMomentGivesThePlainSvdProduct() {
        LayerStats identity = Synthetic.stats(DoubleMatrix.identity(22));
        DoubleMatrix mine = feature.prepare(w, identity).factorAt(6).toDense();
        DoubleMatrix plain = new PlainSvdMethod().prepare(w, null).factorAt(6).toDense();
        assertThat(MethodFixtures.minus(mine, plain).frobeniusNorm()).isLessThan(1e-10 * plain.frobeniusNorm());
    }

    @Test
    void outputProjectionErrorIsTheSvdLlmOptimumAndBeatsPlainSvd() {
        PreparedSite site = feature.prepare(w, stats);
        PreparedSite whitened = new WhitenedSvdMethod(WhitenedOptions.defaults()).prepare(w, stats);
        DoubleMatrix y = Linalg.multiply(x, w.weight().transpose()); // N×m
        for (int r : new int[] {1, 5, 12, 21}) {
            LowRank f = site.factorAt(r);
            // Y − Y U_r U_rᵀ = X (W − U_r U_rᵀ W)ᵀ, the output error of the factors
            DoubleMatrix projected = Linalg.multiply(Linalg.multiply(y, f.a()), f.a().transpose());
            double projection = MethodFixtures.minus(y, projected).frobeniusNorm();
            double error = Synthetic.outputError(x, w.weight(), f);
            assertThat(projection).isCloseTo(error, Percentage.withPercentage(1e-8));
            assertThat(error * error).as("r=%d", r).isCloseTo(MethodFixtures.tail(whitened.spectrum(), r), Percentage.withPercentage(1e-6));
            double plain = Synthetic.outputError(x, w.weight(), new PlainSvdMethod().prepare(w, null).factorAt(r));
            assertThat(projection).isLessThanOrEqualTo(plain * (1 + 1e-12));
            // A has orthonormal columns: the factors differ from SVD-LLM's balanced split.
            DoubleMatrix ata = Linalg.multiply(f.a().transpose(), f.a());
            assertThat(ata.approximatelyEquals(DoubleMatrix.identity(r), 1e-10)).isTrue();
        }
    }

    @Test
    void fullRankIsExactForTallAndWideWeights() {
        assertThat(feature.prepare(w, stats).factorAt(22).toDense().approximatelyEquals(w.weight(), 1e-10 * w.weight().frobeniusNorm())).isTrue();
        LinearWeight wide = Synthetic.weight(12, 22, 53);
        assertThat(feature.prepare(wide, stats).factorAt(12).toDense().approximatelyEquals(wide.weight(), 1e-10 * wide.weight().frobeniusNorm()))
                .isTrue();
    }

    @Test
    void dataFreeVariantIsPlainSvdAndNeedsNoStatistics() {
        LordMethod dataFree = new LordMethod(new LordOptions(Variant.DATA_FREE, 1e-10));
        assertThat(dataFree.requirements()).isEmpty();
        assertThat(feature.requirements()).containsExactly(CompressionMethod.Requirement.GRAM);
        DoubleMatrix mine = dataFree.prepare(w, null).factorAt(7).toDense();
        DoubleMatrix plain = new PlainSvdMethod().prepare(w, null).factorAt(7).toDense();
        assertThat(mine.approximatelyEquals(plain, 1e-12 * plain.frobeniusNorm())).isTrue();
        assertThatThrownBy(() -> feature.prepare(w, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lord");
    }

    @Test
    void parameterAccountingGivesRankReductionAndParameterCount() {
        // 39.58% rank reduction of a square d×d matrix keeps r ≈ 0.6·d > d/2: no parameter saving (spec pitfall).
        int d = 96, r = (int) Math.round(d * (1 - 0.3958));
        assertThat(RankRules.saves(d, d, r)).isFalse();
        LowRank f = feature.prepare(w, stats).factorAt(8);
        assertThat(f.parameterCount()).isEqualTo(8L * (30 + 22));
        assertThat(1 - 8.0 / Math.min(30, 22)).isCloseTo(0.636, org.assertj.core.data.Offset.offset(1e-3)); // rank reduction
    }

    @Test
    void singularGramStillWorks() {
        DoubleMatrix few = MethodFixtures.activations(10, 22, 0, 1, 54);
        PreparedSite site = feature.prepare(w, Synthetic.stats(few));
        assertThat(site.factorAt(10).b().firstNonFinite()).isNull();
        assertThat(Synthetic.outputError(few, w.weight(), site.factorAt(10))).isLessThan(1e-7 * Linalg.multiply(few, w.weight().transpose()).frobeniusNorm());
        assertThatThrownBy(() -> new LordOptions(Variant.FEATURE, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lord");
    }
}
