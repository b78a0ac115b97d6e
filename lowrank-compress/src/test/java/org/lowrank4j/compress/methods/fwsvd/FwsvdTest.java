package org.lowrank4j.compress.methods.fwsvd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.MethodFixtures;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.fwsvd.FwsvdMethod;
import org.lowrank4j.compress.methods.fwsvd.FwsvdOptions;
import org.lowrank4j.compress.methods.fwsvd.FwsvdOptions.Axis;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;

/** The "how to test it" list of spec c02 (FWSVD). */
class FwsvdTest {
    private final LinearWeight w = Synthetic.weight(20, 16, 21);
    private final DoubleMatrix x = MethodFixtures.activations(120, 16, 2, 10, 22);

    private LayerStats tokenFisher(long seed) {
        return MethodFixtures.stats(w, x, x, true, false, false, seed);
    }

    private static FwsvdMethod fwsvd(Axis axis) {
        return new FwsvdMethod(new FwsvdOptions(axis, 1e-6));
    }

    @Test
    void uniformFisherIsPlainSvdOnBothAxes() {
        LayerStats uniform = MethodFixtures.stats(w, x, x, true, false, false, -1);
        DoubleMatrix plain = new PlainSvdMethod().prepare(w, null).factorAt(5).toDense();
        for (Axis axis : Axis.values()) {
            DoubleMatrix mine = fwsvd(axis).prepare(w, uniform).factorAt(5).toDense();
            assertThat(mine.approximatelyEquals(plain, 1e-10 * plain.frobeniusNorm())).as("%s", axis).isTrue();
        }
    }

    @Test
    void weightedErrorIsTheSpectrumTailAndNeverAbovePlainSvd() {
        LayerStats stats = tokenFisher(23);
        for (Axis axis : Axis.values()) {
            double[] lines = FwsvdMethod.lineWeights(stats.fisher(), new FwsvdOptions(axis, 1e-6));
            PreparedSite site = fwsvd(axis).prepare(w, stats);
            PreparedSite plain = new PlainSvdMethod().prepare(w, null);
            for (int r : new int[] {1, 4, 9, 15}) {
                double mine = weighted(MethodFixtures.minus(w.weight(), site.factorAt(r).toDense()), lines, axis);
                double baseline = weighted(MethodFixtures.minus(w.weight(), plain.factorAt(r).toDense()), lines, axis);
                assertThat(mine * mine).as("%s r=%d", axis, r).isCloseTo(MethodFixtures.tail(site.spectrum(), r),
                        org.assertj.core.data.Percentage.withPercentage(1e-8));
                assertThat(mine).as("%s r=%d", axis, r).isLessThanOrEqualTo(baseline * (1 + 1e-12));
            }
        }
    }

    @Test
    void plantedHeavyColumnIsKeptOnTheInputAxisAndHeavyRowOnTheOutputAxis() {
        int heavy = 5;
        for (Axis axis : Axis.values()) {
            // Fisher 1e6× larger on one input column (INPUT) or one output row (OUTPUT): gradients ×1e3 there.
            LayerStats stats = new LayerStats(16);
            float[] g = new float[20 * 16];
            java.util.Random random = new java.util.Random(24);
            for (int sample = 0; sample < 10; sample++) {
                for (int i = 0; i < 20; i++) {
                    for (int j = 0; j < 16; j++) {
                        boolean planted = axis == Axis.INPUT ? j == heavy : i == heavy;
                        g[i * 16 + j] = (float) (random.nextGaussian() * (planted ? 1e3 : 1));
                    }
                }
                stats.accumulateFisher(g, 20);
            }
            DoubleMatrix mine = fwsvd(axis).prepare(w, stats).factorAt(3).toDense();
            DoubleMatrix plain = new PlainSvdMethod().prepare(w, null).factorAt(3).toDense();
            double mineError = lineError(w.weight(), mine, heavy, axis), plainError = lineError(w.weight(), plain, heavy, axis);
            assertThat(mineError).as("%s planted line, FWSVD", axis).isLessThan(1e-3);
            assertThat(plainError).as("%s planted line, plain SVD", axis).isGreaterThan(10 * mineError);
            // The other axis does not single the line out: its reconstruction is no better than that.
            Axis other = axis == Axis.INPUT ? Axis.OUTPUT : Axis.INPUT;
            DoubleMatrix crossed = fwsvd(other).prepare(w, stats).factorAt(3).toDense();
            assertThat(lineError(w.weight(), crossed, heavy, axis)).as("%s planted line, %s axis", axis, other).isGreaterThan(10 * mineError);
        }
    }

