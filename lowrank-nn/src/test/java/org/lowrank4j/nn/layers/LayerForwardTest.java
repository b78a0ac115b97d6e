package org.lowrank4j.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Forward passes against values computed from the definitions, and the errors public entry points raise. */
class LayerForwardTest {
    private static final Precision F64 = Precision.FLOAT64;

    @Test
    void attentionMatchesNaiveDefinitionForEveryVariant() {
        Object[][] cases = { // heads, kvHeads, causal, theta (0 = no RoPE), masked
            {2, 2, false, 0.0, true}, {4, 2, true, 10000.0, false}, {4, 1, true, 100.0, true}, {2, 2, true, 0.0, false}};
        for (Object[] c : cases) {
            int heads = (int) c[0], kv = (int) c[1];
            double theta = (double) c[3];
            RotaryEmbedding rope = theta > 0 ? RotaryEmbedding.standard(16 / heads, theta, 10) : null;
            Attention a = Attention.dense("attn", 16, heads, kv, true, (boolean) c[2], rope, F64);
            GradientCheck.randomize(a, new Random(heads * 10 + kv), 0.4);
            Tensor x = Tensor.gaussian(F64, new Random(5), 1, 2, 5, 16);
            int[] mask = (boolean) c[4] ? new int[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0} : null;
            double[] expected = ReferenceAttention.forward(a, x, mask, theta);
            double[] actual = a.forward(x, mask).toDoubleArray();
            assertThat(maxAbsDiff(expected, actual)).as("attention case %s", java.util.Arrays.toString(c)).isLessThan(1e-12);
        }
    }

    @Test
    void attentionThatRanBeforeComputesWhatAFreshOneDoes() { // its buffers are reused from step to step
        for (Precision precision : Precision.values()) {
            for (boolean causal : new boolean[] {true, false}) {
                RotaryEmbedding rope = causal ? RotaryEmbedding.standard(4, 10000, 8) : null;
                Attention used = Attention.dense("attn", 16, 4, 2, true, causal, rope, precision);
                Attention fresh = Attention.dense("attn", 16, 4, 2, true, causal, rope, precision);
                GradientCheck.randomize(used, new Random(3), 0.4);
                GradientCheck.randomize(fresh, new Random(3), 0.4);
                // the same shape, then another (new buffers), then the first again: every buffer left full of other values
                for (int time : new int[] {5, 3}) {
                    Tensor before = Tensor.gaussian(precision, new Random(time), 3, 2, time, 16);
                    used.forward(before, null);
                    used.backward(Tensor.gaussian(precision, new Random(time + 1), 1, 2, time, 16));
                }
                used.forward(Tensor.gaussian(precision, new Random(1), 3, 2, 5, 16), new int[] {1, 1, 0, 0, 0, 1, 1, 1, 1, 1});
                used.backward(Tensor.gaussian(precision, new Random(2), 1, 2, 5, 16));
                used.parameters().forEach(Parameter::zeroGradient);
                Tensor x = Tensor.gaussian(precision, new Random(4), 1, 2, 5, 16), dy = Tensor.gaussian(precision, new Random(6), 1, 2, 5, 16);
                int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
                String label = precision + (causal ? " causal" : " bidirectional");
                assertThat(used.forward(x, mask).toDoubleArray()).as(label).containsExactly(fresh.forward(x, mask).toDoubleArray());
                assertThat(used.backward(dy).toDoubleArray()).as(label).containsExactly(fresh.backward(dy).toDoubleArray());
                for (int i = 0; i < used.parameters().size(); i++) {
                    assertThat(used.parameters().get(i).gradient().toDoubleArray()).as(label + " " + used.parameters().get(i).name())
                            .containsExactly(fresh.parameters().get(i).gradient().toDoubleArray());
                }
            }
        }
    }

