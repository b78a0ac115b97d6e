package org.lowrank4j.adapt.fastgrad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lowrank4j.linalg.DoubleMatrix;

/** The Taylor feature map of spec 19: its width, its inner products, and its error against the exponential. */
class TaylorFeaturesTest {

    static DoubleMatrix uniform(long seed, int rows, int cols, double half) {
        Random random = new Random(seed);
        DoubleMatrix m = DoubleMatrix.zeros(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, (2 * random.nextDouble() - 1) * half);
            }
        }
        return m;
    }

    @ParameterizedTest
    @CsvSource({"1, 0, 1", "1, 5, 6", "4, 8, 495", "3, 2, 10", "8, 3, 165"})
    void theWidthIsTheNumberOfMonomialsUpToTheDegree(int d, int g, int expected) {
        TaylorFeatures features = new TaylorFeatures(d, g);
        assertThat(features.width()).isEqualTo(expected);
        assertThat(TaylorFeatures.width(d, g)).isEqualTo(expected);
        assertThat(features.map(uniform(1, 3, d, 1)).cols()).isEqualTo(expected);
    }

    /** φ(q)·φ(k) is the truncated series Σ_{j≤g} t^j/j! at t = q·k/√d: checks every multinomial weight. */
    @ParameterizedTest
    @CsvSource({"1, 6", "2, 5", "3, 4", "5, 3", "4, 7"})
    void innerProductsOfFeaturesAreTheTruncatedSeries(int d, int g) {
        TaylorFeatures features = new TaylorFeatures(d, g);
        DoubleMatrix q = uniform(2, 6, d, 1.5), k = uniform(3, 6, d, 1.5);
        DoubleMatrix u1 = features.map(q), u2 = features.map(k);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                double t = 0;
                for (int c = 0; c < d; c++) {
                    t += q.get(i, c) * k.get(j, c);
                }
                t /= Math.sqrt(d);
                double series = 0, term = 1;
                for (int p = 0; p <= g; p++) {
                    series += term;
                    term *= t / (p + 1);
                }
                double dot = 0;
                for (int f = 0; f < features.width(); f++) {
                    dot += u1.get(i, f) * u2.get(j, f);
                }
                assertThat(dot).as("pair %d, %d", i, j).isCloseTo(series, org.assertj.core.data.Offset.offset(1e-12 * Math.max(1, Math.abs(series))));
            }
        }
    }

    /** Spec 19 test 1: L = 64, d = 4, entries U(−0.5, 0.5), g = 8: every entry of exp(QKᵀ/√d) within 1e-6 relative. */
    @Test
    void degreeEightMatchesTheExponentialToOnePartInAMillion() {
        TaylorFeatures features = new TaylorFeatures(4, 8);
        DoubleMatrix q = uniform(4, 64, 4, 0.5), k = uniform(5, 64, 4, 0.5);
        double worst = maxRelativeError(features, q, k);
        assertThat(worst).isLessThan(1e-6);
        assertThat(worst).isLessThanOrEqualTo(TaylorFeatures.errorBound(TaylorFeatures.scoreBound(q, k), 8));
    }

    /** The a-priori bound holds at every degree, and the error falls with the degree. */
    @Test
    void theErrorBoundHoldsAndTheErrorFallsWithTheDegree() {
        DoubleMatrix q = uniform(6, 40, 3, 1.2), k = uniform(7, 40, 3, 1.2);
        double beta = TaylorFeatures.scoreBound(q, k), previous = Double.POSITIVE_INFINITY;
        for (int g = 1; g <= 10; g++) {
            double worst = maxRelativeError(new TaylorFeatures(3, g), q, k);
            assertThat(worst).as("degree %d", g).isLessThanOrEqualTo(TaylorFeatures.errorBound(beta, g)).isLessThan(previous);
            previous = worst;
        }
    }

    @Test
    void degreeForIsTheSmallestDegreeThatMeetsTheTolerance() {
        int g = TaylorFeatures.degreeFor(0.5, 1e-6);
        assertThat(TaylorFeatures.errorBound(0.5, g)).isLessThanOrEqualTo(1e-6);
        assertThat(TaylorFeatures.errorBound(0.5, g - 1)).isGreaterThan(1e-6);
        assertThat(TaylorFeatures.degreeFor(0, 1e-9)).isZero();
        assertThatThrownBy(() -> TaylorFeatures.degreeFor(30, 1e-6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use the exact one");
    }

    @Test
    void mapsWiderThanTheLimitAndBadArgumentsAreRefused() {
        assertThatThrownBy(() -> new TaylorFeatures(40, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("d = 40").hasMessageContaining("exact attention gradient");
        assertThatThrownBy(() -> new TaylorFeatures(0, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TaylorFeatures(3, 2).map(DoubleMatrix.zeros(2, 4))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rows of 4");
    }

    private static double maxRelativeError(TaylorFeatures features, DoubleMatrix q, DoubleMatrix k) {
        DoubleMatrix u1 = features.map(q), u2 = features.map(k);
        double worst = 0;
        int d = q.cols();
        for (int i = 0; i < q.rows(); i++) {
            for (int j = 0; j < k.rows(); j++) {
                double t = 0, dot = 0;
                for (int c = 0; c < d; c++) {
                    t += q.get(i, c) * k.get(j, c);
                }
                for (int f = 0; f < features.width(); f++) {
                    dot += u1.get(i, f) * u2.get(j, f);
                }
                double exact = Math.exp(t / Math.sqrt(d));
                worst = Math.max(worst, Math.abs(dot - exact) / exact);
            }
        }
        return worst;
    }
}
