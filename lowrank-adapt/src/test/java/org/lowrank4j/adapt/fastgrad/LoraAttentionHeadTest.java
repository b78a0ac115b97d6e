package org.lowrank4j.adapt.fastgrad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** LoRA on W_Q, W_K, W_V of one head (spec 19's setting): adapter gradients by finite differences, exact and Taylor. */
class LoraAttentionHeadTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final int L = 40, N = 6, D = 4, R = 2;

    private static Tensor uniform(long seed, double half, int... shape) {
        Random random = new Random(seed);
        Tensor t = Tensor.zeros(F64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, (2 * random.nextDouble() - 1) * half);
        }
        return t;
    }

    /** A d × n projection with a rank-2 adapter whose B is not zero, so both A and B get a gradient. */
    private static LoraWeight adapted(String module, long seed) {
        LoraWeight w = new LoraWeight(module, new DenseWeight(new Parameter(module + ".weight", uniform(seed, 0.3, D, N))), null);
        w.addAdapter(new LoraAdapter("default", new Parameter(module + ".lora_A.default.weight", uniform(seed + 1, 0.3, R, N)),
                new Parameter(module + ".lora_B.default.weight", uniform(seed + 2, 0.3, D, R)), 4, false, 0));
        return w;
    }

    private static LoraAttentionHead head() {
        return new LoraAttentionHead(adapted("q_proj", 10), adapted("k_proj", 20), adapted("v_proj", 30));
    }

    @Test
    void adapterAndInputGradientsOnTheExactPathMatchFiniteDifferences() {
        for (boolean causal : new boolean[] {false, true}) {
            LoraAttentionHead head = head();
            ExactAttention exact = new ExactAttention(causal);
            Tensor x = uniform(1, 1, L, N), r = uniform(2, 1, L, D);
            head.forward(x, exact);
            Tensor dx = head.backward(r, exact);
            assertThat(head.parameters()).hasSize(6);
            for (Parameter p : head.parameters()) {
                Tensor fd = gradient(() -> dot(head.forward(x, exact), r), p.value());
                assertThat(relativeError(p.gradient(), fd)).as("%s, causal %s", p.name(), causal).isLessThan(1e-7);
            }
            assertThat(relativeError(dx, gradient(() -> dot(head.forward(x, exact), r), x))).as("dx, causal %s", causal).isLessThan(1e-7);
        }
    }

    /** The adapters' gradients through the Taylor path converge to the exact ones as the degree grows. */
    @Test
    void adapterGradientsOnTheTaylorPathConvergeToTheExactOnes() {
        Tensor x = uniform(3, 1, L, N), r = uniform(4, 1, L, D);
        List<Tensor> exact = gradients(new ExactAttention(), x, r);
        double previous = Double.POSITIVE_INFINITY;
        for (int g = 1; g <= 8; g++) {
            List<Tensor> approx = gradients(new TaylorAttention(D, g), x, r);
            double worst = 0;
            for (int i = 0; i < exact.size(); i++) {
                worst = Math.max(worst, relativeError(exact.get(i), approx.get(i)));
            }
            assertThat(worst).as("degree %d", g).isLessThan(previous);
            previous = worst;
        }
        assertThat(previous).isLessThan(1e-6);
    }

    private static List<Tensor> gradients(AttentionCore core, Tensor x, Tensor r) {
        LoraAttentionHead head = head();
        head.forward(x, core);
        head.backward(r, core);
        return head.parameters().stream().map(p -> p.gradient().copy()).toList();
    }

    @Test
    void mismatchedProjectionsAndInputsAreRefused() {
        LoraWeight narrow = new LoraWeight("k_proj", new DenseWeight(new Parameter("k", uniform(5, 0.3, D - 1, N))), null);
        assertThatThrownBy(() -> new LoraAttentionHead(adapted("q_proj", 10), narrow, adapted("v_proj", 30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3x6");
        assertThatThrownBy(() -> head().forward(uniform(6, 1, L, N + 1), new ExactAttention())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(L, 6)");
        assertThatThrownBy(() -> head().backward(uniform(7, 1, L, D), new ExactAttention())).isInstanceOf(IllegalStateException.class);
    }
}
