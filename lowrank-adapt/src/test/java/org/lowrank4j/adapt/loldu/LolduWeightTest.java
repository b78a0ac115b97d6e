package org.lowrank4j.adapt.loldu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** LoLDU (spec 04 D): the pivoted LU rebuilds W, the base at step 0, float64 finite differences for z, γ and x, r + 1 trainable. */
class LolduWeightTest {
    private static Tensor random(Random random, int... shape) {
        Tensor t = Tensor.zeros(Precision.FLOAT64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, random.nextGaussian());
        }
        return t;
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"12, 9", "7, 13", "1, 5", "6, 6"})
    void theFullLuRebuildsTheMatrix(int m, int n) {
        double[] w = random(new Random(m * 31 + n), m, n).toDoubleArray();
        int p = Math.min(m, n);
        PivotedLu lu = PivotedLu.of(w, m, n, p);
        double worst = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = 0;
                for (int k = 0; k < p; k++) {
                    v += lu.permutedLower()[i * p + k] * lu.pivots()[k] * lu.unitUpper()[k * n + j];
                }
                worst = Math.max(worst, Math.abs(v - w[i * n + j]));
            }
        }
        assertThat(worst).isLessThan(1e-12);
        for (int k = 0; k < p; k++) {
            assertThat(lu.unitUpper()[k * n + k]).isEqualTo(1.0);
        }
        // stopping after r steps gives the full factorisation's first r columns of L, pivots and rows of U, bit for bit
        for (int r = 1; r < p; r++) {
            PivotedLu early = PivotedLu.of(w, m, n, r);
            for (int k = 0; k < r; k++) {
                assertThat(early.pivots()[k]).isEqualTo(lu.pivots()[k]);
                for (int i = 0; i < m; i++) {
                    assertThat(early.permutedLower()[i * r + k]).isEqualTo(lu.permutedLower()[i * p + k]);
                }
                for (int j = 0; j < n; j++) {
                    assertThat(early.unitUpper()[k * n + j]).isEqualTo(lu.unitUpper()[k * n + j]);
                }
            }
        }
    }

    @Test
    void aZeroPivotIsOneLine() {
        double[] w = {0, 0, 0, 0, 1, 2};
        assertThatThrownBy(() -> PivotedLu.of(w, 2, 3, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pivot 0");
    }

    @Test
    void theBaseAtStepZeroAndGradientsMatchFiniteDifferences() {
        Random random = new Random(21);
        DenseWeight dense = new DenseWeight(new Parameter("w", random(random, 10, 7)));
        Linear linear = new Linear("m", dense, null);
        LolduWeight loldu = (LolduWeight) new LolduVariant().create(Map.of("m", linear), VariantSpec.parse("loldu:rank=3:alpha=6"), 4, 8, 0,
                Precision.FLOAT64).layers().get("m");
        assertThat(loldu.trainableCount()).isEqualTo(3 + 1);
        assertThat(loldu.gamma().value().get(0)).isEqualTo(2.0);
        Tensor x = random(random, 3, 4, 7);
        assertThat(maxDifference(loldu.forward(x), dense.forward(x))).isLessThan(1e-12);

        for (Parameter p : loldu.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, p.value().get(i) * (1 + 0.3 * random.nextGaussian()));
            }
        }
        Tensor r = random(random, 3, 4, 10);
        loldu.forward(x);
        Tensor dx = loldu.backward(r, x);
        DoubleSupplier loss = () -> dot(loldu.forward(x), r);
        assertThat(relativeError(dx, gradient(loss, x))).as("dx").isLessThan(1e-7);
        assertThat(relativeError(loldu.diagonal().gradient(), gradient(loss, loldu.diagonal().value()))).as("dz").isLessThan(1e-7);
        assertThat(relativeError(loldu.gamma().gradient(), gradient(loss, loldu.gamma().value()))).as("dγ").isLessThan(1e-7);
        Tensor viaDense = new DenseWeight(new Parameter("w'", loldu.toDense())).forward(x);
        assertThat(maxDifference(viaDense, loldu.forward(x))).isLessThan(1e-10);
        assertThat(maxDifference(loldu.forward(x), dense.forward(x))).isGreaterThan(1e-3);
    }
}
