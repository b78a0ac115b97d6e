package org.lowrank4j.nn.weight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** W = s·B·A + S on a fixed support: dense form by hand, gradients of B, A, the values and the input by finite differences. */
class SparsePlusLowRankWeightTest {
    private static final int OUT = 7, IN = 5, RANK = 2;
    private static final int[] SUPPORT = {0, 3, 6, 12, 13, 20, 27, 29, 33, 34}; // ⌊0.3·35⌋ = 10 entries

    private static SparsePlusLowRankWeight weight(Precision p, Random random, double scale) {
        return new SparsePlusLowRankWeight(new Parameter("w.B", Tensor.gaussian(p, random, 1, OUT, RANK)),
                new Parameter("w.A", Tensor.gaussian(p, random, 1, RANK, IN)), scale, SUPPORT,
                new Parameter("w.values", Tensor.gaussian(p, random, 1, SUPPORT.length)));
    }

    @Test
    void toDenseIsTheScaledProductPlusTheScatteredValues() {
        SparsePlusLowRankWeight w = weight(Precision.FLOAT64, new Random(1), 0.25);
        Tensor dense = w.toDense();
        Tensor b = w.left().value(), a = w.right().value(), v = w.values().value();
        int k = 0;
        for (int i = 0; i < OUT; i++) {
            for (int j = 0; j < IN; j++) {
                double expected = 0;
                for (int t = 0; t < RANK; t++) {
                    expected += 0.25 * b.get(i * RANK + t) * a.get(t * IN + j);
                }
                if (k < SUPPORT.length && SUPPORT[k] == i * IN + j) {
                    expected += v.get(k++);
                }
                assertThat(dense.get(i * IN + j)).as("W[%d,%d]", i, j).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-14));
            }
        }
        assertThat(w.parameterCount()).isEqualTo((long) RANK * (OUT + IN) + SUPPORT.length);
    }

    @Test
    void gradientsMatchFiniteDifferencesInFloat64() {
        Random random = new Random(7);
        SparsePlusLowRankWeight w = weight(Precision.FLOAT64, random, 0.4);
        Linear linear = new Linear("fc", w, null);
        Tensor x = Tensor.gaussian(Precision.FLOAT64, random, 1, 2, 3, IN);
        double error = GradientCheck.check("sparse plus low-rank 7x5 r=2 δ=0.3", () -> linear.forward(x), linear::backward, x,
                linear.parameters(), 11);
        assertThat(error).isLessThan(GradientCheck.TOLERANCE);
        assertThat(w.values().gradient().norm()).isPositive();
    }

    @Test
    void aSupportThatIsNotIncreasingOrOutOfRangeIsRefused() {
        Precision p = Precision.FLOAT64;
        Parameter b = new Parameter("w.B", Tensor.zeros(p, OUT, RANK)), a = new Parameter("w.A", Tensor.zeros(p, RANK, IN));
        assertThatThrownBy(() -> new SparsePlusLowRankWeight(b, a, 1, new int[] {3, 3}, new Parameter("w.values", Tensor.zeros(p, 2))))
                .hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> new SparsePlusLowRankWeight(b, a, 1, new int[] {35}, new Parameter("w.values", Tensor.zeros(p, 1))))
                .hasMessageContaining("[0, 35)");
        assertThatThrownBy(() -> new SparsePlusLowRankWeight(b, a, 1, new int[] {1, 2}, new Parameter("w.values", Tensor.zeros(p, 3))))
                .hasMessageContaining("the support holds 2 indices");
    }
}
