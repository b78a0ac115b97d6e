package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** AdamW against hand-computed updates, the schedule's values, clipping. */
class OptimizerTest {

    private static Parameter parameter(String name, double[] value, double[] gradient) {
        Parameter p = new Parameter(name, Tensor.of(Precision.FLOAT64, value, value.length));
        for (int i = 0; i < gradient.length; i++) {
            p.gradient().set(i, gradient[i]);
        }
        return p;
    }

    @Test
    void adamWFirstStepMatchesHandComputedUpdate() {
        // θ = (1, −2), g = (0.5, −0.1), lr 0.1, β = (0.9, 0.999), ε = 1e-8, λ = 0.01.
        // t = 1: m̂ = g, v̂ = g², so θ ← θ(1 − lr·λ) − lr · g / (|g| + ε):
        //   θ₀ = 0.999 − 0.1 · 0.5 / 0.50000001  = 0.899000001999999960...
        //   θ₁ = −1.998 + 0.1 · 0.1 / 0.10000001 = −1.898000009999999900...
        Parameter p = parameter("w", new double[] {1, -2}, new double[] {0.5, -0.1});
        AdamW adam = new AdamW(List.of(p), new AdamW.Settings(0.9, 0.999, 1e-8, 0.01), name -> false);
        adam.step(0.1);
        assertThat(p.value().get(0)).isCloseTo(0.89900000199999996, within(1e-15));
        assertThat(p.value().get(1)).isCloseTo(-1.89800000999999990, within(1e-15));
        assertThat(adam.moments(p).first().toDoubleArray()).containsExactly(new double[] {0.05, -0.01}, within(1e-17));
        assertThat(adam.moments(p).second().toDoubleArray()).containsExactly(new double[] {0.00025, 0.00001}, within(1e-18));

        // t = 2 with g = (0.2, 0.3): m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g², bias corrections 1 − 0.9², 1 − 0.999².
        double[] before = p.value().toDoubleArray();
        p.gradient().set(0, 0.2);
        p.gradient().set(1, 0.3);
        adam.step(0.05);
        double[] m = {0.9 * 0.05 + 0.1 * 0.2, 0.9 * -0.01 + 0.1 * 0.3};
        double[] v = {0.999 * 0.00025 + 0.001 * 0.04, 0.999 * 0.00001 + 0.001 * 0.09};
        for (int i = 0; i < 2; i++) {
            double expected = before[i] * (1 - 0.05 * 0.01) - 0.05 * (m[i] / 0.19) / (Math.sqrt(v[i] / (1 - 0.998001)) + 1e-8);
            assertThat(p.value().get(i)).isCloseTo(expected, within(1e-14));
        }
        assertThat(adam.stepCount()).isEqualTo(2);
    }

    @Test
    void excludedParametersGetNoWeightDecay() {
        Parameter weight = parameter("layer.weight", new double[] {3, 3}, new double[] {0, 0});
        Parameter bias = parameter("layer.bias", new double[] {3, 3}, new double[] {0, 0});
        Parameter norm = parameter("block.attn_norm.weight", new double[] {3, 3}, new double[] {0, 0});
        AdamW adam = new AdamW(List.of(weight, bias, norm), new AdamW.Settings(0.9, 0.95, 1e-8, 0.1));
        adam.step(0.5); // zero gradient: only the decay moves θ, by the factor 1 − 0.5 · 0.1
        assertThat(weight.value().get(0)).isCloseTo(2.85, within(1e-15));
        assertThat(bias.value().get(0)).isEqualTo(3.0);
        assertThat(norm.value().get(0)).isEqualTo(3.0);
    }

    @Test
    void float32ParametersFollowTheFloat64Update() {
        Parameter p64 = parameter("w", new double[] {0.3, -0.7, 1.1}, new double[] {0.01, -0.2, 3});
        Parameter p32 = new Parameter("w", p64.value().to(Precision.FLOAT32).copy());
        p32.gradient().copyFrom(p64.gradient());
        AdamW a64 = new AdamW(List.of(p64), AdamW.Settings.defaults());
        AdamW a32 = new AdamW(List.of(p32), AdamW.Settings.defaults());
        for (int t = 0; t < 3; t++) {
            a64.step(0.01);
            a32.step(0.01);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(p32.value().get(i)).isCloseTo(p64.value().get(i), within(1e-6));
        }
    }

    @Test
    void scheduleWarmsUpLinearlyThenDecaysToTheFloor() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 1e-4, 10, 110);
        assertThat(s.at(0)).isCloseTo(1e-4, within(1e-18));   // warmup start: peak / warmup
        assertThat(s.at(4)).isCloseTo(5e-4, within(1e-18));
        assertThat(s.at(9)).isCloseTo(1e-3, within(1e-18));   // warmup end: the peak
        assertThat(s.at(10)).isCloseTo(1e-3, within(1e-18));  // decay start
        assertThat(s.at(60)).isCloseTo(5.5e-4, within(1e-15)); // half way: midpoint of peak and floor
        assertThat(s.at(110)).isCloseTo(1e-4, within(1e-18)); // end: the floor
        assertThat(s.at(500)).isEqualTo(1e-4);
        for (int step = 11; step <= 110; step++) {
            assertThat(s.at(step)).isLessThanOrEqualTo(s.at(step - 1));
        }
        assertThat(LearningRateSchedule.constant(0.01).at(7)).isEqualTo(0.01);
        assertThatThrownBy(() -> new LearningRateSchedule(1e-3, 1e-2, 0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("floor");
    }

    @Test
    void clippingScalesToTheMaximumAndReturnsTheNormBefore() {
        Parameter a = parameter("a", new double[] {0, 0}, new double[] {3, 0});
        Parameter b = parameter("b", new double[] {0}, new double[] {4});
        List<Parameter> both = List.of(a, b, a); // a tied parameter listed twice counts once
        assertThat(GradientClipping.clipByGlobalNorm(both, 10)).isEqualTo(5.0);
        assertThat(b.gradient().get(0)).isEqualTo(4.0); // under the maximum: unchanged
        assertThat(GradientClipping.clipByGlobalNorm(both, 1)).isEqualTo(5.0);
        assertThat(a.gradient().get(0)).isCloseTo(0.6, within(1e-15));
        assertThat(b.gradient().get(0)).isCloseTo(0.8, within(1e-15));
        assertThat(GradientClipping.globalNorm(both)).isCloseTo(1.0, within(1e-15));
        assertThatThrownBy(() -> GradientClipping.clipByGlobalNorm(both, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
