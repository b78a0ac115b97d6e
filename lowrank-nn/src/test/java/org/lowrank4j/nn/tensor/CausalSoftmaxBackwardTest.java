package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The causal softmax backward (reads only the keys a row attends to) against the textbook formula
 * {@code ds = p ⊙ (dp − Σ p·dp)} over the whole row, in float64 and float32, with and without cached positions, in place
 * as attention calls it; the general backward is checked against the same formula, and the forward softmax without a key
 * mask (its row maximum taken in four running maxima) against exp(s − max) / Σ.
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

    @ParameterizedTest
    @CsvSource({"FLOAT64,6,0,true", "FLOAT64,37,2,true", "FLOAT64,9,0,false", "FLOAT32,6,0,true", "FLOAT32,37,2,true", "FLOAT32,9,0,false"})
    void attentionSoftmaxWithoutMaskMatchesTheFormula(Precision precision, int time, int past, boolean causal) {
        int keys = past + time;
        Tensor scores = Tensor.gaussian(precision, new Random(time + 7L * past), 3, 2, 2, time, keys);
        Tensor probs = scores.copy();
        Kernels.of(probs).attentionSoftmax(probs, null, causal, past);
        double tolerance = precision == Precision.FLOAT64 ? 1e-14 : 1e-6;
        for (int base = 0; base < scores.size(); base += keys) {
            int t = (base / keys) % time, limit = causal ? past + t + 1 : keys;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int s = 0; s < limit; s++) {
                max = Math.max(max, scores.get(base + s));
            }
            for (int s = 0; s < limit; s++) {
                sum += Math.exp(scores.get(base + s) - max);
            }
            for (int s = 0; s < keys; s++) {
                double expected = s < limit ? Math.exp(scores.get(base + s) - max) / sum : 0;
                assertThat(probs.get(base + s)).isCloseTo(expected, org.assertj.core.data.Offset.offset(tolerance));
            }
        }
    }
}
