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

/** W = Cᵀ·Dᵀ with column-sparse C: dense form by hand, forward against x·Wᵀ, gradients of Dᵀ, the code values and x by finite differences. */
class DictionaryWeightTest {
    private static final int OUT = 7, IN = 5, ATOMS = 6, S = 2;
    // (out, s): one unused slot (-1) and a repeated atom across rows
    private static final int[] INDICES = {0, 3, 5, -1, 1, 2, 3, 4, 0, 5, 2, 1, 4, 3};

    private static DictionaryWeight weight(Precision p, Random random) {
        return new DictionaryWeight(new Parameter("w.D", Tensor.gaussian(p, random, 1, ATOMS, IN)), INDICES,
                new Parameter("w.C", Tensor.gaussian(p, random, 1, OUT, S)));
    }

    @Test
    void toDenseIsTheCodesTimesTheDictionary() {
        DictionaryWeight w = weight(Precision.FLOAT64, new Random(1));
        Tensor dense = w.toDense(), d = w.dictionary().value(), c = w.values().value();
        for (int o = 0; o < OUT; o++) {
            for (int j = 0; j < IN; j++) {
                double expected = 0;
                for (int t = 0; t < S; t++) {
                    int atom = INDICES[o * S + t];
                    expected += atom < 0 ? 0 : c.get(o * S + t) * d.get(atom * IN + j);
                }
                assertThat(dense.get(o * IN + j)).as("W[%d,%d]", o, j).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-14));
            }
        }
    }

    @Test
    void forwardIsXTimesTheDenseTranspose() {
        Random random = new Random(2);
        DictionaryWeight w = weight(Precision.FLOAT64, random);
        Tensor x = Tensor.gaussian(Precision.FLOAT64, random, 1, 3, 4, IN);
        Tensor expected = Tensor.zeros(Precision.FLOAT64, 3, 4, OUT);
        MatMul.timesTransposed(expected, x, w.toDense(), 0);
        Tensor y = w.forward(x);
        assertThat(y.shape()).containsExactly(3, 4, OUT);
        for (int i = 0; i < y.size(); i++) {
            assertThat(y.get(i)).isCloseTo(expected.get(i), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesInFloat64() {
        Random random = new Random(7);
        DictionaryWeight w = weight(Precision.FLOAT64, random);
        Linear linear = new Linear("fc", w, null);
        Tensor x = Tensor.gaussian(Precision.FLOAT64, random, 1, 2, 3, IN);
        double error = GradientCheck.check("dictionary 7x5 k=6 s=2", () -> linear.forward(x), linear::backward, x, linear.parameters(), 11);
        assertThat(error).isLessThan(GradientCheck.TOLERANCE);
        assertThat(w.values().gradient().get(3)).isZero(); // the unused slot gets no gradient
        assertThat(w.dictionary().gradient().norm()).isPositive();
    }

    @Test
    void badShapesAndIndicesAreRefused() {
        Precision p = Precision.FLOAT64;
        Parameter d = new Parameter("w.D", Tensor.zeros(p, ATOMS, IN));
        assertThatThrownBy(() -> new DictionaryWeight(d, new int[] {0, 1}, new Parameter("w.C", Tensor.zeros(p, OUT, S))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 indices");
        int[] bad = INDICES.clone();
        bad[4] = ATOMS;
        assertThatThrownBy(() -> new DictionaryWeight(d, bad, new Parameter("w.C", Tensor.zeros(p, OUT, S))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an atom");
        assertThatThrownBy(() -> weight(p, new Random(3)).forward(Tensor.zeros(p, 2, IN + 1))).isInstanceOf(IllegalArgumentException.class);
    }
}