    @Test
    void scalingTheFisherChangesNothing() {
        LayerStats scaled = new LayerStats(16);
        // Gradients ×8 (exact in float): F × 64, so ε relative to the largest line sum scales with it.
        java.util.Random random = new java.util.Random(25);
        LayerStats reference = new LayerStats(16);
        float[] g = new float[20 * 16], g8 = new float[20 * 16];
        for (int sample = 0; sample < 30; sample++) {
            for (int k = 0; k < g.length; k++) {
                g[k] = (float) random.nextGaussian();
                g8[k] = 8 * g[k];
            }
            reference.accumulateFisher(g, 20);
            scaled.accumulateFisher(g8, 20);
        }
        for (Axis axis : Axis.values()) {
            DoubleMatrix a = fwsvd(axis).prepare(w, reference).factorAt(6).toDense();
            DoubleMatrix b = fwsvd(axis).prepare(w, scaled).factorAt(6).toDense();
            assertThat(a.approximatelyEquals(b, 1e-12 * a.frobeniusNorm())).as("%s", axis).isTrue();
        }
        assertThat(scaled.fisherSamples()).isEqualTo(30);
    }

    @Test
    void shapesOnTheOutputAxis() {
        var f = fwsvd(Axis.OUTPUT).prepare(w, tokenFisher(26)).factorAt(4);
        assertThat(f.a().shape()).isEqualTo("20x4");
        assertThat(f.b().shape()).isEqualTo("4x16");
        assertThat(f.parameterCount()).isEqualTo(4L * (20 + 16));
    }

    @Test
    void refusesWithoutGradientsAndWithAWrongOrZeroFisher() {
        FwsvdMethod method = fwsvd(Axis.INPUT);
        LayerStats noFisher = MethodFixtures.stats(w, x, x, false, false, false, 0);
        assertThatThrownBy(() -> method.prepare(w, noFisher)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fwsvd needs gradients").hasMessageContaining("runtime path").hasMessageContaining(w.name());
        LayerStats wrongRows = new LayerStats(16);
        wrongRows.accumulateFisher(new float[7 * 16], 7);
        assertThatThrownBy(() -> method.prepare(w, wrongRows)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("7x16").hasMessageContaining("20x16");
        LayerStats zero = new LayerStats(16);
        zero.accumulateFisher(new float[20 * 16], 20);
        assertThatThrownBy(() -> method.prepare(w, zero)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fwsvd").hasMessageContaining("zero");
        assertThatThrownBy(() -> new FwsvdOptions(null, 1e-6)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fwsvd");
        assertThatThrownBy(() -> new FwsvdOptions(Axis.INPUT, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epsilon");
    }

    /** ‖(W − Ŵ) C‖_F (INPUT) or ‖P (W − Ŵ)‖_F (OUTPUT). */
    private static double weighted(DoubleMatrix diff, double[] lines, Axis axis) {
        DoubleMatrix out = diff.copy();
        for (int i = 0; i < out.rows(); i++) {
            for (int j = 0; j < out.cols(); j++) {
                out.set(i, j, out.get(i, j) * lines[axis == Axis.INPUT ? j : i]);
            }
        }
        return out.frobeniusNorm();
    }

    /** Relative error of column (INPUT) or row (OUTPUT) k. */
    private static double lineError(DoubleMatrix w, DoubleMatrix approx, int k, Axis axis) {
        double diff = 0, norm = 0;
        int length = axis == Axis.INPUT ? w.rows() : w.cols();
        for (int t = 0; t < length; t++) {
            int i = axis == Axis.INPUT ? t : k, j = axis == Axis.INPUT ? k : t;
            diff += Math.pow(w.get(i, j) - approx.get(i, j), 2);
            norm += Math.pow(w.get(i, j), 2);
        }
        return Math.sqrt(diff / norm);
    }
}
