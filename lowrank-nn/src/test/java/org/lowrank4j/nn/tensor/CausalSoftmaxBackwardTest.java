package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The causal softmax backward (reads only the keys a row attends to) against the textbook formula
 * {@code ds = p ⊙ (dp − Σ p·dp)} over the whole row, in float64 and float32, with and without cached positions, in place
 * as attention calls it; the general backward is checked against the same formula.
 */
class CausalSoftmaxBackwardTest {

    @ParameterizedTest
    @CsvSource({"FLOAT64,1,0", "FLOAT64,6,0", "FLOAT64,37,0", "FLOAT64,5,3", "FLOAT32,1,0", "FLOAT32,6,0", "FLOAT32,37,0", "FLOAT32,5,3"})
    void matchesTheFullRowFormula(Precision precision, int time, int past) {
        int batch = 2, heads = 3, keys = past + time;
        Random r = new Random(time * 31L + past);
        Tensor probs = Tensor.gaussian(precision, r, 2, batch, heads, time, keys);
        Kernels.of(probs).attentionSoftmax(probs, null, true, past);
        Tensor dprobs = Tensor.gaussian(precision, r, 1, batch, heads, time, keys);

        double[] expected = new double[probs.size()];
        for (int base = 0; base < probs.size(); base += keys) {
            double dot = 0;
            for (int s = 0; s < keys; s++) {
                dot += probs.get(base + s) * dprobs.get(base + s);
            }
            for (int s = 0; s < keys; s++) {
                expected[base + s] = probs.get(base + s) * (dprobs.get(base + s) - dot);
            }
        }
        double tolerance = precision == Precision.FLOAT64 ? 1e-13 : 1e-6;

        Tensor general = Tensor.zeros(precision, batch, heads, time, keys);
        Kernels.of(probs).softmaxBackward(general, probs, dprobs);
        Tensor causal = dprobs.copy();
        Kernels.of(probs).causalSoftmaxBackward(causal, probs, causal, past); // in place, as Attention calls it
        for (int i = 0; i < expected.length; i++) {
            assertThat(general.get(i)).as("general %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance));
            assertThat(causal.get(i)).as("causal %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance));
            int t = (i / keys) % time, s = i % keys;
            if (s > past + t) {
                assertThat(causal.get(i)).as("past the causal limit").isZero();
            }
        }
    }
}
