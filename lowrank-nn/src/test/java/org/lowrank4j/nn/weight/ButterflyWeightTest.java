package org.lowrank4j.nn.weight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** The butterfly weight against known answers (Hadamard, orthogonality), the dense product, and finite differences. */
class ButterflyWeightTest {
    private static final Precision P = Precision.FLOAT64;

    @Test
    void hadamardTwiddlesGiveTheSylvesterHadamardMatrix() {
        int n = 16, levels = 4;
        double h = 1 / Math.sqrt(2);
        double[] values = new double[levels * (n / 2) * 4];
        for (int q = 0; q < values.length; q += 4) {
            values[q] = h;
            values[q + 1] = h;
            values[q + 2] = h;
            values[q + 3] = -h;
        }
        ButterflyWeight b = new ButterflyWeight(new Parameter("h.twiddles", Tensor.of(P, values, 1, levels, n / 2, 4)), n, n);
        Tensor dense = b.toDense();
        for (int k = 0; k < n; k++) {
            for (int m = 0; m < n; m++) {
                double expected = (Integer.bitCount(k & m) % 2 == 0 ? 1 : -1) / Math.sqrt(n);
                assertThat(dense.get(k * n + m)).as("H[%d,%d]", k, m).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-14));
            }
        }
        assertThat(b.parameterCount()).isEqualTo(ButterflyWeight.twiddleCount(n, n, 1)).isEqualTo(4L * 2 * 16);
    }

    @Test
    void orthogonalStartIsOrthogonalForEveryBlockCount() {
        for (int blocks = 1; blocks <= 3; blocks++) {
            ButterflyWeight b = ButterflyWeight.orthogonal("o", 8, 8, blocks, P, new Random(blocks));
            Tensor m = b.toDense(), gram = Tensor.zeros(P, 8, 8);
            MatMul.timesTransposed(gram, m, m, 0);
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    assertThat(gram.get(i * 8 + j)).isCloseTo(i == j ? 1 : 0, org.assertj.core.data.Offset.offset(1e-13));
                }
            }
        }
    }

    @Test
    void forwardIsXTimesTheDenseCornerTransposedForRaggedWidths() {
        Random random = new Random(4);
        ButterflyWeight b = ButterflyWeight.orthogonal("r", 5, 7, 2, P, random); // n = 8: inputs padded, outputs cut
        GradientCheck.randomize(b, random, 1);
        assertThat(b.size()).isEqualTo(8);
        Tensor x = Tensor.gaussian(P, random, 1, 3, 2, 7);
        Tensor expected = Tensor.zeros(P, 3, 2, 5);
        MatMul.timesTransposed(expected, x, b.toDense(), 0);
        assertThat(GradientCheck.compare(b.forward(x), expected)).isLessThan(1e-13);
        assertThat(b.toDense().shape()).containsExactly(5, 7);
    }

    @Test
    void gradientsMatchFiniteDifferencesInFloat64() {
        Random random = new Random(9);
        for (int blocks = 1; blocks <= 2; blocks++) {
            ButterflyWeight b = ButterflyWeight.orthogonal("fc", 6, 5, blocks, P, random);
            GradientCheck.randomize(b, random, 0.7);
            Linear linear = new Linear("fc", b, new Parameter("fc.bias", Tensor.gaussian(P, random, 1, 6)));
            Tensor x = Tensor.gaussian(P, random, 1, 2, 3, 5);
            double error = GradientCheck.check("butterfly 6x5, " + blocks + " block(s)", () -> linear.forward(x), linear::backward, x,
                    linear.parameters(), 3 + blocks);
            assertThat(error).isLessThan(GradientCheck.TOLERANCE);
        }
    }

    @Test
    void theFitRecoversAWeightThatIsAButterflyAndReportsTheGapOfOneThatIsNot() {
        Random random = new Random(12);
        ButterflyWeight truth = ButterflyWeight.orthogonal("t", 16, 16, 1, P, random);
        ButterflyWeight learner = ButterflyWeight.orthogonal("l", 16, 16, 1, P, new Random(99));
        double start = GradientCheck.compare(learner.toDense(), truth.toDense());
        double error = ButterflyFit.fit(learner, truth.toDense(), 1500, 0.05);
        System.out.printf("butterfly fit of a 16-point butterfly: relative error %.2e (start: max entry difference %.2f)%n", error, start);
        assertThat(error).isLessThan(1e-3);
        assertThat(GradientCheck.compare(learner.toDense(), truth.toDense())).isLessThan(1e-3);

        Tensor gaussian = Tensor.gaussian(P, random, 1, 16, 16); // no structure: a 128-twiddle product cannot hold 256 free values
        double gap = ButterflyFit.fit(ButterflyWeight.orthogonal("g", 16, 16, 1, P, new Random(5)), gaussian, 1500, 0.05);
        assertThat(gap).isBetween(0.2, 1.0);
    }

    @Test
    void badShapesAreRefused() {
        assertThatThrownBy(() -> new ButterflyWeight(new Parameter("w", Tensor.zeros(P, 1, 2, 4, 4)), 8, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power-of-two");
        assertThatThrownBy(() -> new ButterflyWeight(new Parameter("w", Tensor.zeros(P, 1, 3, 4, 4)), 9, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot hold a 9x8");
        assertThatThrownBy(() -> ButterflyWeight.orthogonal("w", 4, 4, 0, P, new Random(1))).hasMessageContaining("at least one block");
        ButterflyWeight b = ButterflyWeight.orthogonal("w", 4, 4, 1, P, new Random(1));
        assertThatThrownBy(() -> b.forward(Tensor.zeros(P, 2, 5))).hasMessageContaining("does not end in the 4 input features");
        assertThatThrownBy(() -> ButterflyFit.fit(b, Tensor.zeros(P, 4, 3), 10, 0.1)).hasMessageContaining("needs a weight of that shape");
        assertThatThrownBy(() -> ButterflyFit.fit(b, Tensor.zeros(P, 4, 4), 10, 0.1)).hasMessageContaining("finite non-zero");
    }
}