    @Test
    void feedForwardsThatRanBeforeComputeWhatFreshOnesDo() { // their activations and gradients are reused from step to step
        for (Precision precision : Precision.values()) {
            for (boolean swiGlu : new boolean[] {true, false}) {
                Layer used = feedForward(swiGlu, precision), fresh = feedForward(swiGlu, precision);
                GradientCheck.randomize(used, new Random(3), 0.5);
                GradientCheck.randomize(fresh, new Random(3), 0.5);
                for (int time : new int[] {4, 6, 4}) { // the same shape, another (new buffers), the first again
                    used.forward(Tensor.gaussian(precision, new Random(time), 2, 2, time, 8));
                    used.backward(Tensor.gaussian(precision, new Random(time + 1), 1, 2, time, 8));
                }
                used.parameters().forEach(Parameter::zeroGradient);
                Tensor x = Tensor.gaussian(precision, new Random(7), 1, 2, 4, 8), dy = Tensor.gaussian(precision, new Random(8), 1, 2, 4, 8);
                String label = precision + (swiGlu ? " SwiGLU" : " GELU");
                assertThat(used.forward(x).toDoubleArray()).as(label).containsExactly(fresh.forward(x).toDoubleArray());
                assertThat(used.backward(dy).toDoubleArray()).as(label).containsExactly(fresh.backward(dy).toDoubleArray());
                for (int i = 0; i < used.parameters().size(); i++) {
                    assertThat(used.parameters().get(i).gradient().toDoubleArray()).as(label + " " + used.parameters().get(i).name())
                            .containsExactly(fresh.parameters().get(i).gradient().toDoubleArray());
                }
            }
        }
    }

    private static Layer feedForward(boolean swiGlu, Precision precision) {
        return swiGlu
                ? new SwiGluMlp(Linear.dense("g", 8, 12, false, precision), Linear.dense("u", 8, 12, false, precision), Linear.dense("d", 12, 8, true, precision))
                : new GeluMlp(Linear.dense("u", 8, 12, true, precision), Linear.dense("d", 12, 8, true, precision), MlpActivation.GELU_TANH);
    }

    @Test
    void geluVariantsMatchKnownValues() {
        for (Precision p : Precision.values()) {
            Tensor x = Tensor.of(p, new double[] {-3, -1, 0, 0.5, 1, 2.5}, 6);
            Tensor erf = x.zerosLike(), tanh = x.zerosLike();
            Kernels.of(p).activationForward(erf, x, MlpActivation.GELU_ERF);
            Kernels.of(p).activationForward(tanh, x, MlpActivation.GELU_TANH);
            double tol = p == F64 ? 1e-15 : 2e-7;
            // x·Φ(x) from tabulated normal CDF values; tanh form evaluated independently
            double[] phi = {0.0013498980316300946, 0.15865525393145707, 0.5, 0.6914624612740131, 0.8413447460685429, 0.9937903346742238};
            for (int i = 0; i < 6; i++) {
                double v = x.get(i);
                assertThat(erf.get(i)).isCloseTo(v * phi[i], within(tol * 4));
                double t = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                assertThat(tanh.get(i)).isCloseTo(t, within(tol * 4));
            }
        }
    }

    @Test
    void normsNormaliseRows() {
        Tensor x = Tensor.of(F64, new double[] {1, 2, 3, 4, -2, 0, 2, 4}, 2, 4);
        LayerNorm ln = new LayerNorm("ln", 4, 0, true, F64);
        Tensor y = ln.forward(x);
        double s = Math.sqrt(1.25);
        // both rows have deviations (-1.5, -0.5, 0.5, 1.5)·k from their mean, so normalise to the same values
        double[] row = {-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s};
        assertThat(y.toDoubleArray()).containsExactly(new double[] {row[0], row[1], row[2], row[3], row[0], row[1], row[2], row[3]}, within(1e-14));
        RMSNorm rms = new RMSNorm("rms", 4, 0, F64);
        double r = Math.sqrt(30 / 4.0);
        assertThat(rms.forward(x).get(3)).isCloseTo(4 / r, within(1e-14));
    }

