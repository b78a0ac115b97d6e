package org.lowrank4j.adapt.salt;

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
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** SALT (spec 04 C, paper form): the base at step 0, float64 finite differences for a, b, X, Y and x, 2r + r_l(in + out) trainable. */
class SaltWeightTest {
    private static final int OUT = 12, IN = 9;

    private static Tensor random(Random random, int... shape) {
        Tensor t = Tensor.zeros(Precision.FLOAT64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, random.nextGaussian());
        }
        return t;
    }

    private static SaltWeight layer(DenseWeight dense, int rank, int loraRank) {
        Linear linear = new Linear("m", dense, null);
        VariantAdapter adapter = new SaltVariant().create(Map.of("m", linear), VariantSpec.parse("salt:rank=" + rank + ":lora-rank=" + loraRank),
                4, 8, 3, Precision.FLOAT64);
        return (SaltWeight) adapter.layers().get("m");
    }

    @Test
    void theBaseAtStepZeroAndGradientsMatchFiniteDifferences() {
        Random random = new Random(11);
        DenseWeight dense = new DenseWeight(new Parameter("w", random(random, OUT, IN)));
        SaltWeight salt = layer(dense, 3, 2);
        assertThat(salt.trainableCount()).isEqualTo(2 * 3 + 2L * (OUT + IN));
        Tensor x = random(random, 2, 5, IN);
        assertThat(maxDifference(salt.forward(x), dense.forward(x))).isLessThan(1e-12);
        assertThat(maxDifference(salt.delta(), Tensor.zeros(Precision.FLOAT64, OUT, IN))).isLessThan(1e-12);

        for (Parameter p : salt.parameters()) { // move every trained value off its start (a stays > 0: the ReLU open)
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, p.value().get(i) + 0.2 * random.nextGaussian());
            }
        }
        Tensor r = random(random, 2, 5, OUT);
        salt.forward(x);
        Tensor dx = salt.backward(r, x);
        DoubleSupplier loss = () -> dot(salt.forward(x), r);
        assertThat(relativeError(dx, gradient(loss, x))).as("dx").isLessThan(1e-7);
        for (Parameter p : salt.parameters()) {
            assertThat(relativeError(p.gradient(), gradient(loss, p.value()))).as(p.name()).isLessThan(1e-7);
        }
        // the dense form agrees with the factored forward
        Tensor viaDense = new DenseWeight(new Parameter("w'", salt.toDense())).forward(x);
        assertThat(maxDifference(viaDense, salt.forward(x))).isLessThan(1e-10);
        salt.setEnabled(false);
        assertThat(maxDifference(salt.forward(x), dense.forward(x))).isZero();
    }

    @Test
    void aClosedReluPassesNoGradient() {
        Random random = new Random(12);
        SaltWeight salt = layer(new DenseWeight(new Parameter("w", random(random, OUT, IN))), 3, 1);
        salt.scale().value().set(1, -2); // σ'_1 = ReLU(−2σ_1) = 0
        Tensor x = random(random, 4, IN);
        salt.backward(random(random, 4, OUT), x);
        assertThat(salt.adaptedSigma()[1]).isZero();
        assertThat(salt.scale().gradient().get(1)).isZero();
        assertThat(salt.shift().gradient().get(1)).isZero();
        assertThat(salt.scale().gradient().get(0)).isNotZero();
    }

    @Test
    void aRankAboveTheLayersIsOneLine() {
        Linear linear = new Linear("m", new DenseWeight(new Parameter("w", random(new Random(1), OUT, IN))), null);
        assertThatThrownBy(() -> new SaltVariant().create(Map.of("m", linear), VariantSpec.parse("salt:rank=10"), 4, 8, 3, Precision.FLOAT64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min(in, out) = 9").hasMessageNotContaining("\n");
    }
}
