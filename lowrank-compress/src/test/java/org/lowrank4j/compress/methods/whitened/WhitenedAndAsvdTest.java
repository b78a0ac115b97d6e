package org.lowrank4j.compress.methods.whitened;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.asvd.AsvdMethod;
import org.lowrank4j.compress.methods.asvd.AsvdOptions;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions.Route;
import org.lowrank4j.compress.methods.whitened.WhitenedSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;

/** The "how to test it" properties of specs c03 (ASVD) and c04 (SVD-LLM). */
class WhitenedAndAsvdTest {
    private final DoubleMatrix x = Synthetic.activations(4 * 40, 40, 3, 50, 5); // N = 4n, three outlier channels ×50
    private final LayerStats stats = Synthetic.stats(x);
    private final LinearWeight w = Synthetic.weight(48, 40, 6);

    @Test
    void whitenedTruncationLossIsExactlyTheSpectrumTail() {
        for (Route route : new Route[] {Route.CHOLESKY, Route.EIGEN}) {
            PreparedSite site = new WhitenedSvdMethod(new WhitenedOptions(route, 1e-12)).prepare(w, stats);
            double[] s = site.spectrum();
            for (int r : new int[] {1, 5, 20, 39}) {
                double tail = 0;
                for (int i = r; i < s.length; i++) {
                    tail += s[i] * s[i];
                }
                double error = Synthetic.outputError(floatRounded(x), w.weight(), site.factorAt(r));
                assertThat(error * error).as("%s r=%d", route, r).isCloseTo(tail, org.assertj.core.data.Percentage.withPercentage(1e-6));
            }
        }
    }

    @Test
    void choleskyAndEigenRoutesAgreeOnAWellConditionedGram() {
        var v1 = new WhitenedSvdMethod(new WhitenedOptions(Route.CHOLESKY, 1e-12)).prepare(w, stats).factorAt(12).toDense();
        var v2 = new WhitenedSvdMethod(new WhitenedOptions(Route.EIGEN, 1e-12)).prepare(w, stats).factorAt(12).toDense();
        assertThat(v1.approximatelyEquals(v2, 1e-8 * v1.frobeniusNorm())).isTrue();
    }

    @Test
    void outputErrorOrderingOnOutlierChannels() {
        for (int r : new int[] {4, 10, 20}) {
            double plain = Synthetic.outputError(x, w.weight(), new PlainSvdMethod().prepare(w, stats).factorAt(r));
            double asvd = Synthetic.outputError(x, w.weight(), new AsvdMethod(AsvdOptions.defaults()).prepare(w, stats).factorAt(r));
            double whitened = Synthetic.outputError(x, w.weight(), new WhitenedSvdMethod(WhitenedOptions.defaults()).prepare(w, stats).factorAt(r));
            assertThat(asvd).as("ASVD vs plain at r=%d", r).isLessThan(plain);
            assertThat(whitened).as("whitened vs ASVD at r=%d", r).isLessThanOrEqualTo(asvd * (1 + 1e-9));
        }
    }

    @Test
    void asvdWithAlphaZeroIsPlainSvd() {
        var asvd = new AsvdMethod(new AsvdOptions(0)).prepare(w, stats).factorAt(9).toDense();
        var plain = new PlainSvdMethod().prepare(w, stats).factorAt(9).toDense();
        assertThat(asvd.approximatelyEquals(plain, 1e-9 * plain.frobeniusNorm())).isTrue();
        assertThatThrownBy(() -> new AsvdOptions(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha");
    }

    @Test
    void rankDeficientGramUsesTheEigenRouteAndStillBeatsPlainSvd() {
        // Fewer tokens than features: G has rank 15 of 40.
        DoubleMatrix few = Synthetic.activations(15, 40, 0, 1, 7);
        LayerStats singular = Synthetic.stats(few);
        assertThatThrownBy(() -> new WhitenedSvdMethod(new WhitenedOptions(Route.CHOLESKY, 1e-10)).prepare(w, singular))
                .isInstanceOf(ArithmeticException.class).hasMessageContaining("not positive definite").hasMessageContaining("eigen");
        PreparedSite auto = new WhitenedSvdMethod(WhitenedOptions.defaults()).prepare(w, singular);
        double whitened = Synthetic.outputError(few, w.weight(), auto.factorAt(8));
        double plain = Synthetic.outputError(few, w.weight(), new PlainSvdMethod().prepare(w, singular).factorAt(8));
        assertThat(whitened).isLessThan(plain);
        assertThat(auto.factorAt(8).b().firstNonFinite()).isNull();
        // At rank 15 the calibration outputs are reproduced exactly.
        assertThat(Synthetic.outputError(few, w.weight(), auto.factorAt(15))).isLessThan(1e-6 * few.frobeniusNorm());
    }

    /** The statistics were accumulated from float32 rows; measure the error on the same rows. */
    private static DoubleMatrix floatRounded(DoubleMatrix x) {
        return x.toFloat().toDouble();
    }
}