    @Test
    void ropeKeepsDotProductsRelative() {
        // q·k after RoPE depends only on the distance between positions: the defining property.
        RotaryEmbedding rope = RotaryEmbedding.standard(8, 10000, 32);
        Tensor q = Tensor.gaussian(F64, new Random(1), 1, 1, 1, 8), k = Tensor.gaussian(F64, new Random(2), 1, 1, 1, 8);
        double[] dots = new double[3];
        int[][] pairs = {{3, 1}, {10, 8}, {29, 27}};
        for (int i = 0; i < 3; i++) {
            Tensor qr = q.copy(), kr = k.copy();
            rope.apply(qr, pairs[i][0], false);
            rope.apply(kr, pairs[i][1], false);
            dots[i] = dot(qr, kr);
        }
        assertThat(dots[1]).isCloseTo(dots[0], within(1e-12));
        assertThat(dots[2]).isCloseTo(dots[0], within(1e-12));
        Tensor back = q.copy();
        rope.apply(back, 7, false);
        rope.apply(back, 7, true);
        assertThat(GradientCheck.compare(back, q)).isLessThan(1e-15);
    }

    @Test
    void publicEntryPointsNameTheShapes() {
        Linear linear = Linear.dense("fc", 8, 4, true, F64);
        assertThatThrownBy(() -> linear.forward(Tensor.zeros(F64, 2, 7))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fc").hasMessageContaining("(2, 7)").hasMessageContaining("4x8");
        assertThatThrownBy(() -> linear.forward(Tensor.zeros(Precision.FLOAT32, 2, 8))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("FLOAT32");
        Attention a = Attention.dense("attn", 8, 2, 2, false, true, null, F64);
        assertThatThrownBy(() -> a.forward(Tensor.zeros(F64, 2, 3, 6), null)).hasMessageContaining("(B, T, 8)").hasMessageContaining("(2, 3, 6)");
        assertThatThrownBy(() -> a.forward(Tensor.zeros(F64, 2, 3, 8), new int[5])).hasMessageContaining("mask of length 5");
        assertThatThrownBy(() -> Attention.dense("attn", 8, 4, 3, false, true, null, F64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 query heads and 3 key/value heads");
        assertThatThrownBy(() -> new LayerNorm("ln", 4, 1e-5, true, F64).forward(Tensor.zeros(F64, 3, 5)))
                .hasMessageContaining("(3, 5)").hasMessageContaining("4 channels");
        Embedding e = new Embedding("emb", 10, 4, 3, 0, F64);
        assertThatThrownBy(() -> e.forward(new int[] {1, 12}, null, 1, 2, 0)).hasMessageContaining("token id 12");
        assertThatThrownBy(() -> e.forward(new int[] {1, 2}, null, 1, 2, 2)).hasMessageContaining("position 3");
        assertThatThrownBy(() -> new SoftmaxCrossEntropy().forward(Tensor.zeros(F64, 2, 5), new int[] {1, 5}))
                .hasMessageContaining("target 5");
        KVCache cache = a.newCache(1, 2);
        assertThatThrownBy(() -> a.decode(Tensor.zeros(F64, 1, 3, 8), cache)).hasMessageContaining("capacity 2");
        assertThatThrownBy(() -> new Attention("x", Linear.dense("q", 8, 8, false, F64), Linear.dense("k", 8, 8, false, F64),
                Linear.dense("v", 8, 8, false, F64), Linear.dense("o", 8, 8, false, F64), 2, 2, true, RotaryEmbedding.standard(2, 10, 4)))
                .hasMessageContaining("head size 2");
        assertThatThrownBy(() -> linear.backward(Tensor.zeros(F64, 2, 4))).isInstanceOf(IllegalStateException.class);
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.get(i) * b.get(i);
        }
        return s;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        assertThat(a.length).isEqualTo(b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
