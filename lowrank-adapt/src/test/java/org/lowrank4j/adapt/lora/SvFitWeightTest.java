package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** SVFit (spec 04 B): unchanged at step 0, float64 finite differences for θ and x, r trainable values, the LoRA form of the change. */
class SvFitWeightTest {
    private static final int OUT = 12, IN = 9;

    private static Tensor random(Precision p, Random random, int... shape) {
        Tensor t = Tensor.zeros(p, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, random.nextGaussian());
        }
        return t;
    }

    @Test
    void unchangedAtStepZeroAndGradientsMatchFiniteDifferences() {
        Random random = new Random(4);
        DenseWeight dense = new DenseWeight(new Parameter("w", random(Precision.FLOAT64, random, OUT, IN)));
        SvFitWeight svfit = SvFitWeight.of("m", dense, 3, 0);
        assertThat(svfit.parameters()).hasSize(1);
        assertThat(svfit.theta().size()).isEqualTo(3);
        Tensor x = random(Precision.FLOAT64, random, 2, 5, IN);
        assertThat(maxDifference(svfit.forward(x), dense.forward(x))).isLessThan(1e-12);
        assertThat(maxDifference(svfit.toDense(), dense.toDense())).isLessThan(1e-12);

        for (int k = 0; k < 3; k++) {
            svfit.theta().value().set(k, svfit.theta().value().get(k) * (1 + 0.3 * random.nextGaussian()));
        }
        Tensor r = random(Precision.FLOAT64, random, 2, 5, OUT);
        svfit.forward(x);
        Tensor dx = svfit.backward(r, x);
        java.util.function.DoubleSupplier loss = () -> dot(svfit.forward(x), r);
        assertThat(relativeError(dx, gradient(loss, x))).as("dx").isLessThan(1e-7);
        assertThat(relativeError(svfit.theta().gradient(), gradient(loss, svfit.theta().value()))).as("dθ").isLessThan(1e-7);
        assertThat(maxDifference(svfit.forward(x), svfit.residual().forward(x))).isGreaterThan(1e-3);
    }

    @Test
    void theTrainedChangeIsARankRLoraAdapterOfTheOriginalWeight() {
        Random random = new Random(5);
        Tensor w = random(Precision.FLOAT32, random, OUT, IN);
        DenseWeight dense = new DenseWeight(new Parameter("w", w));
        SvFitWeight svfit = SvFitWeight.of("m", dense, 4, 0);
        for (int k = 0; k < 4; k++) {
            svfit.theta().value().set(k, svfit.theta().value().get(k) + (k % 2 == 0 ? 0.5 : -0.7));
        }
        LoraFactors f = svfit.asLoraFactors();
        assertThat(f.rank()).isEqualTo(4);
        assertThat(f.alpha()).isEqualTo(4.0); // scaling 1
        Tensor tuned = svfit.toDense();
        double worst = 0;
        for (int i = 0; i < OUT; i++) {
            for (int j = 0; j < IN; j++) {
                double update = 0;
                for (int k = 0; k < 4; k++) {
                    update += (double) f.b()[i * 4 + k] * f.a()[k * IN + j];
                }
                worst = Math.max(worst, Math.abs(w.get(i * IN + j) + update - tuned.get(i * IN + j)));
            }
        }
        System.out.printf("SVFit change as LoRA factors: max |W + B·A − W'| %.2e%n", worst);
        assertThat(worst).isLessThan(1e-5);
    }

    @Test
    void energyRankTakesTheSmallestSufficientPrefix() {
        double[] sigma = {10, 3, 1, 0.1};
        assertThat(SvFitWeight.energyRank(sigma, 0.9)).isEqualTo(1);   // 100/110.01
        assertThat(SvFitWeight.energyRank(sigma, 0.99)).isEqualTo(2);  // 109/110.01 = 0.9908
        assertThat(SvFitWeight.energyRank(sigma, 0.995)).isEqualTo(3); // 110/110.01
        assertThat(SvFitWeight.energyRank(sigma, 1.0)).isEqualTo(4);
        Random random = new Random(6);
        SvFitWeight chosen = SvFitWeight.of("m", new DenseWeight(new Parameter("w", random(Precision.FLOAT64, random, OUT, IN))), 0, 0.99);
        assertThat(chosen.rank()).isBetween(1, IN);
    }
}
