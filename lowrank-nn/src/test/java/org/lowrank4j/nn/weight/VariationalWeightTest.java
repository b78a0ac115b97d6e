package org.lowrank4j.nn.weight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

class VariationalWeightTest {
    private static final int OUT = 5, IN = 7, N = 3;

    private static Tensor random(Random r, int... shape) {
        return Tensor.gaussian(Precision.FLOAT64, r, 1, shape);
    }

    /** L = Σ y ⊙ g for a fixed g, with the noise of {@code seed}. */
    private static double loss(Tensor mean, double logVar, int index, double logVarDelta, Tensor x, Tensor g, long seed) {
        VariationalWeight w = new VariationalWeight("w", mean, logVar, seed);
        w.logVariance().value().set(index, logVar + logVarDelta);
        w.sampling(true);
        Tensor y = w.forward(x);
        double s = 0;
        for (int i = 0; i < y.size(); i++) {
            s += y.get(i) * g.get(i);
        }
        return s;
    }

    /** The reparameterised gradients against central differences under the same noise draw (same seed). */
    @Test
    void sampledGradientsMatchFiniteDifferences() {
        Random r = new Random(3);
        Tensor mean = random(r, OUT, IN), x = random(r, N, IN), g = random(r, N, OUT);
        double logVar = Math.log(0.3);
        VariationalWeight w = new VariationalWeight("w", mean, logVar, 11);
        w.sampling(true);
        w.forward(x);
        Tensor dx = w.backward(g, x);
        double h = 1e-6, max = 0;
        for (int i = 0; i < OUT * IN; i++) {
            double numeric = (loss(mean, logVar, i, h, x, g, 11) - loss(mean, logVar, i, -h, x, g, 11)) / (2 * h);
            max = Math.max(max, Math.abs(numeric - w.logVariance().gradient().get(i)));
            Tensor plus = mean.copy(), minus = mean.copy();
            plus.set(i, mean.get(i) + h);
            minus.set(i, mean.get(i) - h);
            double numericMean = (loss(plus, logVar, 0, 0, x, g, 11) - loss(minus, logVar, 0, 0, x, g, 11)) / (2 * h);
            max = Math.max(max, Math.abs(numericMean - w.mean().gradient().get(i)));
        }
        System.out.printf("variational weight: max |analytic - numeric| gradient = %.2e%n", max);
        assertTrue(max < 1e-6, "max gradient difference " + max);
        assertEquals(N * IN, dx.size());
    }

    @Test
    void evaluationUsesTheMeanAndSavesIt() {
        Random r = new Random(5);
        Tensor mean = random(r, OUT, IN), x = random(r, N, IN);
        VariationalWeight w = new VariationalWeight("w", mean, Math.log(0.5), 1);
        Tensor dense = new DenseWeight(new Parameter("d", mean.copy())).forward(x);
        assertArrayEquals(dense.toDoubleArray(), w.forward(x).toDoubleArray(), 1e-12);
        assertArrayEquals(mean.toDoubleArray(), w.toDense().toDoubleArray(), 0);
        w.sampling(true);
        assertTrue(!Arrays.equals(dense.toDoubleArray(), w.forward(x).toDoubleArray()), "sampling must perturb the weights");
    }

    /** The prior term E[ρ](μ² + σ²)/2 − ½ log σ²: value and gradients against its closed form. */
    @Test
    void priorTermAndItsGradients() {
        Tensor mean = Tensor.of(Precision.FLOAT64, new double[] {0.5, -2.0}, 1, 2);
        VariationalWeight w = new VariationalWeight("w", mean, Math.log(0.25), 1);
        w.expectedPrecision()[0] = 4;
        w.expectedPrecision()[1] = 0.5f;
        double value = w.addPriorTerm(2);
        double expected = 2 * (4 * (0.25 + 0.25) / 2 - Math.log(0.25) / 2 + 0.5 * (4 + 0.25) / 2 - Math.log(0.25) / 2);
        assertEquals(expected, value, 1e-12);
        assertEquals(2 * 4 * 0.5, w.mean().gradient().get(0), 1e-12);
        assertEquals(2 * 0.5 * -2.0, w.mean().gradient().get(1), 1e-12);
        assertEquals(2 * (4 * 0.25 / 2 - 0.5), w.logVariance().gradient().get(0), 1e-12);
    }

    @Test
    void maskedWeightKeepsItsZerosThroughBackward() {
        Random r = new Random(7);
        Tensor x = random(r, N, IN), g = random(r, N, OUT);
        boolean[] kept = new boolean[OUT * IN];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = i % 3 != 0;
        }
        Parameter p = new Parameter("m", random(r, OUT, IN));
        MaskedWeight m = new MaskedWeight(p, kept);
        m.forward(x);
        m.backward(g, x);
        for (int i = 0; i < kept.length; i++) {
            if (!kept[i]) {
                assertEquals(0, p.value().get(i));
                assertEquals(0, p.gradient().get(i));
            } else {
                assertTrue(p.gradient().get(i) != 0);
            }
        }
    }
}
